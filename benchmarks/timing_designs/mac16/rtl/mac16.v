// 16x16 unsigned multiply-accumulate with a 40-bit accumulator:
//   clr -> acc <= 0;  en -> acc <= acc + a * b (mod 2^40);  else acc holds.
// All inputs are registered and acc is a register, so the critical path is
// input registers / acc -> multiplier + 40-bit adder -> acc.
module mac16 (
    input  wire        clk,
    input  wire        rst,
    input  wire        clr,
    input  wire        en,
    input  wire [15:0] a,
    input  wire [15:0] b,
    output reg  [39:0] acc
);
    reg [15:0] a_q, b_q;
    reg        clr_q, en_q;
    wire [31:0] prod = a_q * b_q;

    always @(posedge clk) begin
        if (rst) begin
            a_q   <= 16'd0;
            b_q   <= 16'd0;
            clr_q <= 1'b0;
            en_q  <= 1'b0;
            acc   <= 40'd0;
        end else begin
            a_q   <= a;
            b_q   <= b;
            clr_q <= clr;
            en_q  <= en;
            if (clr_q)
                acc <= 40'd0;
            else if (en_q)
                acc <= acc + {8'd0, prod};
        end
    end
endmodule
