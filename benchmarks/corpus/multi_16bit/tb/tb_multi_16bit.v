`timescale 1ns/1ps
module tb_multi_16bit;
    reg clk = 0, rst_n = 0, start = 0;
    reg [15:0] ain = 0, bin = 0;
    wire [31:0] yout;
    wire done;
    integer n, cycles, error = 0;
    reg [31:0] expected;

    multi_16bit uut (.clk(clk), .rst_n(rst_n), .start(start), .ain(ain), .bin(bin),
                     .yout(yout), .done(done));

    always #10 clk = ~clk;

    initial begin
        repeat (3) @(negedge clk);
        rst_n = 1;
        for (n = 0; n < 120; n = n + 1) begin
            @(negedge clk);
            ain = $random; bin = $random;
            if (n == 0) begin ain = 16'hFFFF; bin = 16'hFFFF; end
            if (n == 1) begin ain = 16'd0; bin = 16'd7; end
            expected = ain * bin;
            start = 1;
            @(negedge clk);
            start = 0;
            ain = $random; bin = $random;   // inputs may change while busy
            cycles = 0;
            while (done !== 1'b1 && cycles < 40) begin
                @(negedge clk);
                cycles = cycles + 1;
            end
            if (done !== 1'b1) begin
                error = error + 1;
                $display("ERROR: done never came for operands #%0d", n);
            end else if (yout !== expected) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: yout=%0d expected %0d", yout, expected);
            end
            @(negedge clk);
            if (done !== 1'b0 || yout !== expected) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: done must be one cycle and yout must hold");
            end
        end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Test completed with %0d FAILED===========", error);
        $finish;
    end
endmodule
