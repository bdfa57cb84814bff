`timescale 1 ps/1 ps
`define OK 12
`define INCORRECT 13

module stimulus_gen (
  input clk,
  output reg a, b
);
  initial begin
    {a, b} <= 2'b00;
    repeat (200) @(posedge clk, negedge clk) {a, b} <= $random;
    #1 $finish;
  end
endmodule

module tb();
  reg clk = 0;
  initial forever #5 clk = ~clk;
  wire a, b;
  wire out_ref, out_dut;
  integer mismatches = 0, samples = 0;

  stimulus_gen stim1 (.clk(clk), .a(a), .b(b));
  RefModule good1 (.a(a), .b(b), .out(out_ref));
  TopModule top_module1 (.a(a), .b(b), .out(out_dut));

  always @(posedge clk, negedge clk) begin
    samples = samples + 1;
    if (out_ref !== out_dut) mismatches = mismatches + 1;
  end

  final begin
    $display("Hint: Output 'out' has %0d mismatches.", mismatches);
    $display("Mismatches: %0d in %0d samples", mismatches, samples);
  end
  initial begin
    #1000000 $display("TIMEOUT"); $finish;
  end
endmodule
