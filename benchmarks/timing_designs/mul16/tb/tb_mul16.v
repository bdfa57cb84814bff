// Self-checking testbench for mul16 (latency-insensitive: results are matched
// in order against a scoreboard whenever out_valid is high).
`timescale 1ns/1ps
module tb_mul16;
    localparam NCYC = 400;
    reg         clk = 1'b0, rst = 1'b1, in_valid = 1'b0;
    reg  [15:0] a = 16'd0, b = 16'd0;
    wire        out_valid;
    wire [31:0] p;
    reg  [31:0] expq [0:63];
    integer     head = 0, tail = 0, i, errors = 0, checked = 0;
    integer     seed = 32'h1600_0001;

    mul16 dut (.clk(clk), .rst(rst), .in_valid(in_valid), .a(a), .b(b),
               .out_valid(out_valid), .p(p));

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
            // check (outputs are defined after the first reset edge)
            if (i > 0) begin
                if (out_valid === 1'b1) begin
                    if (head == tail) fail("out_valid high with no pending result");
                    else begin
                        if (p !== expq[head % 64]) begin
                            fail("product mismatch");
                            if (errors <= 20) $display("       p=%h expected %h", p, expq[head % 64]);
                        end
                        head = head + 1;
                        checked = checked + 1;
                    end
                end else if (out_valid !== 1'b0) fail("out_valid is X/Z");
            end
            // next stimulus (driven on the negedge)
            rst      = (i < 3) || (i == 200);
            in_valid = (i < NCYC - 20) && (($random(seed) & 3) != 0);
            a = $random(seed);
            b = $random(seed);
            case (i % 12)
                0: begin a = 16'hFFFF; b = 16'hFFFF; end
                1: begin a = 16'h0000; end
                2: begin b = 16'h0000; end
                3: begin a = 16'h0001; end
                4: begin a = 16'h8000; b = 16'h8000; end
                5: begin a = 16'hFFFF; b = 16'h0001; end
                6: begin a = 16'hAAAA; b = 16'h5555; end
                default: ;
            endcase
            // reference model: sample what the DUT samples at this posedge
            @(posedge clk);
            if (rst) begin
                head = 0; tail = 0;
            end else if (in_valid) begin
                expq[tail % 64] = a * b;
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
