`timescale 1 ps/1 ps
module tb();
  reg [3:0] in;
  wire [2:0] out_ref, out_dut;
  integer i, mismatches = 0, samples = 0;
  RefModule good1 (.in(in), .out(out_ref));
  TopModule top_module1 (.in(in), .out(out_dut));
  initial begin
    for (i = 0; i < 64; i = i + 1) begin
      in = i[3:0];
      #5;
      samples = samples + 1;
      if (out_ref !== out_dut) mismatches = mismatches + 1;
    end
    $display("Mismatches: %0d in %0d samples", mismatches, samples);
    $finish;
  end
endmodule
