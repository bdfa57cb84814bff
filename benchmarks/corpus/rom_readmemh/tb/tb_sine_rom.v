`timescale 1ns/1ps
module tb_sine_rom;
    reg clk = 0, en = 0;
    reg [5:0] addr = 0;
    wire [7:0] data;
    integer i, errors = 0, expected;
    real pi;

    sine_rom dut (.clk(clk), .en(en), .addr(addr), .data(data));

    always #10 clk = ~clk;

    function integer sine_at(input integer k);
        real v;
        begin
            v = 127.5 + 127.5 * $sin(2.0 * 3.14159265358979 * k / 64.0);
            sine_at = (v > 255.0) ? 255 : $rtoi(v + 0.5);
        end
    endfunction

    initial begin
        for (i = 0; i < 200; i = i + 1) begin
            @(negedge clk);
            addr = (i < 64) ? i : $random;
            en = 1;
            @(negedge clk);
            expected = sine_at(addr);
            if (data !== expected[7:0]) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: rom[%0d] = %h, expected %h", addr, data, expected[7:0]);
            end
            // hold when disabled
            en = 0; addr = addr + 1;
            @(negedge clk);
            if (data !== expected[7:0]) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: data changed with en=0");
            end
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
