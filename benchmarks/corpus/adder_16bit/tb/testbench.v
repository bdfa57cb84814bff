`timescale 1ns / 1ps
module testbench;
  reg [15:0] a, b;
  reg Cin;
  wire [15:0] y;
  wire Co;
  integer i, error;
  reg [16:0] expected;

  adder_16bit uut (a, b, Cin, y, Co);

  task check;
    begin
      #10;
      expected = a + b + Cin;
      if ({Co, y} !== expected) begin
        error = error + 1;
        $display("ERROR: a=%h b=%h Cin=%b got %h expected %h", a, b, Cin, {Co, y}, expected);
      end
    end
  endtask

  initial begin
    error = 0;
    a = 16'hFFFF; b = 16'h0000; Cin = 1'b1; check;
    a = 16'hFFFF; b = 16'hFFFF; Cin = 1'b1; check;
    a = 16'h00FF; b = 16'h0001; Cin = 1'b0; check;
    for (i = 0; i < 2000; i = i + 1) begin
      a = $random; b = $random; Cin = $random;
      check;
    end
    if (error == 0) $display("===========Your Design Passed===========");
    else $display("===========Error=========== %0d FAILED", error);
    $finish;
  end
endmodule
