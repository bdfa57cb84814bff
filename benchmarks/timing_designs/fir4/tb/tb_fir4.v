// Self-checking testbench for fir4 (latency-insensitive: results are matched
// in order against a scoreboard whenever out_valid is high).
`timescale 1ns/1ps
module tb_fir4;
    localparam NCYC = 400;
    reg                clk = 1'b0, rst = 1'b1, in_valid = 1'b0;
    reg  signed [7:0]  x = 8'sd0;
    wire               out_valid;
    wire signed [17:0] y;
    reg  [17:0]        expq [0:63];
    integer            h0 = 0, h1 = 0, h2 = 0, h3 = 0, e;   // sample history (model)
    integer            head = 0, tail = 0, i, errors = 0, checked = 0;
    integer            seed = 32'hF1F4_0001;

    fir4 dut (.clk(clk), .rst(rst), .in_valid(in_valid), .x(x),
              .out_valid(out_valid), .y(y));

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
                        if (y !== expq[head % 64]) begin
                            fail("y mismatch");
                            if (errors <= 20) $display("       y=%0d expected %0d", y, $signed(expq[head % 64]));
                        end
                        head = head + 1;
                        checked = checked + 1;
                    end
                end else if (out_valid !== 1'b0) fail("out_valid is X/Z");
            end
            rst      = (i < 3) || (i == 200);
            in_valid = (i < NCYC - 20) && (($random(seed) & 3) != 0);
            x = $random(seed);
            // directed sequences: extreme samples matched to coefficient signs
            if (i >= 40 && i < 80) begin
                case (i % 4)
                    0: x = 8'sd127;
                    1: x = -8'sd128;
                    2: x = 8'sd127;
                    3: x = -8'sd128;
                endcase
                in_valid = 1'b1;
            end
            if (i >= 80 && i < 100) begin
                x = (i < 90) ? -8'sd128 : 8'sd127;
                in_valid = 1'b1;
            end
            if (i >= 100 && i < 110) x = (i == 100) ? 8'sd1 : 8'sd0;   // impulse response
            @(posedge clk);
            if (rst) begin
                head = 0; tail = 0; h0 = 0; h1 = 0; h2 = 0; h3 = 0;
            end else if (in_valid) begin
                h3 = h2; h2 = h1; h1 = h0; h0 = x;
                e = 29 * h0 - 75 * h1 + 103 * h2 - 58 * h3;
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
