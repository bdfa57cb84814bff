`timescale 1ns/1ps
module tb_signed_mac;
    reg clk = 0, reset = 1, clear = 0, en = 0;
    reg signed [7:0] a = 0, b = 0;
    wire signed [19:0] acc;
    wire signed [15:0] scaled;
    wire neg;
    reg signed [19:0] model;
    reg signed [19:0] tmp;
    integer i, errors = 0;

    signed_mac dut (.clk(clk), .reset(reset), .clear(clear), .en(en), .a(a), .b(b),
                    .acc(acc), .scaled(scaled), .neg(neg));

    always #10 clk = ~clk;

    initial begin
        model = 0;
        @(negedge clk); @(negedge clk);
        reset = 0;
        for (i = 0; i < 500; i = i + 1) begin
            @(negedge clk);
            a = $random; b = $random;
            en = ($random % 4) != 0;
            clear = (i % 37) == 0;
            if (i == 100) begin a = -128; b = -128; end
            if (i == 101) begin a = -128; b = 127; end
            @(posedge clk); #1;
            if (en) model = clear ? a * b : model + a * b;
            tmp = model >>> 4;
            if (acc !== model || scaled !== tmp[15:0] || neg !== (model < 0)) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("ERROR: i=%0d acc=%0d scaled=%0d neg=%b, expected %0d %0d %b",
                             i, acc, scaled, neg, model, tmp[15:0], model < 0);
            end
        end
        if (errors == 0) $display("TEST PASSED");
        else             $display("TEST FAILED (%0d errors)", errors);
        $finish;
    end
endmodule
