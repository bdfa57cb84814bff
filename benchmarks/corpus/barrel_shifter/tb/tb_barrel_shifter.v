`timescale 1ns/1ps
module tb_barrel_shifter;
    reg  [7:0] in;
    reg  [2:0] ctrl;
    wire [7:0] out;
    integer i, error = 0;

    barrel_shifter uut (.in(in), .ctrl(ctrl), .out(out));

    initial begin
        for (i = 0; i < 2048; i = i + 1) begin
            {ctrl, in} = i;
            #5;
            if (out !== (in >> ctrl)) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: %b >> %0d = %b, expected %b", in, ctrl, out, in >> ctrl);
            end
        end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Error=========== %0d FAILED", error);
        $finish;
    end
endmodule
