module clk_div_odd #(parameter NUM_DIV = 5) (
    input  clk,
    input  rst_n,
    output clk_div
);
    reg [2:0] cnt;
    reg clk_p, clk_n;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n)
            cnt <= 0;
        else if (cnt == NUM_DIV - 1)
            cnt <= 0;
        else
            cnt <= cnt + 1;
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n)
            clk_p <= 1'b0;
        else if (cnt == (NUM_DIV - 1) / 2 || cnt == NUM_DIV - 1)
            clk_p <= ~clk_p;
    end

    always @(negedge clk or negedge rst_n) begin
        if (!rst_n)
            clk_n <= 1'b0;
        else
            clk_n <= clk_p;
    end

    assign clk_div = clk_p | clk_n;
endmodule
