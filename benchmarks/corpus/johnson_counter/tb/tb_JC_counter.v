`timescale 1ns/1ps
module tb_JC_counter;
    reg clk, rst_n;
    wire [15:0] Q;
    reg [15:0] expected;
    integer i, error;

    JC_counter uut (.clk(clk), .rst_n(rst_n), .Q(Q));

    initial begin
        clk = 0;
        forever #10 clk = ~clk;
    end

    initial begin
        error = 0;
        rst_n = 0;
        expected = 0;
        #45 rst_n = 1;
        for (i = 0; i < 100; i = i + 1) begin
            @(posedge clk);
            expected = {expected[14:0], ~expected[15]};
            @(negedge clk);
            if (Q !== expected) begin
                error = error + 1;
                $display("ERROR: step %0d Q=%b expected %b", i, Q, expected);
            end
        end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Error=========== %0d FAILED", error);
        $finish;
    end
endmodule
