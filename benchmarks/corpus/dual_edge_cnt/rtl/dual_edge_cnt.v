module dual_edge_cnt (
    input  wire       clk,
    input  wire       rst_n,
    input  wire       en,
    output wire [8:0] count,
    output reg        en_q
);
    reg [7:0] cnt_pos, cnt_neg;
    reg       en_neg;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n)  cnt_pos <= 8'd0;
        else if (en) cnt_pos <= cnt_pos + 8'd1;
    end

    always @(negedge clk or negedge rst_n) begin
        if (!rst_n) begin
            cnt_neg <= 8'd0;
            en_neg  <= 1'b0;
        end else begin
            en_neg <= en;
            if (en) cnt_neg <= cnt_neg + 8'd1;
        end
    end

    // half-cycle path: falling-edge flop into a rising-edge flop
    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) en_q <= 1'b0;
        else        en_q <= en_neg;
    end

    assign count = cnt_pos + cnt_neg;
endmodule
