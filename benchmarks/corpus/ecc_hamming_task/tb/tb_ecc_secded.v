`timescale 1ns/1ps
module tb_ecc_secded;
    reg clk = 0, rst_n = 0;
    reg [7:0] data_in = 0;
    reg [12:0] code_in = 0;
    wire [12:0] code_out;
    wire [7:0] data_out;
    wire single_err, double_err;

    ecc_secded dut (.clk(clk), .rst_n(rst_n), .data_in(data_in), .code_out(code_out),
                    .code_in(code_in), .data_out(data_out), .single_err(single_err),
                    .double_err(double_err));

    always #10 clk = ~clk;

    integer errors = 0, n, flips, b1, b2;
    reg [7:0] d;
    reg [12:0] good;

    initial begin
        #25 rst_n = 1;
        for (n = 0; n < 3000; n = n + 1) begin
            // 1) encode
            @(negedge clk);
            d = $random;
            data_in = d;
            @(posedge clk); #1;
            good = code_out;
            // 2) decode with 0, 1 or 2 flipped bits
            flips = n % 3;
            b1 = {$random} % 13;
            b2 = (b1 + 1 + {$random} % 12) % 13;
            @(negedge clk);
            code_in = good;
            if (flips >= 1) code_in[b1] = ~code_in[b1];
            if (flips == 2) code_in[b2] = ~code_in[b2];
            @(posedge clk); #1;
            if (flips < 2 && data_out !== d) begin
                errors = errors + 1;
                if (errors < 10) $display("ERROR: %0d flips (bit %0d): data %h expected %h", flips, b1, data_out, d);
            end
            if (single_err !== (flips == 1) || double_err !== (flips == 2)) begin
                errors = errors + 1;
                if (errors < 10) $display("ERROR: %0d flips: single_err=%b double_err=%b", flips, single_err, double_err);
            end
        end
        if (errors == 0) $display("ECC TEST PASSED: 3000 words");
        else $display("ECC TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
