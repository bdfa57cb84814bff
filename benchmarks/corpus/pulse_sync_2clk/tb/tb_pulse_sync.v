`timescale 1ns/1ps
module tb_pulse_sync;
    reg clk_a = 0, clk_b = 0, rst_a_n = 0, rst_b_n = 0, pulse_a = 0;
    wire pulse_b;
    wire [7:0] count_b;
    integer sent = 0, received = 0, errors = 0, i, width;

    pulse_sync dut (.clk_a(clk_a), .rst_a_n(rst_a_n), .pulse_a(pulse_a),
                    .clk_b(clk_b), .rst_b_n(rst_b_n), .pulse_b(pulse_b), .count_b(count_b));

    always #10 clk_a = ~clk_a;     // 50 MHz
    always #17 clk_b = ~clk_b;     // ~29 MHz, unrelated

    // pulse_b must be exactly one clk_b cycle wide
    always @(negedge clk_b) begin
        if (pulse_b === 1'b1) begin
            received = received + 1;
            width = width + 1;
            if (width > 1) begin errors = errors + 1; $display("ERROR: pulse_b wider than one cycle"); end
        end else width = 0;
    end

    initial begin
        width = 0;
        #50 rst_a_n = 1; rst_b_n = 1;
        for (i = 0; i < 100; i = i + 1) begin
            @(negedge clk_a) pulse_a = 1;
            @(negedge clk_a) pulse_a = 0;
            sent = sent + 1;
            repeat (6 + ($random & 7)) @(negedge clk_a);   // >= 3 clk_b periods apart
        end
        repeat (10) @(negedge clk_b);
        if (received != sent || count_b !== sent[7:0]) begin
            errors = errors + 1;
            $display("ERROR: sent %0d pulses, saw %0d (count_b=%0d)", sent, received, count_b);
        end
        if (errors == 0) $display("TEST PASSED (%0d pulses crossed)", received);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
