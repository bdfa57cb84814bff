`timescale 1ns/1ps
module tb_lfsr16;
    reg clk = 0, rst = 1, en = 0;
    reg [15:0] seed = 16'h0000;
    wire [15:0] q;
    wire out_bit;
    reg [15:0] model, start;
    integer i, errors = 0, period;

    lfsr16 dut (.clk(clk), .rst(rst), .en(en), .seed(seed), .q(q), .out_bit(out_bit));

    always #10 clk = ~clk;

    task step_model;
        model = {model[0] ^ model[2] ^ model[3] ^ model[5], model[15:1]};
    endtask

    initial begin
        // reset with seed 0 -> SEED
        @(negedge clk); @(negedge clk);
        if (q !== 16'hACE1) begin errors = errors + 1; $display("ERROR: reset value %h", q); end
        rst = 0; en = 1; model = 16'hACE1;
        for (i = 0; i < 300; i = i + 1) begin
            en = (i % 13) != 0;
            @(posedge clk); #1;
            if (en) step_model;
            if (q !== model || out_bit !== model[0]) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: step %0d q=%h expected %h", i, q, model);
            end
            @(negedge clk);
        end
        // full period from a user seed
        seed = 16'h0001; rst = 1; @(negedge clk); rst = 0; en = 1;
        start = q; period = 0;
        @(negedge clk); period = 1;
        while (q !== start && period < 70000) begin @(negedge clk); period = period + 1; end
        if (period != 65535) begin errors = errors + 1; $display("ERROR: period %0d, expected 65535", period); end
        if (errors == 0) $display("TEST PASSED (period %0d)", period);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
