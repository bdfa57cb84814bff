`timescale 1ns/1ps
module tb_blinky;
    reg clk = 0;
    wire led, tick;
    integer c, errors = 0;
    reg exp_led;

    blinky dut (.clk(clk), .led(led), .tick(tick));

    always #10 clk = ~clk;

    initial begin
        exp_led = 0;
        // cycle c: the counter holds c % 50 between edge c and edge c+1
        for (c = 0; c < 1000; c = c + 1) begin
            #5;   // away from the edges
            if (led !== exp_led || tick !== ((c % 50) == 49)) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: cycle %0d led=%b tick=%b expected %b %b", c, led, tick, exp_led, (c % 50) == 49);
            end
            @(posedge clk);
            if ((c % 50) == 49) exp_led = ~exp_led;
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
