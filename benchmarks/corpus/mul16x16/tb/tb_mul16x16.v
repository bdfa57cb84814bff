`timescale 1ns/1ps
module tb_mul16x16;
    reg  [15:0] a, b;
    wire [31:0] p;
    reg  [31:0] expected;
    integer i, errors;

    mul16x16 dut (.a(a), .b(b), .p(p));

    initial begin
        errors = 0;
        for (i = 0; i < 2000; i = i + 1) begin
            a = $random; b = $random;
            if (i == 0) begin a = 16'hFFFF; b = 16'hFFFF; end
            if (i == 1) begin a = 16'h0000; b = 16'h1234; end
            if (i == 2) begin a = 16'h8000; b = 16'h0002; end
            #20;
            expected = a * b;
            if (p !== expected) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: %0d * %0d = %0d, expected %0d", a, b, p, expected);
            end
        end
        if (errors == 0) $display("TEST PASSED");
        else             $display("TEST FAILED: %0d mismatches", errors);
        $finish;
    end
endmodule
