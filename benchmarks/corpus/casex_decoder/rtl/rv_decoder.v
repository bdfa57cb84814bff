// RV32I main decoder, casex style.
module rv_decoder (
    input  wire [6:0] opcode,
    input  wire [2:0] funct3,
    input  wire       funct7_5,
    output reg        reg_write,
    output reg        mem_read,
    output reg        mem_write,
    output reg        branch,
    output reg        jump,
    output reg        alu_src,
    output reg  [2:0] imm_sel,
    output reg  [3:0] alu_op,
    output reg        illegal
);
    // imm_sel
    localparam IMM_I = 3'd0, IMM_S = 3'd1, IMM_B = 3'd2, IMM_U = 3'd3, IMM_J = 3'd4;
    // alu_op
    localparam ADD = 4'd0, SUB = 4'd1, SLL = 4'd2, SLT = 4'd3, SLTU = 4'd4, XOR = 4'd5,
               SRL = 4'd6, SRA = 4'd7, OR = 4'd8, AND = 4'd9, PASSB = 4'd10;

    always @(*) begin
        {reg_write, mem_read, mem_write, branch, jump, alu_src} = 6'b0;
        imm_sel = IMM_I;
        alu_op  = ADD;
        illegal = 1'b0;
        casex ({funct7_5, funct3, opcode})
            // R-type
            11'b0_000_0110011: begin reg_write = 1; alu_op = ADD;  end
            11'b1_000_0110011: begin reg_write = 1; alu_op = SUB;  end
            11'b0_001_0110011: begin reg_write = 1; alu_op = SLL;  end
            11'b0_010_0110011: begin reg_write = 1; alu_op = SLT;  end
            11'b0_011_0110011: begin reg_write = 1; alu_op = SLTU; end
            11'b0_100_0110011: begin reg_write = 1; alu_op = XOR;  end
            11'b0_101_0110011: begin reg_write = 1; alu_op = SRL;  end
            11'b1_101_0110011: begin reg_write = 1; alu_op = SRA;  end
            11'b0_110_0110011: begin reg_write = 1; alu_op = OR;   end
            11'b0_111_0110011: begin reg_write = 1; alu_op = AND;  end
            // I-type ALU (funct7 only matters for shifts)
            11'bx_000_0010011: begin reg_write = 1; alu_src = 1; alu_op = ADD;  end
            11'b0_001_0010011: begin reg_write = 1; alu_src = 1; alu_op = SLL;  end
            11'bx_010_0010011: begin reg_write = 1; alu_src = 1; alu_op = SLT;  end
            11'bx_011_0010011: begin reg_write = 1; alu_src = 1; alu_op = SLTU; end
            11'bx_100_0010011: begin reg_write = 1; alu_src = 1; alu_op = XOR;  end
            11'b0_101_0010011: begin reg_write = 1; alu_src = 1; alu_op = SRL;  end
            11'b1_101_0010011: begin reg_write = 1; alu_src = 1; alu_op = SRA;  end
            11'bx_110_0010011: begin reg_write = 1; alu_src = 1; alu_op = OR;   end
            11'bx_111_0010011: begin reg_write = 1; alu_src = 1; alu_op = AND;  end
            // loads: LB LH LW LBU LHU
            11'bx_000_0000011,
            11'bx_001_0000011,
            11'bx_010_0000011,
            11'bx_100_0000011,
            11'bx_101_0000011: begin reg_write = 1; mem_read = 1; alu_src = 1; end
            // stores: SB SH SW
            11'bx_000_0100011,
            11'bx_001_0100011,
            11'bx_010_0100011: begin mem_write = 1; alu_src = 1; imm_sel = IMM_S; end
            // branches (funct3 010 and 011 are reserved)
            11'bx_00x_1100011: begin branch = 1; imm_sel = IMM_B; alu_op = SUB;  end
            11'bx_1x0_1100011: begin branch = 1; imm_sel = IMM_B; alu_op = SLT;  end
            11'bx_1x1_1100011: begin branch = 1; imm_sel = IMM_B; alu_op = SLTU; end
            // LUI, AUIPC
            11'bx_xxx_0110111: begin reg_write = 1; alu_src = 1; imm_sel = IMM_U; alu_op = PASSB; end
            11'bx_xxx_0010111: begin reg_write = 1; alu_src = 1; imm_sel = IMM_U; end
            // JAL, JALR
            11'bx_xxx_1101111: begin reg_write = 1; jump = 1; imm_sel = IMM_J; end
            11'bx_000_1100111: begin reg_write = 1; jump = 1; alu_src = 1; end
            default:           illegal = 1'b1;
        endcase
    end
endmodule
