// ALU of the accumulator CPU.
module alu_unit (
    input  wire [3:0] op,
    input  wire [7:0] a,
    input  wire [7:0] b,
    output reg  [7:0] y
);
    `include "opcodes.vh"
    always @(*) begin
        case (op)
            OP_ADD, OP_ADDI: y = a + b;
            OP_SUB:          y = a - b;
            OP_AND:          y = a & b;
            OP_XOR:          y = a ^ b;
            OP_SHL:          y = {a[6:0], 1'b0};
            default:         y = a;
        endcase
    end
endmodule
