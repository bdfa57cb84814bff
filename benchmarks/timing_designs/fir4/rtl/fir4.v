// 4-tap FIR filter, 8-bit signed samples, constant signed 8-bit coefficients:
//   y[n] = 29*x[n] - 75*x[n-1] + 103*x[n-2] - 58*x[n-3]
// where x[n] are the valid input samples (the delay line advances only on
// valid samples). Input and output are registered; the four constant
// multiplications and the 3 additions are done in one cycle.
module fir4 (
    input  wire               clk,
    input  wire               rst,
    input  wire               in_valid,
    input  wire signed [7:0]  x,
    output reg                out_valid,
    output reg  signed [17:0] y
);
    localparam signed [7:0] C0 = 8'sd29;
    localparam signed [7:0] C1 = -8'sd75;
    localparam signed [7:0] C2 = 8'sd103;
    localparam signed [7:0] C3 = -8'sd58;

    reg signed [7:0] x_q, d1, d2, d3;
    reg              v_q;
    wire signed [17:0] acc = C0 * x_q + C1 * d1 + C2 * d2 + C3 * d3;

    always @(posedge clk) begin
        if (rst) begin
            x_q       <= 8'sd0;
            v_q       <= 1'b0;
            d1        <= 8'sd0;
            d2        <= 8'sd0;
            d3        <= 8'sd0;
            y         <= 18'sd0;
            out_valid <= 1'b0;
        end else begin
            x_q       <= x;
            v_q       <= in_valid;
            out_valid <= v_q;
            if (v_q) begin
                d1 <= x_q;
                d2 <= d1;
                d3 <= d2;
                y  <= acc;
            end
        end
    end
endmodule
