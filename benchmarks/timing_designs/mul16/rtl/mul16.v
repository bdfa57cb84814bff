// Registered 16x16 unsigned multiplier: p = a * b (32-bit product).
// Every input and output is registered, so the critical path is the
// multiplier array between the input registers and the product register.
module mul16 (
    input  wire        clk,
    input  wire        rst,
    input  wire        in_valid,
    input  wire [15:0] a,
    input  wire [15:0] b,
    output reg         out_valid,
    output reg  [31:0] p
);
    reg [15:0] a_q, b_q;
    reg        v_q;
    wire [31:0] prod = a_q * b_q;

    always @(posedge clk) begin
        if (rst) begin
            a_q       <= 16'd0;
            b_q       <= 16'd0;
            v_q       <= 1'b0;
            p         <= 32'd0;
            out_valid <= 1'b0;
        end else begin
            a_q       <= a;
            b_q       <= b;
            v_q       <= in_valid;
            p         <= prod;
            out_valid <= v_q;
        end
    end
endmodule
