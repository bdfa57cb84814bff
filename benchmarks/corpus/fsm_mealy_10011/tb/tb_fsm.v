`timescale 1ns/1ps
module tb_fsm;
    reg CLK, RST, IN;
    wire MATCH;
    reg [4:0] hist;
    integer i, error, nmatch;

    fsm DUT (IN, MATCH, CLK, RST);

    initial CLK = 0;
    always #10 CLK = ~CLK;

    initial begin
        error = 0; nmatch = 0; hist = 0;
        RST = 1; IN = 0;
        #25 RST = 0;
        for (i = 0; i < 1000; i = i + 1) begin
            @(negedge CLK);
            IN = (i < 20) ? ((20'b1001110011001100111 >> i) & 1) : $random;
            #5;
            if (MATCH !== ({hist[3:0], IN} == 5'b10011 && i >= 4)) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: step %0d MATCH=%b history=%b%b", i, MATCH, hist[3:0], IN);
            end
            if (MATCH === 1'b1) nmatch = nmatch + 1;
            @(posedge CLK);
            hist = {hist[3:0], IN};
        end
        if (nmatch == 0) begin error = error + 1; $display("ERROR: no match ever seen"); end
        if (error == 0) $display("===========Your Design Passed=========== (%0d matches)", nmatch);
        else $display("===========Error=========== %0d FAILED", error);
        $finish;
    end
endmodule
