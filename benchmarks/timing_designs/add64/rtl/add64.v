// Registered 64-bit adder: sum = a + b (mod 2^64).
// Every input and output is registered, so the critical path is the carry
// chain between the input registers and the sum register.
module add64 (
    input  wire        clk,
    input  wire        rst,
    input  wire        in_valid,
    input  wire [63:0] a,
    input  wire [63:0] b,
    output reg         out_valid,
    output reg  [63:0] sum
);
    reg [63:0] a_q, b_q;
    reg        v_q;

    always @(posedge clk) begin
        if (rst) begin
            a_q       <= 64'd0;
            b_q       <= 64'd0;
            v_q       <= 1'b0;
            sum       <= 64'd0;
            out_valid <= 1'b0;
        end else begin
            a_q       <= a;
            b_q       <= b;
            v_q       <= in_valid;
            sum       <= a_q + b_q;
            out_valid <= v_q;
        end
    end
endmodule
