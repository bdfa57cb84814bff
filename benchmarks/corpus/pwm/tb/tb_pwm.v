`timescale 1ns/1ps
module tb_pwm;
    reg clk = 0, rst_n = 0;
    reg [7:0] duty = 0;
    wire pwm_out;
    integer p, c, highs, errors = 0;
    reg [7:0] duties [0:5];

    pwm dut (.clk(clk), .rst_n(rst_n), .duty(duty), .pwm_out(pwm_out));

    always #10 clk = ~clk;

    initial begin
        duties[0] = 8'd64; duties[1] = 8'd0; duties[2] = 8'd255;
        duties[3] = 8'd128; duties[4] = 8'd1; duties[5] = 8'd200;
        #30 rst_n = 1;
        // first period uses duty_reg = 0 from reset
        for (p = 0; p < 7; p = p + 1) begin
            highs = 0;
            for (c = 0; c < 256; c = c + 1) begin
                @(negedge clk);
                if (c == 10 && p < 6) duty = duties[p];   // takes effect next period
                if (pwm_out === 1'b1) highs = highs + 1;
                else if (pwm_out !== 1'b0) begin errors = errors + 1; $display("ERROR: pwm_out is %b", pwm_out); end
            end
            if (p > 0 && highs != duties[p - 1]) begin
                errors = errors + 1;
                $display("ERROR: period %0d: %0d high cycles, expected %0d", p, highs, duties[p - 1]);
            end
            if (p == 0 && highs != 0) begin errors = errors + 1; $display("ERROR: first period not low"); end
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
