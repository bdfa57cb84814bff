module mov_avg4 (
    input  wire       clk,
    input  wire       rst_n,
    input  wire       in_valid,
    input  wire [9:0] x,
    output reg        out_valid,
    output reg  [9:0] y
);
    reg  [9:0]  x1, x2, x3;
    wire [11:0] sum = x + x1 + x2 + x3;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            x1 <= 10'd0; x2 <= 10'd0; x3 <= 10'd0;
            y <= 10'd0; out_valid <= 1'b0;
        end else begin
            out_valid <= in_valid;
            if (in_valid) begin
                x3 <= x2; x2 <= x1; x1 <= x;
                y  <= sum[11:2];
            end
        end
    end
endmodule
