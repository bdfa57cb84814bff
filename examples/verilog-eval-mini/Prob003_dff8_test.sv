`timescale 1 ps/1 ps
module stimulus_gen (input clk, output reg [7:0] d);
  initial begin
    d <= 8'h0;
    repeat (200) @(negedge clk) d <= $random;
    #1 $finish;
  end
endmodule

module tb();
  reg clk = 0;
  initial forever #5 clk = ~clk;
  wire [7:0] d, q_ref, q_dut;
  integer mismatches = 0, samples = 0;
  stimulus_gen stim1 (.clk(clk), .d(d));
  RefModule good1 (.clk(clk), .d(d), .q(q_ref));
  TopModule top_module1 (.clk(clk), .d(d), .q(q_dut));
  always @(negedge clk) begin
    samples = samples + 1;
    if (samples > 1 && q_ref !== q_dut) mismatches = mismatches + 1;
  end
  final $display("Mismatches: %0d in %0d samples", mismatches, samples);
  initial begin
    #1000000 $display("TIMEOUT"); $finish;
  end
endmodule
