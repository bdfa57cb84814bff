`timescale 1ns/1ns
module tb_accu;
    reg clk, rst_n, valid_in;
    reg [7:0] data_in;
    wire valid_out;
    wire [9:0] data_out;
    reg [9:0] sum, expected;
    integer n, k, error, outputs;

    accu dut (.clk(clk), .rst_n(rst_n), .data_in(data_in), .valid_in(valid_in),
              .valid_out(valid_out), .data_out(data_out));

    initial begin clk = 0; forever #10 clk = ~clk; end

    initial begin
        error = 0; outputs = 0;
        rst_n = 0; valid_in = 0; data_in = 0;
        #30 rst_n = 1;
        for (n = 0; n < 100; n = n + 1) begin
            sum = 0;
            for (k = 0; k < 4; k = k + 1) begin
                if (n % 4 == 1 && k == 2) begin     // a bubble before the third input
                    @(negedge clk); valid_in = 0; data_in = $random;
                end
                @(negedge clk);
                if (valid_out) begin error = error + 1; $display("ERROR: valid_out too early"); end
                data_in = $random; valid_in = 1;
                sum = sum + data_in;
            end
            @(negedge clk);
            valid_in = 0;
            if (valid_out !== 1'b1 || data_out !== sum) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: group %0d valid_out=%b data_out=%0d expected %0d", n, valid_out, data_out, sum);
            end else outputs = outputs + 1;
        end
        if (error == 0) $display("===========Your Design Passed=========== (%0d sums)", outputs);
        else $display("===========Error=========== %0d FAILED", error);
        $finish;
    end
endmodule
