`timescale 1ns/1ps
module tb_rr_arbiter;
    logic clk = 0, rst_n = 0;
    logic [3:0] req = '0;
    logic [3:0] grant;
    logic [3:0] expected;
    int ptr = 0, errors = 0;
    int wins [4];

    rr_arbiter dut (.clk, .rst_n, .req, .grant);

    always #10 clk = ~clk;

    initial begin
        foreach (wins[k]) wins[k] = 0;
        #25 rst_n = 1;
        for (int i = 0; i < 800; i++) begin
            @(negedge clk);
            req = (i < 100) ? 4'hF : $urandom;
            #2;
            expected = '0;
            for (int k = 0; k < 4; k++) begin
                int idx;
                idx = (ptr + k) % 4;
                if (expected == '0 && req[idx]) expected[idx] = 1'b1;
            end
            if (grant !== expected) begin
                errors++;
                if (errors <= 10) $display("ERROR: req=%b grant=%b expected %b (ptr %0d)", req, grant, expected, ptr);
            end
            @(posedge clk);
            for (int k = 0; k < 4; k++) if (expected[k]) begin ptr = (k + 1) % 4; wins[k]++; end
        end
        for (int k = 0; k < 4; k++)
            if (wins[k] < 100) begin errors++; $display("ERROR: requester %0d starved (%0d grants)", k, wins[k]); end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
