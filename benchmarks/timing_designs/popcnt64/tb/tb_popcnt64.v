// Self-checking testbench for popcnt64 (latency-insensitive: results are matched
// in order against a scoreboard whenever out_valid is high).
`timescale 1ns/1ps
module tb_popcnt64;
    localparam NCYC = 400;
    reg         clk = 1'b0, rst = 1'b1, in_valid = 1'b0;
    reg  [63:0] x = 64'd0, t;
    wire        out_valid;
    wire [6:0]  count;
    reg  [6:0]  expq [0:63];
    integer     e, head = 0, tail = 0, i, k, errors = 0, checked = 0;
    integer     seed = 32'h9C64_0001;

    popcnt64 dut (.clk(clk), .rst(rst), .in_valid(in_valid), .x(x),
                  .out_valid(out_valid), .count(count));

    always #5 clk = ~clk;

    task fail(input [8*64-1:0] what);
        begin
            errors = errors + 1;
            if (errors <= 20) $display("ERROR: cycle %0d: %0s", i, what);
        end
    endtask

    initial begin
        for (i = 0; i < NCYC; i = i + 1) begin
            @(negedge clk);
            if (i > 0) begin    // outputs are defined after the first reset edge
                if (out_valid === 1'b1) begin
                    if (head == tail) fail("out_valid high with no pending result");
                    else begin
                        if (count !== expq[head % 64]) begin
                            fail("count mismatch");
                            if (errors <= 20) $display("       count=%0d expected %0d", count, expq[head % 64]);
                        end
                        head = head + 1;
                        checked = checked + 1;
                    end
                end else if (out_valid !== 1'b0) fail("out_valid is X/Z");
            end
            rst      = (i < 3) || (i == 200);
            in_valid = (i < NCYC - 20) && (($random(seed) & 3) != 0);
            x = {$random(seed), $random(seed)};
            case (i % 12)
                0: x = 64'd0;
                1: x = ~64'd0;
                2: x = 64'd1 << ((i / 12) % 64);                    // single bit
                3: x = ~(64'd1 << ((i / 12) % 64));                 // all but one bit
                4: x = 64'hAAAA_AAAA_AAAA_AAAA;
                5: x = 64'hFFFF_FFFF_0000_0000;
                6: x = x & {$random(seed), $random(seed)} & {$random(seed), $random(seed)}; // sparse
                7: x = x | {$random(seed), $random(seed)} | {$random(seed), $random(seed)}; // dense
                default: ;
            endcase
            @(posedge clk);
            if (rst) begin
                head = 0; tail = 0;
            end else if (in_valid) begin
                // reference: clear the lowest set bit until nothing is left
                t = x; e = 0;
                while (t != 64'd0) begin
                    t = t & (t - 64'd1);
                    e = e + 1;
                end
                expq[tail % 64] = e;
                tail = tail + 1;
            end
        end
        if (head != tail) begin
            errors = errors + 1;
            $display("ERROR: %0d results never appeared on out_valid", tail - head);
        end
        if (checked < 100) begin
            errors = errors + 1;
            $display("ERROR: only %0d results checked", checked);
        end
        if (errors == 0) $display("TEST PASSED: %0d results checked, 0 errors", checked);
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
