`timescale 1ns/1ps
module tb_clk_div_odd;
    reg clk = 0, rst_n = 0;
    wire clk_div;
    realtime t_rise, t_fall, t_prev_rise;
    real high_ns, period_ns;
    integer rises = 0, errors = 0;

    clk_div_odd #(5) dut (clk, rst_n, clk_div);

    always #10 clk = ~clk;

    always @(posedge clk_div) begin
        if (rst_n) begin
            t_prev_rise = t_rise;
            t_rise = $realtime;
            rises = rises + 1;
            if (rises > 2) begin
                period_ns = t_rise - t_prev_rise;
                if (period_ns < 98.0 || period_ns > 102.0) begin
                    errors = errors + 1;
                    $display("ERROR: period %0.2f ns, expected 100", period_ns);
                end
            end
        end
    end

    always @(negedge clk_div) begin
        if (rst_n && rises > 1) begin
            t_fall = $realtime;
            high_ns = t_fall - t_rise;
            if (high_ns < 48.0 || high_ns > 52.0) begin
                errors = errors + 1;
                $display("ERROR: high time %0.2f ns, expected 50 (50%% duty)", high_ns);
            end
        end
    end

    initial begin
        #55 rst_n = 1;
        #3000;
        if (rises < 25) begin
            errors = errors + 1;
            $display("ERROR: only %0d output periods in 3 us", rises);
        end
        if (errors == 0) $display("TEST PASSED: %0d periods of 100 ns, 50%% duty", rises);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
