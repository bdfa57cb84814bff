`timescale 1ns/1ps
module tb_width_8to16;
    reg clk = 0, rst_n = 0, valid_in = 0;
    reg [7:0] data_in = 0;
    wire valid_out;
    wire [15:0] data_out;
    reg [7:0] first;
    reg have_first = 0;
    reg exp_valid = 0;
    reg [15:0] exp_data = 0;
    integer i, error = 0, words = 0;

    width_8to16 uut (.clk(clk), .rst_n(rst_n), .valid_in(valid_in), .data_in(data_in),
                     .valid_out(valid_out), .data_out(data_out));

    always #10 clk = ~clk;

    initial begin
        #30 rst_n = 1;
        for (i = 0; i < 1000; i = i + 1) begin
            @(negedge clk);
            if (valid_out !== exp_valid || (exp_valid && data_out !== exp_data)) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: cycle %0d valid_out=%b data_out=%h expected %b %h", i, valid_out, data_out, exp_valid, exp_data);
            end
            words = words + exp_valid;
            valid_in = ($random % 3) != 0;
            data_in = $random;
            @(posedge clk);
            exp_valid = 0;
            if (valid_in) begin
                if (have_first) begin exp_valid = 1; exp_data = {first, data_in}; have_first = 0; end
                else begin first = data_in; have_first = 1; end
            end
        end
        if (error == 0) $display("===========Your Design Passed=========== (%0d words)", words);
        else $display("===========Error=========== %0d FAILED", error);
        $finish;
    end
endmodule
