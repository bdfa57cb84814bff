package alu_pkg;
  typedef enum logic [2:0] {
    ALU_ADD  = 3'd0,
    ALU_SUB  = 3'd1,
    ALU_AND  = 3'd2,
    ALU_OR   = 3'd3,
    ALU_XOR  = 3'd4,
    ALU_SHL  = 3'd5,
    ALU_SHR  = 3'd6,
    ALU_PASS = 3'd7
  } alu_op_e;

  function automatic logic [8:0] sat_add(logic signed [7:0] a, logic signed [7:0] b);
    logic signed [8:0] s;
    s = a + b;
    if (s > 9'sd127)       sat_add = {1'b1, 8'h7f};
    else if (s < -9'sd128) sat_add = {1'b1, 8'h80};
    else                   sat_add = {1'b0, s[7:0]};
  endfunction
endpackage
