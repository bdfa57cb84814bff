`timescale 1ns/1ps
module tb_mov_avg4;
    reg clk = 0, rst_n = 0, in_valid = 0;
    reg [9:0] x = 0;
    wire out_valid;
    wire [9:0] y;

    mov_avg4 dut (.clk(clk), .rst_n(rst_n), .in_valid(in_valid), .x(x),
                  .out_valid(out_valid), .y(y));

    always #10 clk = ~clk;

    integer seed, n_samples, i, errors = 0, checked = 0;
    reg [9:0] h0, h1, h2, h3;
    reg [11:0] s;
    reg [9:0] exp_y;
    reg exp_valid;

    initial begin
        if (!$value$plusargs("SEED=%d", seed)) seed = 42;
        if (!$value$plusargs("N=%d", n_samples)) n_samples = 1000;
        $display("mov_avg4 test: SEED=%0d N=%0d", seed, n_samples);
        $dumpfile("mov_avg4.vcd");
        $dumpvars(0, tb_mov_avg4);
        h0 = 0; h1 = 0; h2 = 0; h3 = 0; exp_valid = 0; exp_y = 0;
        #25 rst_n = 1;
        for (i = 0; i < n_samples; i = i + 1) begin
            @(negedge clk);
            in_valid = ($random(seed) % 4) != 0;
            x = $random(seed);
            @(posedge clk);
            exp_valid = in_valid;
            if (in_valid) begin
                s = x + h0 + h1 + h2;
                exp_y = s[11:2];
                h2 = h1; h1 = h0; h0 = x;
            end
            #1;
            if (out_valid !== exp_valid || (exp_valid && y !== exp_y)) begin
                errors = errors + 1;
                if (errors < 10) $display("ERROR: sample %0d y=%0d valid=%b expected %0d valid=%b",
                                          i, y, out_valid, exp_y, exp_valid);
            end
            if (exp_valid) checked = checked + 1;
        end
        if (errors == 0) $display("PASSED: %0d outputs checked", checked);
        else $display("FAILED: %0d errors", errors);
        $finish;
    end
endmodule
