`timescale 1ns/1ps
module tb_priority_encoder;
    reg  [7:0] in;
    wire [2:0] pos;
    wire valid;
    integer i, k, errors = 0;
    reg [2:0] expected;

    priority_encoder dut (in, pos, valid);

    initial begin
        for (i = 0; i < 256; i = i + 1) begin
            in = i;
            #5;
            expected = 0;
            for (k = 0; k < 8; k = k + 1) if (in[k]) expected = k;
            if (pos !== expected || valid !== (in != 0)) begin
                errors = errors + 1;
                $display("ERROR: in=%b pos=%0d valid=%b expected %0d %b", in, pos, valid, expected, in != 0);
            end
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
