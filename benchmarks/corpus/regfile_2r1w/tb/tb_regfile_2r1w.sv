`timescale 1ns/1ps
module tb_regfile_2r1w;
  logic clk = 0, rst = 1, we = 0;
  logic [2:0] waddr = 0, raddr_a = 0, raddr_b = 0;
  logic [15:0] wdata = 0, rdata_a, rdata_b;
  logic [15:0] model [0:7];
  int errors = 0;

  regfile_2r1w #(.NREG(8), .WIDTH(16)) dut (.*);

  always #10 clk = ~clk;

  task automatic check_reads;
    if (rdata_a !== model[raddr_a] || rdata_b !== model[raddr_b]) begin
      errors++;
      if (errors < 10)
        $display("ERROR: r%0d=%h (exp %h) r%0d=%h (exp %h)", raddr_a, rdata_a, model[raddr_a],
                 raddr_b, rdata_b, model[raddr_b]);
    end
  endtask

  initial begin
    for (int i = 0; i < 8; i++) model[i] = 16'h0;
    @(negedge clk); @(negedge clk);
    rst = 0;
    for (int n = 0; n < 2000; n++) begin
      @(negedge clk);
      we = $urandom_range(0, 3) != 0;
      waddr = $urandom; wdata = $urandom;
      raddr_a = $urandom; raddr_b = (n % 7 == 0) ? waddr : $urandom;
      #1 check_reads();                      // before the edge: old value
      @(posedge clk);
      if (we && waddr != 0) model[waddr] = wdata;
      #1 check_reads();                      // after the edge: new value
      if (n % 500 == 0) $display("n=%0d r1=%h r7=%h", n, dut.regs[16 +: 16], dut.regs[7*16 +: 16]);
    end
    // reset clears everything
    @(negedge clk); rst = 1; @(posedge clk); #1 rst = 0;
    for (int i = 0; i < 8; i++) model[i] = 16'h0;
    raddr_a = 3; raddr_b = 7; #1 check_reads();
    if (errors == 0) $display("TEST PASSED: 2000 cycles, two read ports");
    else $display("TEST FAILED: %0d errors", errors);
    $finish;
  end
endmodule
