// Self-checking testbench for max8x16 (latency-insensitive: results are matched
// in order against a scoreboard whenever out_valid is high).
`timescale 1ns/1ps
module tb_max8x16;
    localparam NCYC = 400;
    reg          clk = 1'b0, rst = 1'b1, in_valid = 1'b0;
    reg  [127:0] data = 128'd0;
    wire         out_valid;
    wire [15:0]  max_val;
    reg  [15:0]  expq [0:63];
    reg  [15:0]  e, lane;
    reg          is_max;
    integer      head = 0, tail = 0, i, j, k, errors = 0, checked = 0;
    integer      seed = 32'h3A88_0001;

    max8x16 dut (.clk(clk), .rst(rst), .in_valid(in_valid), .data(data),
                 .out_valid(out_valid), .max_val(max_val));

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
                        if (max_val !== expq[head % 64]) begin
                            fail("max mismatch");
                            if (errors <= 20) $display("       max_val=%h expected %h", max_val, expq[head % 64]);
                        end
                        head = head + 1;
                        checked = checked + 1;
                    end
                end else if (out_valid !== 1'b0) fail("out_valid is X/Z");
            end
            rst      = (i < 3) || (i == 200);
            in_valid = (i < NCYC - 20) && (($random(seed) & 3) != 0);
            for (k = 0; k < 4; k = k + 1)
                data[32*k +: 32] = $random(seed);
            case (i % 16)
                0: data = 128'd0;
                1: data = ~128'd0;
                2: for (k = 0; k < 8; k = k + 1) data[16*k +: 16] = k;        // ascending
                3: for (k = 0; k < 8; k = k + 1) data[16*k +: 16] = 16'hFFFF - k; // descending
                4: for (k = 0; k < 8; k = k + 1) data[16*k +: 16] = 16'h8000;  // all equal
                5: begin                                                       // max in one lane
                       for (k = 0; k < 8; k = k + 1) data[16*k +: 16] = $random(seed) & 16'h7FFF;
                       data[16*((i / 16) % 8) +: 16] = 16'h8000 | $random(seed);
                   end
                6: begin                                                       // near ties
                       for (k = 0; k < 8; k = k + 1) data[16*k +: 16] = 16'h7FFE;
                       data[16*((i / 16) % 8) +: 16] = 16'h7FFF;
                   end
                default: ;
            endcase
            @(posedge clk);
            if (rst) begin
                head = 0; tail = 0;
            end else if (in_valid) begin
                // reference: the lane that is >= every other lane
                e = 16'd0;
                for (j = 0; j < 8; j = j + 1) begin
                    lane   = data[16*j +: 16];
                    is_max = 1'b1;
                    for (k = 0; k < 8; k = k + 1)
                        if (data[16*k +: 16] > lane) is_max = 1'b0;
                    if (is_max) e = lane;
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
