// Accumulator CPU top.
module CPU_Top (
    input  wire       CLK,
    input  wire       RST_N,
    output reg  [7:0] OUT_PORT,
    output reg        OUT_VALID,
    output reg        HALTED
);
    reg  [4:0]  pc;
    reg  [7:0]  acc;
    reg         zero;
    reg  [7:0]  regs [0:7];
    wire [11:0] instr;
    wire [3:0]  opcode  = instr[11:8];
    wire [7:0]  operand = instr[7:0];
    wire        uses_alu, uses_reg, writes_acc, is_jump, is_store, is_out, is_halt;
    wire [7:0]  reg_val = regs[operand[2:0]];
    wire [7:0]  alu_b   = uses_reg ? reg_val : operand;
    wire [7:0]  alu_y;
    reg  [7:0]  acc_next;
    reg         take;

    prog_rom u_rom (.addr(pc), .instr(instr));
    Decoder  u_dec (.opcode(opcode), .uses_alu(uses_alu), .uses_reg(uses_reg),
                    .writes_acc(writes_acc), .is_jump(is_jump), .is_store(is_store),
                    .is_out(is_out), .is_halt(is_halt));
    alu_unit u_alu (.op(opcode), .a(acc), .b(alu_b), .y(alu_y));

    always @(*) begin
        if (uses_alu)              acc_next = alu_y;
        else if (opcode == 4'h1)   acc_next = operand;      // LDI
        else                       acc_next = reg_val;      // LD
        case (opcode)
            4'h9:    take = 1'b1;        // JMP
            4'hA:    take = zero;        // JZ
            4'hB:    take = !zero;       // JNZ
            default: take = 1'b0;
        endcase
    end

    always @(posedge CLK or negedge RST_N) begin
        if (!RST_N) begin
            pc        <= 5'd0;
            acc       <= 8'd0;
            zero      <= 1'b1;
            OUT_PORT  <= 8'd0;
            OUT_VALID <= 1'b0;
            HALTED    <= 1'b0;
        end else if (!HALTED) begin
            OUT_VALID <= 1'b0;
            pc <= (is_jump && take) ? operand[4:0] : pc + 1'b1;
            if (writes_acc) begin
                acc  <= acc_next;
                zero <= (acc_next == 8'd0);
            end
            if (is_out) begin
                OUT_PORT  <= acc;
                OUT_VALID <= 1'b1;
            end
            if (is_halt) begin
                HALTED <= 1'b1;
                pc     <= pc;
            end
        end else begin
            OUT_VALID <= 1'b0;
        end
    end

    // data registers: no reset (the program writes before it reads)
    always @(posedge CLK)
        if (RST_N && !HALTED && is_store)
            regs[operand[2:0]] <= acc;
endmodule
