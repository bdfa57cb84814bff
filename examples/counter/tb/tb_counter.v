// Self-checking testbench for counter: compares against a reference model every cycle.
`timescale 1ns/1ps
module tb_counter;
    reg clk = 1'b0;
    reg rst = 1'b1;
    reg en  = 1'b0;
    wire [7:0] count;
    wire wrap;
    reg  [7:0] model;
    integer errors = 0;
    integer cycle;

    counter dut (.clk(clk), .rst(rst), .en(en), .count(count), .wrap(wrap));

    always #5 clk = ~clk;

    initial begin
        $dumpfile("tb_counter.vcd");
        $dumpvars(0, tb_counter);
        model = 8'd0;
        @(negedge clk); rst = 1'b0;
        for (cycle = 0; cycle < 600; cycle = cycle + 1) begin
            en = (cycle % 7) != 3;           // hold now and then
            if (cycle == 400) rst = 1'b1;    // reset in the middle
            if (cycle == 401) rst = 1'b0;
            #1;
            if (wrap !== (en && model == 8'hff)) begin
                errors = errors + 1;
                $display("ERROR: cycle %0d wrap=%b expected %b", cycle, wrap, en && model == 8'hff);
            end
            @(posedge clk);
            if (rst) model = 8'd0; else if (en) model = model + 8'd1;
            @(negedge clk);
            if (count !== model) begin
                errors = errors + 1;
                $display("ERROR: cycle %0d count=%0d expected %0d", cycle, count, model);
            end
        end
        if (errors == 0) $display("TEST PASSED: 600 cycles, 0 errors");
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
