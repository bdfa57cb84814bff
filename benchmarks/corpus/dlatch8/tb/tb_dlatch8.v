`timescale 1ns/1ps
module tb_dlatch8;
    reg en = 0, rst_n = 1;
    reg [7:0] d = 0;
    wire [7:0] q, q_n;
    reg [7:0] held;
    integer i, errors = 0;

    dlatch8 dut (.en(en), .rst_n(rst_n), .d(d), .q(q), .q_n(q_n));

    task expect_q(input [7:0] v, input [80*8:1] what);
        begin
            #2;
            if (q !== v || q_n !== ~v) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: %0s: q=%h q_n=%h expected %h", what, q, q_n, v);
            end
        end
    endtask

    initial begin
        #1 rst_n = 0;
        #5 expect_q(8'h00, "cleared");
        rst_n = 1; #5;
        for (i = 0; i < 200; i = i + 1) begin
            en = 1; d = $random;     #5 expect_q(d, "transparent");
            d = $random;             #5 expect_q(d, "transparent, d changed");
            held = d;
            en = 0;                  #5;
            d = $random;             #5 expect_q(held, "opaque, d changed");
            d = ~d;                  #5 expect_q(held, "opaque, d changed again");
            if (i % 50 == 49) begin
                rst_n = 0;           #5 expect_q(8'h00, "clear while opaque");
                rst_n = 1;           #5 expect_q(8'h00, "clear released");
            end
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
