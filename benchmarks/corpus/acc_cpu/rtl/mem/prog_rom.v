// Program ROM: 32 x 12 bits, combinational case table.
module prog_rom (
    input  wire [4:0]  addr,
    output reg  [11:0] instr
);
    always @(*) begin
        case (addr)
            5'd0:  instr = 12'h1_00;  // LDI 0
            5'd1:  instr = 12'h3_00;  // ST  r0        a = 0
            5'd2:  instr = 12'h1_01;  // LDI 1
            5'd3:  instr = 12'h3_01;  // ST  r1        b = 1
            5'd4:  instr = 12'h1_0A;  // LDI 10
            5'd5:  instr = 12'h3_02;  // ST  r2        n = 10
            5'd6:  instr = 12'h2_00;  // loop: LD r0
            5'd7:  instr = 12'hC_00;  // OUT
            5'd8:  instr = 12'h4_01;  // ADD r1
            5'd9:  instr = 12'h3_03;  // ST  r3        t = a + b
            5'd10: instr = 12'h2_01;  // LD  r1
            5'd11: instr = 12'h3_00;  // ST  r0        a = b
            5'd12: instr = 12'h2_03;  // LD  r3
            5'd13: instr = 12'h3_01;  // ST  r1        b = t
            5'd14: instr = 12'h2_02;  // LD  r2
            5'd15: instr = 12'h8_FF;  // ADDI -1
            5'd16: instr = 12'h3_02;  // ST  r2
            5'd17: instr = 12'hB_06;  // JNZ loop
            5'd18: instr = 12'h1_5A;  // LDI 0x5A
            5'd19: instr = 12'h7_00;  // XOR r0
            5'd20: instr = 12'hC_00;  // OUT
            5'd21: instr = 12'hD_00;  // SHL
            5'd22: instr = 12'h5_01;  // SUB r1
            5'd23: instr = 12'hC_00;  // OUT
            5'd24: instr = 12'hA_1B;  // JZ 27 (not taken)
            5'd25: instr = 12'h6_00;  // AND r0
            5'd26: instr = 12'hC_00;  // OUT
            5'd27: instr = 12'hF_00;  // HALT
            default: instr = 12'h0_00; // NOP
        endcase
    end
endmodule
