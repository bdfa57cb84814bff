// Self-checking testbench for mac8: random operands against a reference model.
`timescale 1ns/1ps
module tb_mac8;
    reg clk = 1'b0, rst = 1'b1, clr = 1'b0, en = 1'b0;
    reg  [7:0] a = 8'd0, b = 8'd0;
    wire [19:0] acc;
    reg  [19:0] model = 20'd0;
    integer i, errors = 0;

    mac8 dut (.clk(clk), .rst(rst), .clr(clr), .en(en), .a(a), .b(b), .acc(acc));

    always #10 clk = ~clk;

    initial begin
        @(negedge clk); rst = 1'b0;
        for (i = 0; i < 400; i = i + 1) begin
            a = $random; b = $random;
            en = ($random % 4) != 0;
            clr = (i % 97) == 50;
            @(posedge clk);
            if (clr) model = 20'd0; else if (en) model = model + a * b;
            @(negedge clk);
            if (acc !== model) begin
                errors = errors + 1;
                $display("ERROR: step %0d acc=%0d expected %0d", i, acc, model);
            end
        end
        if (errors == 0) $display("TEST PASSED: 400 steps, 0 errors");
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
