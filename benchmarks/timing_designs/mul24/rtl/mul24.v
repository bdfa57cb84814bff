// Registered 24x24 unsigned multiplier: p = a * b (48-bit product).
// Every input and output is registered, so the critical path is the
// multiplier array between the input registers and the product register.
module mul24 (
    input  wire        clk,
    input  wire        rst,
    input  wire        in_valid,
    input  wire [23:0] a,
    input  wire [23:0] b,
    output reg         out_valid,
    output reg  [47:0] p
);
    reg [23:0] a_q, b_q;
    reg        v_q;
    wire [47:0] prod = a_q * b_q;

    always @(posedge clk) begin
        if (rst) begin
            a_q       <= 24'd0;
            b_q       <= 24'd0;
            v_q       <= 1'b0;
            p         <= 48'd0;
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
