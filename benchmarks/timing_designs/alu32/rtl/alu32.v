// 32-bit ALU with registered inputs and output.
//   op 0: a + b      op 1: a - b      op 2: a & b       op 3: a | b
//   op 4: a ^ b      op 5: slt (signed a < b, 0/1)       op 6: sltu (unsigned)
//   op 7: a << b[4:0]
module alu32 (
    input  wire        clk,
    input  wire        rst,
    input  wire [2:0]  op,
    input  wire [31:0] a,
    input  wire [31:0] b,
    output reg  [31:0] y
);
    reg [31:0] a_q, b_q;
    reg [2:0]  op_q;
    reg [31:0] r;

    always @(*) begin
        case (op_q)
            3'd0: r = a_q + b_q;
            3'd1: r = a_q - b_q;
            3'd2: r = a_q & b_q;
            3'd3: r = a_q | b_q;
            3'd4: r = a_q ^ b_q;
            3'd5: r = {31'd0, $signed(a_q) < $signed(b_q)};
            3'd6: r = {31'd0, a_q < b_q};
            default: r = a_q << b_q[4:0];
        endcase
    end

    always @(posedge clk) begin
        if (rst) begin
            a_q  <= 32'd0;
            b_q  <= 32'd0;
            op_q <= 3'd0;
            y    <= 32'd0;
        end else begin
            a_q  <= a;
            b_q  <= b;
            op_q <= op;
            y    <= r;
        end
    end
endmodule
