`timescale 1ns/1ps
module tb_universal_shift_reg;
    reg clk = 0, clr_n = 0, sr_in = 0, sl_in = 0;
    reg [1:0] mode = 0;
    reg [7:0] d = 0;
    wire [7:0] q;
    reg [7:0] model = 0;
    integer i, errors = 0;

    universal_shift_reg uut (clk, clr_n, mode, sr_in, sl_in, d, q);

    always #10 clk = ~clk;

    initial begin
        #25 clr_n = 1;
        for (i = 0; i < 1000; i = i + 1) begin
            @(negedge clk);
            if (q !== model) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: cycle %0d q=%b expected %b", i, q, model);
            end
            mode = $random; sr_in = $random; sl_in = $random; d = $random;
            if (i == 500) begin
                #3 clr_n = 0; #2 clr_n = 1; model = 0;   // async clear between edges
                if (q !== 8'd0) begin errors = errors + 1; $display("ERROR: async clear failed"); end
            end
            @(posedge clk);
            case (mode)
                2'b01: model = {sr_in, model[7:1]};
                2'b10: model = {model[6:0], sl_in};
                2'b11: model = d;
                default: model = model;
            endcase
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
