`timescale 1ns/1ps
module tb_seq_detect_moore;
    reg clk = 0, reset = 1, din = 0;
    wire detected;
    reg [3:0] hist = 0;
    reg expect_det;
    integer i, errors = 0, seen = 0;

    seq_detect_moore dut (clk, reset, din, detected);

    always #10 clk = ~clk;

    initial begin
        repeat (2) @(negedge clk);
        reset = 0;
        expect_det = 0;
        for (i = 0; i < 800; i = i + 1) begin
            // outputs of the last edge are checked first, then a new bit is driven
            if (detected !== expect_det) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: bit %0d detected=%b expected %b (hist %b)", i, detected, expect_det, hist);
            end
            if (detected === 1'b1) seen = seen + 1;
            din = (i < 12) ? ((12'b110110101101 >> i) & 1) : $random;
            @(posedge clk);
            hist = {hist[2:0], din};
            expect_det = (hist == 4'b1011) && i >= 3;
            @(negedge clk);
        end
        if (seen == 0) begin errors = errors + 1; $display("ERROR: never detected"); end
        if (errors == 0) $display("TEST PASSED (%0d detections)", seen);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
