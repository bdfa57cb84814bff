`timescale 1ns/1ps
module tb_debouncer;
    reg clk = 0, rst = 1, btn_in = 0;
    wire btn_out, btn_pressed;
    integer i, errors = 0, presses = 0;

    debouncer dut (.clk(clk), .rst(rst), .btn_in(btn_in), .btn_out(btn_out), .btn_pressed(btn_pressed));

    always #10 clk = ~clk;
    always @(negedge clk) if (btn_pressed === 1'b1) presses = presses + 1;

    // bounce for a while, then settle at `level` for `hold` cycles
    task bounce_then(input level, input integer hold);
        integer k;
        begin
            for (k = 0; k < 12; k = k + 1) begin
                #(7 + ($random & 15)) btn_in = ~btn_in;   // short glitches, < 20 cycles apart
            end
            #3 btn_in = level;
            repeat (hold) @(negedge clk);
        end
    endtask

    initial begin
        repeat (3) @(negedge clk);
        rst = 0;
        // a short pulse must be ignored
        btn_in = 1; repeat (8) @(negedge clk); btn_in = 0; repeat (30) @(negedge clk);
        if (btn_out !== 1'b0 || presses != 0) begin errors = errors + 1; $display("ERROR: glitch of 8 cycles got through"); end
        for (i = 0; i < 6; i = i + 1) begin
            bounce_then(1'b1, 10);
            if (btn_out !== 1'b0) begin errors = errors + 1; $display("ERROR: output rose before the input was stable 20 cycles"); end
            repeat (20) @(negedge clk);
            if (btn_out !== 1'b1) begin errors = errors + 1; $display("ERROR: press %0d not seen", i); end
            bounce_then(1'b0, 40);
            if (btn_out !== 1'b0) begin errors = errors + 1; $display("ERROR: release %0d not seen", i); end
        end
        if (presses != 6) begin errors = errors + 1; $display("ERROR: %0d press pulses, expected 6", presses); end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
