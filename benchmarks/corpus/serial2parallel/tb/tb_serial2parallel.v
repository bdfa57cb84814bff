`timescale 1ns/1ps
module tb_serial2parallel;
    reg clk, rst_n, din_serial, din_valid;
    wire [7:0] dout_parallel;
    wire dout_valid;
    reg [7:0] byte_in, got;
    integer n, b, error, bytes_seen;

    serial2parallel uut (.clk(clk), .rst_n(rst_n), .din_serial(din_serial), .din_valid(din_valid),
                         .dout_parallel(dout_parallel), .dout_valid(dout_valid));

    initial begin clk = 0; forever #10 clk = ~clk; end

    initial begin
        error = 0; bytes_seen = 0;
        rst_n = 0; din_serial = 0; din_valid = 0;
        #30 rst_n = 1;
        for (n = 0; n < 60; n = n + 1) begin
            byte_in = $random;
            for (b = 7; b >= 0; b = b - 1) begin
                @(negedge clk);
                if (dout_valid) begin error = error + 1; $display("ERROR: early dout_valid"); end
                din_serial = byte_in[b];
                din_valid = 1;
                if (n % 3 == 2 && b == 4) begin          // a gap in the middle of a byte
                    din_valid = 0;
                    @(negedge clk);
                    din_valid = 1;
                end
            end
            @(negedge clk);
            din_valid = 0;
            if (dout_valid !== 1'b1 || dout_parallel !== byte_in) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: byte %0d: dout_valid=%b dout=%h expected %h", n, dout_valid, dout_parallel, byte_in);
            end else bytes_seen = bytes_seen + 1;
            @(negedge clk);
            if (dout_valid !== 1'b0) begin error = error + 1; $display("ERROR: dout_valid longer than one cycle"); end
        end
        if (error == 0) $display("===========Your Design Passed=========== (%0d bytes)", bytes_seen);
        else $display("===========Error=========== %0d FAILED", error);
        $finish;
    end
endmodule
