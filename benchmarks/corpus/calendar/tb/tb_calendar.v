`timescale 1ns/1ps
module tb_calendar;
    reg CLK, RST;
    wire [5:0] Hours, Mins, Secs;
    integer t, h, m, s, error;

    calendar uut (.CLK(CLK), .RST(RST), .Hours(Hours), .Mins(Mins), .Secs(Secs));

    initial CLK = 0;
    always #10 CLK = ~CLK;

    initial begin
        error = 0;
        RST = 1;
        #25 RST = 0;
        h = 0; m = 0; s = 0;
        // one full day plus a bit: 86400 + 200 seconds
        for (t = 0; t < 86600; t = t + 1) begin
            @(posedge CLK);
            s = s + 1;
            if (s == 60) begin s = 0; m = m + 1; end
            if (m == 60) begin m = 0; h = h + 1; end
            if (h == 24) h = 0;
            @(negedge CLK);
            if (Hours !== h || Mins !== m || Secs !== s) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: t=%0d got %0d:%0d:%0d expected %0d:%0d:%0d", t, Hours, Mins, Secs, h, m, s);
            end
        end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Error=========== %0d FAILED", error);
        $finish;
    end
endmodule
