// opcodes.vh -- included inside modules (localparams), next to the file that includes it
localparam OP_NOP  = 4'h0, OP_LDI = 4'h1, OP_LD  = 4'h2, OP_ST   = 4'h3,
           OP_ADD  = 4'h4, OP_SUB = 4'h5, OP_AND = 4'h6, OP_XOR  = 4'h7,
           OP_ADDI = 4'h8, OP_JMP = 4'h9, OP_JZ  = 4'hA, OP_JNZ  = 4'hB,
           OP_OUT  = 4'hC, OP_SHL = 4'hD, OP_HALT = 4'hF;
