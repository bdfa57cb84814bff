`timescale 1ns/1ps
module tb();
    reg in1, in2;
    wire out;
    integer i, mismatches, samples;

    top_module DUT(in1, in2, out);

    initial begin
        mismatches = 0; samples = 0;
        for (i = 0; i < 16; i = i + 1) begin
            {in1, in2} = i[1:0];
            #5;
            samples = samples + 1;
            if (out !== ~(in1 | in2)) begin
                mismatches = mismatches + 1;
                $display("ERROR: in1=%b in2=%b out=%b expected %b", in1, in2, out, ~(in1 | in2));
            end
        end
        $display("Mismatches: %0d in %0d samples", mismatches, samples);
        $finish;
    end
endmodule
