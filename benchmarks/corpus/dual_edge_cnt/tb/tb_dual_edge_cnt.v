`timescale 1ns/1ps
module tb_dual_edge_cnt;
    reg clk = 0, rst_n = 0, en = 0;
    wire [8:0] count;
    wire en_q;

    dual_edge_cnt dut (.clk(clk), .rst_n(rst_n), .en(en), .count(count), .en_q(en_q));

    always #10 clk = ~clk;          // rising at 10, 30, ...; falling at 20, 40, ...

    integer errors = 0, n, model = 0, model_p = 0, model_n = 0;
    reg en_at_fall = 0;

    initial begin
        #25 rst_n = 1;                               // released between edges
        @(posedge clk); #5;
        for (n = 0; n < 400; n = n + 1) begin
            // change en a quarter period after the rising edge
            en = (n < 300) ? $random : 1'b1;
            // falling edge counts
            @(negedge clk);
            if (en) model_n = (model_n + 1) % 256;
            en_at_fall = en;
            #5;
            model = model_p + model_n;
            if (count !== model) begin
                errors = errors + 1;
                if (errors < 10) $display("ERROR: after fall n=%0d count=%0d expected %0d", n, count, model);
            end
            @(posedge clk);
            if (en) model_p = (model_p + 1) % 256;
            #1;
            model = model_p + model_n;
            if (count !== model) begin
                errors = errors + 1;
                if (errors < 10) $display("ERROR: after rise n=%0d count=%0d expected %0d", n, count, model);
            end
            if (en_q !== en_at_fall) begin
                errors = errors + 1;
                if (errors < 10) $display("ERROR: en_q=%b expected %b", en_q, en_at_fall);
            end
            #4;
        end
        // asynchronous reset between edges
        #3 rst_n = 0; #1;
        if (count !== 0 || en_q !== 0) begin errors = errors + 1; $display("ERROR: count=%0d en_q=%b in reset", count, en_q); end
        if (errors == 0) $display("TEST PASSED: %0d cycles", n);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
