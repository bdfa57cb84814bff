`timescale 1ns/1ps
module tb_freq_div;
    reg CLK_in, RST;
    wire CLK_50, CLK_10, CLK_1;
    integer n, error;

    freq_div dut (.CLK_in(CLK_in), .RST(RST), .CLK_50(CLK_50), .CLK_10(CLK_10), .CLK_1(CLK_1));

    initial CLK_in = 0;
    always #10 CLK_in = ~CLK_in;

    initial begin
        error = 0;
        RST = 1;
        #35 RST = 0;
        for (n = 1; n <= 450; n = n + 1) begin
            @(posedge CLK_in); #5;
            if (CLK_50 !== n % 2 || CLK_10 !== (n / 5) % 2 || CLK_1 !== (n / 50) % 2) begin
                error = error + 1;
                if (error <= 10)
                    $display("ERROR: after %0d edges CLK_50=%b CLK_10=%b CLK_1=%b", n, CLK_50, CLK_10, CLK_1);
            end
        end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Test completed with %0d FAILED===========", error);
        $finish;
    end
endmodule
