`timescale 1ns/1ps
module cpu_tb;
    reg CLK = 0, RST_N = 0;
    wire [7:0] OUT_PORT;
    wire OUT_VALID, HALTED;

    CPU_Top dut (.CLK(CLK), .RST_N(RST_N), .OUT_PORT(OUT_PORT), .OUT_VALID(OUT_VALID),
                 .HALTED(HALTED));

    always #12.5 CLK = ~CLK;

    reg [7:0] expected [0:12];
    integer n_out = 0, errors = 0, cycles = 0;

    initial begin
        expected[0] = 0;  expected[1] = 1;  expected[2] = 1;  expected[3] = 2;
        expected[4] = 3;  expected[5] = 5;  expected[6] = 8;  expected[7] = 13;
        expected[8] = 21; expected[9] = 34;
        expected[10] = 8'h6D;   // 0x5A ^ 55
        expected[11] = 8'h81;   // (0x6D << 1) - 89
        expected[12] = 8'h01;   // 0x81 & 55
    end

    always @(posedge CLK) begin
        #2;
        if (RST_N) cycles = cycles + 1;
        if (OUT_VALID) begin
            // hierarchical references, for the log only
            $display("t=%0t out=%0d (pc=%0d acc=%h)", $time, OUT_PORT, dut.pc, dut.acc);
            if (n_out > 12) begin
                errors = errors + 1; $display("ERROR: extra output %h", OUT_PORT);
            end else if (OUT_PORT !== expected[n_out]) begin
                errors = errors + 1;
                $display("ERROR: output %0d is %h, expected %h", n_out, OUT_PORT, expected[n_out]);
            end
            n_out = n_out + 1;
        end
    end

    initial begin
        #40 RST_N = 1;
        wait (HALTED === 1'b1);
        repeat (5) @(posedge CLK);
        #2;
        if (n_out != 13) begin errors = errors + 1; $display("ERROR: %0d outputs, expected 13", n_out); end
        if (errors == 0) $display("CPU TEST PASSED: %0d outputs, halted after %0d cycles", n_out, cycles);
        else $display("CPU TEST FAILED: %0d errors", errors);
        $finish;
    end

    initial begin
        #100000 $display("ERROR: timeout, the CPU never halted"); $finish;
    end
endmodule
