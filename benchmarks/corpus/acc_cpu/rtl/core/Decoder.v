// Instruction decoder with functions.
module Decoder (
    input  wire [3:0] opcode,
    output wire       uses_alu,
    output wire       uses_reg,
    output wire       writes_acc,
    output wire       is_jump,
    output wire       is_store,
    output wire       is_out,
    output wire       is_halt
);
    `include "opcodes.vh"

    function is_alu_op;
        input [3:0] op;
        begin
            case (op)
                OP_ADD, OP_SUB, OP_AND, OP_XOR, OP_ADDI, OP_SHL: is_alu_op = 1'b1;
                default:                                          is_alu_op = 1'b0;
            endcase
        end
    endfunction

    function reads_register;
        input [3:0] op;
        begin
            reads_register = (op == OP_LD) || (op == OP_ADD) || (op == OP_SUB) ||
                             (op == OP_AND) || (op == OP_XOR);
        end
    endfunction

    assign uses_alu   = is_alu_op(opcode);
    assign uses_reg   = reads_register(opcode);
    assign writes_acc = is_alu_op(opcode) || opcode == OP_LDI || opcode == OP_LD;
    assign is_jump    = (opcode == OP_JMP) || (opcode == OP_JZ) || (opcode == OP_JNZ);
    assign is_store   = (opcode == OP_ST);
    assign is_out     = (opcode == OP_OUT);
    assign is_halt    = (opcode == OP_HALT);
endmodule
