`timescale 1ns/1ps
module tb_popcount16;
    reg  [15:0] data;
    wire [4:0]  count;
    reg  [23:0] vectors [0:255];
    integer i, errors = 0, n = 0;

    popcount16 dut (.data(data), .count(count));

    initial begin
        for (i = 0; i < 256; i = i + 1) vectors[i] = 24'hxxxxxx;
        $readmemh("tb/vectors.hex", vectors);
        for (i = 0; i < 256; i = i + 1) begin
            if (^vectors[i] === 1'bx) begin
                errors = errors + 1;
                $display("ERROR: vector %0d missing (tb/vectors.hex not read?)", i);
                i = 256;
            end else begin
                data = vectors[i][23:8];
                #10;
                n = n + 1;
                if (count !== vectors[i][4:0]) begin
                    errors = errors + 1;
                    if (errors <= 10) $display("ERROR: popcount(%h) = %0d, expected %0d", data, count, vectors[i][7:0]);
                end
            end
        end
        if (errors == 0) $display("TEST PASSED (%0d vectors from tb/vectors.hex)", n);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
