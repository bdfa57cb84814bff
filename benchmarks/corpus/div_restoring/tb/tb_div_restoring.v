`timescale 1ns/1ps
module tb_div_restoring;
    reg clk = 0, rst = 1, start = 0;
    reg [7:0] dividend = 0, divisor = 0;
    wire [7:0] quotient, remainder;
    wire busy, done;
    reg [7:0] eq, er;
    integer n, t, errors = 0;

    div_restoring dut (.clk(clk), .rst(rst), .start(start), .dividend(dividend),
                       .divisor(divisor), .quotient(quotient), .remainder(remainder),
                       .busy(busy), .done(done));

    always #10 clk = ~clk;

    initial begin
        #35 rst = 0;
        for (n = 0; n < 400; n = n + 1) begin
            @(negedge clk);
            dividend = $random; divisor = $random;
            if (n % 9 == 0) divisor = divisor[2:0];     // small divisors (and zero)
            if (n == 1) begin dividend = 8'd255; divisor = 8'd1; end
            if (n == 2) begin dividend = 8'd7; divisor = 8'd200; end
            if (divisor == 0) begin eq = 8'hFF; er = dividend; end
            else begin eq = dividend / divisor; er = dividend % divisor; end
            start = 1;
            @(negedge clk);
            start = 0;
            t = 0;
            while (!done && t < 20) begin @(negedge clk); t = t + 1; end
            if (!done) begin
                errors = errors + 1;
                $display("ERROR: no done for %0d / %0d", dividend, divisor);
            end else if (quotient !== eq || remainder !== er) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("ERROR: %0d / %0d = %0d r %0d, expected %0d r %0d",
                             dividend, divisor, quotient, remainder, eq, er);
            end
        end
        if (errors == 0) $display("TEST PASSED");
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
