`timescale 1ns/1ps
module tb_sat_alu;
  import alu_pkg::*;

  logic       clk = 0, rst_n = 0, valid = 0;
  alu_op_e    op;
  logic [7:0] a, b;
  logic [7:0] result;
  logic       sat, zero, valid_o;

  sat_alu dut (.clk_i(clk), .rst_ni(rst_n), .valid_i(valid), .op_i(op), .a_i(a), .b_i(b),
               .result_o(result), .sat_o(sat), .zero_o(zero), .valid_o(valid_o));

  always #10 clk = ~clk;

  int errors = 0;
  alu_op_e all_ops [0:7];

  function automatic logic [8:0] model(alu_op_e o, logic [7:0] x, logic [7:0] y);
    int s;
    case (o)
      ALU_ADD, ALU_SUB: begin
        s = (o == ALU_ADD) ? $signed(x) + $signed(y) : $signed(x) - $signed(y);
        if (s > 127) return {1'b1, 8'h7f};
        if (s < -128) return {1'b1, 8'h80};
        return {1'b0, s[7:0]};
      end
      ALU_AND:  return {1'b0, x & y};
      ALU_OR:   return {1'b0, x | y};
      ALU_XOR:  return {1'b0, x ^ y};
      ALU_SHL:  return {1'b0, x << y[2:0]};
      ALU_SHR:  return {1'b0, x >> y[2:0]};
      default:  return {1'b0, x};
    endcase
  endfunction

  task automatic check_one(alu_op_e o, logic [7:0] x, logic [7:0] y);
    logic [8:0] exp;
    @(negedge clk);
    op = o; a = x; b = y; valid = 1'b1;
    exp = model(o, x, y);
    @(posedge clk); #1;
    valid = 1'b0;
    if (!valid_o || result !== exp[7:0] || sat !== exp[8] || zero !== (exp[7:0] == 0)) begin
      errors++;
      if (errors < 10)
        $display("ERROR: op=%0d a=%h b=%h -> %h sat=%b zero=%b valid=%b, expected %h sat=%b",
                 o, x, y, result, sat, zero, valid_o, exp[7:0], exp[8]);
    end
  endtask

  initial begin
    all_ops[0] = ALU_ADD; all_ops[1] = ALU_SUB; all_ops[2] = ALU_AND; all_ops[3] = ALU_OR;
    all_ops[4] = ALU_XOR; all_ops[5] = ALU_SHL; all_ops[6] = ALU_SHR; all_ops[7] = ALU_PASS;
    op = ALU_ADD; a = 0; b = 0;
    #25 rst_n = 1;
    check_one(ALU_ADD, 8'd100, 8'd100);   // saturates high
    check_one(ALU_ADD, 8'h80, 8'hff);     // saturates low
    check_one(ALU_SUB, 8'h00, 8'h80);     // 0 - (-128) saturates
    check_one(ALU_SUB, 8'hff, 8'h80);     // -1 - (-128) = 127
    check_one(ALU_XOR, 8'h5a, 8'h5a);     // zero
    for (int i = 0; i < 3000; i++)
      check_one(all_ops[$urandom_range(0, 7)], $urandom, $urandom);
    // valid low holds the result
    @(negedge clk); op = ALU_PASS; a = 8'h33; valid = 0;
    @(posedge clk); #1;
    if (valid_o) begin errors++; $display("ERROR: valid_o high without valid_i"); end
    if (errors == 0) $display("[PASS] sat_alu: 3005 operations");
    else $display("[FAIL] sat_alu: %0d errors", errors);
    $finish;
  end
endmodule
