`timescale 1ns/1ps
module tb_up_down_counter;
    reg clk = 0, reset = 1, up_down = 1, load = 0;
    reg [15:0] din = 0;
    wire [15:0] count;
    reg [15:0] model = 0;
    integer i, errors = 0;

    up_down_counter uut (.clk(clk), .reset(reset), .up_down(up_down), .load(load),
                         .din(din), .count(count));

    always #10 clk = ~clk;

    always @(posedge clk) begin
        if (reset) model <= 0;
        else if (load) model <= din;
        else if (up_down) model <= model + 1;
        else model <= model - 1;
    end

    initial begin
        repeat (2) @(negedge clk);
        reset = 0;
        for (i = 0; i < 600; i = i + 1) begin
            @(negedge clk);
            if (count !== model) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: cycle %0d count=%h expected %h", i, count, model);
            end
            up_down = (i / 50) % 2 == 0;
            load = (i % 97) == 13;
            din = (i == 13) ? 16'hFFF0 : $random;
            reset = (i == 400);
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
