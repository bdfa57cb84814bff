`timescale 1ns/1ps
module tb_edge_detect;
    reg clk, rst_n, a;
    wire rise, down;
    reg a_prev, e_rise, e_down;
    integer i, error, nr, nd;

    edge_detect dut (clk, rst_n, a, rise, down);

    initial begin clk = 0; forever #10 clk = ~clk; end

    initial begin
        error = 0; nr = 0; nd = 0;
        rst_n = 0; a = 0; a_prev = 0; e_rise = 0; e_down = 0;
        #30 rst_n = 1;
        for (i = 0; i < 500; i = i + 1) begin
            @(negedge clk);
            if (rise !== e_rise || down !== e_down) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: cycle %0d rise=%b down=%b expected %b %b", i, rise, down, e_rise, e_down);
            end
            nr = nr + rise; nd = nd + down;
            if ($random % 5 == 0) a = ~a;
            @(posedge clk);
            e_rise = a & ~a_prev;
            e_down = ~a & a_prev;
            a_prev = a;
        end
        if (nr == 0 || nd == 0) begin error = error + 1; $display("ERROR: no edges seen"); end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Error=========== %0d FAILED", error);
        $finish;
    end
endmodule
