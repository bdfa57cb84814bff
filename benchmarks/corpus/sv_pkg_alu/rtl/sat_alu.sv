module sat_alu (
  input  logic       clk_i,
  input  logic       rst_ni,
  input  logic       valid_i,
  input  logic [2:0] op_i,     // alu_pkg::alu_op_e
  input  logic [7:0] a_i,
  input  logic [7:0] b_i,
  output logic [7:0] result_o,
  output logic       sat_o,
  output logic       zero_o,
  output logic       valid_o
);
  typedef struct packed {
    logic [7:0] value;
    logic       sat;
    logic       zero;
  } res_t;

  res_t     res_d, res_q;
  logic     valid_q;
  logic [8:0] add_r, sub_r;

  always_comb begin
    add_r = alu_pkg::sat_add(a_i, b_i);
    sub_r = alu_pkg::sat_add(a_i, -b_i);
    res_d = '0;
    unique case (op_i)
      alu_pkg::ALU_ADD:  {res_d.sat, res_d.value} = add_r;
      alu_pkg::ALU_SUB:  begin
                  // -(-128) overflows: a - (-128) is a + 128
                  if (b_i == 8'h80) {res_d.sat, res_d.value} = a_i[7] ? {1'b0, a_i ^ 8'h80} : {1'b1, 8'h7f};
                  else              {res_d.sat, res_d.value} = sub_r;
                end
      alu_pkg::ALU_AND:  res_d.value = a_i & b_i;
      alu_pkg::ALU_OR:   res_d.value = a_i | b_i;
      alu_pkg::ALU_XOR:  res_d.value = a_i ^ b_i;
      alu_pkg::ALU_SHL:  res_d.value = a_i << b_i[2:0];
      alu_pkg::ALU_SHR:  res_d.value = a_i >> b_i[2:0];
      alu_pkg::ALU_PASS: res_d.value = a_i;
      default:  res_d.value = '0;
    endcase
    res_d.zero = (res_d.value == 8'h00);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      res_q   <= '0;
      valid_q <= 1'b0;
    end else begin
      valid_q <= valid_i;
      if (valid_i) res_q <= res_d;
    end
  end

  assign result_o = res_q.value;
  assign sat_o    = res_q.sat;
  assign zero_o   = res_q.zero;
  assign valid_o  = valid_q;
endmodule
