`timescale 1ns/1ps
module tb_ripple_adder4;
  reg  [3:0] a, b;
  reg        cin;
  wire [3:0] sum;
  wire       cout;
  integer i, errors;

  ripple_adder4 uut(a, b, cin, sum, cout);

  initial begin
    errors = 0;
    for (i = 0; i < 512; i = i + 1) begin
      {cin, a, b} = i;
      #10;
      if ({cout, sum} !== a + b + cin) begin
        $display("ERROR: %d + %d + %b = %d (expected %d)", a, b, cin, {cout, sum}, a + b + cin);
        errors = errors + 1;
      end
    end
    if (errors == 0) $display("TEST PASSED");
    else $display("TEST FAILED with %0d errors", errors);
    $finish;
  end
endmodule
