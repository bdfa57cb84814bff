`timescale 1 ps/1 ps
`define OK 12
`define INCORRECT 13

module stimulus_gen (
  input clk,
  output reg sel, output reg [7:0] a, b
);
  initial begin
    {sel, a, b} <= 17'd0;
    repeat (200) @(posedge clk, negedge clk) {sel, a, b} <= {$random, $random};
    #1 $finish;
  end
endmodule

module tb();
  reg clk = 0;
  initial forever #5 clk = ~clk;
  wire sel; wire [7:0] a, b;
  wire [7:0] out_ref, out_dut;
  integer mismatches = 0, samples = 0;

  stimulus_gen stim1 (.clk(clk), .sel(sel), .a(a), .b(b));
  RefModule good1 (.sel(sel), .a(a), .b(b), .out(out_ref));
  TopModule top_module1 (.sel(sel), .a(a), .b(b), .out(out_dut));

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
