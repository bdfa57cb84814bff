`timescale 1ns / 1ps
module testbench;
  reg [7:0] a;
  reg [7:0] b;
  reg cin;
  wire [7:0] sum;
  wire cout;
  integer i;
  integer error = 0;
  reg [8:0] expected;

  adder_8bit uut (.a(a), .b(b), .cin(cin), .sum(sum), .cout(cout));

  initial begin
    for (i = 0; i < 1000; i = i + 1) begin
      a = $random;
      b = $random;
      cin = $random;
      #10;
      expected = a + b + cin;
      if ({cout, sum} !== expected) begin
        error = error + 1;
        $display("ERROR: a=%h b=%h cin=%b got %h expected %h", a, b, cin, {cout, sum}, expected);
      end
    end
    if (error == 0) begin
      $display("===========Your Design Passed===========");
    end else begin
      $display("===========Test completed with %d /1000 FAILED===========", error);
    end
    $finish;
  end
endmodule
