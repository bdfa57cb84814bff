`timescale 1ns/1ps
module tb_counter_12;
    reg rst_n, clk, valid_count;
    wire [3:0] out;
    reg  [3:0] exp_out;
    integer i, error;

    counter_12 dut (rst_n, clk, valid_count, out);

    always #10 clk = ~clk;

    initial begin
        clk = 0; rst_n = 0; valid_count = 0; error = 0; exp_out = 0;
        #25 rst_n = 1;
        for (i = 0; i < 200; i = i + 1) begin
            @(negedge clk);
            valid_count = (i % 10) < 8;
            if (i == 120) rst_n = 0;     // asynchronous reset in the middle
            #2;
            if (!rst_n) exp_out = 0;
            if (out !== exp_out) begin
                error = error + 1;
                $display("ERROR: at %0t out=%0d expected %0d", $time, out, exp_out);
            end
            if (i == 120) begin #3 rst_n = 1; end
            @(posedge clk);
            if (rst_n && valid_count) exp_out = (exp_out == 11) ? 0 : exp_out + 1;
        end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Test completed with %0d FAILED===========", error);
        $finish;
    end
endmodule
