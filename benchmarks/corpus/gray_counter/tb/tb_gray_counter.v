`timescale 1ns/1ps
module tb_gray_counter;
    reg clk = 0, rst_n = 0, en = 0;
    wire [7:0] gray;
    reg  [7:0] prev, bin;
    integer i, errors = 0, ones, k;

    gray_counter #(.N(8)) dut (.clk(clk), .rst_n(rst_n), .en(en), .gray(gray));

    always #10 clk = ~clk;

    function [7:0] gray2bin(input [7:0] g);
        integer j;
        begin
            gray2bin[7] = g[7];
            for (j = 6; j >= 0; j = j - 1) gray2bin[j] = gray2bin[j+1] ^ g[j];
        end
    endfunction

    initial begin
        #30 rst_n = 1;
        @(negedge clk);
        if (gray !== 8'd0) begin errors = errors + 1; $display("ERROR: not reset"); end
        prev = gray; bin = 0;
        for (i = 0; i < 600; i = i + 1) begin
            en = (i % 11) != 5;
            @(negedge clk);
            if (en) bin = bin + 1;
            ones = 0;
            for (k = 0; k < 8; k = k + 1) ones = ones + (gray[k] ^ prev[k]);
            if (gray2bin(gray) !== bin || ones > 1 || (en && ones != 1)) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: step %0d gray=%b bin expected %0d", i, gray, bin);
            end
            prev = gray;
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
