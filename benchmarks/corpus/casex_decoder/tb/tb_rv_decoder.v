`timescale 1ns/1ps
module tb_rv_decoder;
    reg  [6:0] opcode;
    reg  [2:0] funct3;
    reg        funct7_5;
    wire       reg_write, mem_read, mem_write, branch, jump, alu_src, illegal;
    wire [2:0] imm_sel;
    wire [3:0] alu_op;

    rv_decoder dut (.opcode(opcode), .funct3(funct3), .funct7_5(funct7_5),
                    .reg_write(reg_write), .mem_read(mem_read), .mem_write(mem_write),
                    .branch(branch), .jump(jump), .alu_src(alu_src), .imm_sel(imm_sel),
                    .alu_op(alu_op), .illegal(illegal));

    // reference model written with if/else, not casex
    reg [15:0] ref_word;
    task reference(input [6:0] op, input [2:0] f3, input f7);
        reg rw, mr, mw, br, jp, as, il;
        reg [2:0] is;
        reg [3:0] ao;
        begin
            {rw, mr, mw, br, jp, as, il} = 0; is = 0; ao = 0;
            if (op == 7'b0110011) begin
                if (f7 && !(f3 == 0 || f3 == 5)) il = 1;
                else begin
                    rw = 1;
                    case (f3)
                        0: ao = f7 ? 1 : 0;  1: ao = 2;  2: ao = 3;  3: ao = 4;
                        4: ao = 5;           5: ao = f7 ? 7 : 6;     6: ao = 8;  7: ao = 9;
                    endcase
                end
            end else if (op == 7'b0010011) begin
                if ((f3 == 1 && f7) ) il = 1;
                else begin
                    rw = 1; as = 1;
                    case (f3)
                        0: ao = 0;  1: ao = 2;  2: ao = 3;  3: ao = 4;
                        4: ao = 5;  5: ao = f7 ? 7 : 6;  6: ao = 8;  7: ao = 9;
                    endcase
                end
            end else if (op == 7'b0000011) begin
                if (f3 == 3 || f3 == 6 || f3 == 7) il = 1; else begin rw = 1; mr = 1; as = 1; end
            end else if (op == 7'b0100011) begin
                if (f3 > 2) il = 1; else begin mw = 1; as = 1; is = 1; end
            end else if (op == 7'b1100011) begin
                if (f3 == 2 || f3 == 3) il = 1;
                else begin br = 1; is = 2; ao = (f3 < 2) ? 1 : (f3[0] ? 4 : 3); end
            end else if (op == 7'b0110111) begin rw = 1; as = 1; is = 3; ao = 10;
            end else if (op == 7'b0010111) begin rw = 1; as = 1; is = 3;
            end else if (op == 7'b1101111) begin rw = 1; jp = 1; is = 4;
            end else if (op == 7'b1100111 && f3 == 0) begin rw = 1; jp = 1; as = 1;
            end else il = 1;
            ref_word = {rw, mr, mw, br, jp, as, is, ao, il};
        end
    endtask

    integer v, errors = 0;
    initial begin
        for (v = 0; v < 2048; v = v + 1) begin
            {funct7_5, funct3, opcode} = v;
            #5;
            reference(opcode, funct3, funct7_5);
            if ({reg_write, mem_read, mem_write, branch, jump, alu_src, imm_sel, alu_op, illegal} !== ref_word) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("ERROR: op=%b f3=%b f7=%b got %b expected %b", opcode, funct3, funct7_5,
                             {reg_write, mem_read, mem_write, branch, jump, alu_src, imm_sel, alu_op, illegal}, ref_word);
            end
        end
        if (errors == 0) $display("All %0d vectors passed", v);
        else $display("%0d of %0d vectors failed", errors, v);
        $finish;
    end
endmodule
