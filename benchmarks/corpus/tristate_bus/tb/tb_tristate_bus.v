`timescale 1ns/1ps
module tb_tristate_bus;
    reg clk = 0, rst_n = 0, we = 0, re = 0, sel = 0;
    reg [7:0] drive;
    reg drive_en = 0;
    wire [7:0] data;
    reg [7:0] m0 = 0, m1 = 0;
    integer i, errors = 0;

    assign data = drive_en ? drive : 8'bz;   // the testbench's own bus driver

    tristate_bus dut (clk, rst_n, we, re, sel, data);

    always #10 clk = ~clk;

    initial begin
        #25 rst_n = 1;
        for (i = 0; i < 600; i = i + 1) begin
            @(negedge clk);
            case ($random & 3)
                0, 1: begin we = 1; re = 0; drive_en = 1; drive = $random; sel = $random; end
                2:    begin we = 0; re = 1; drive_en = 0; sel = $random; end
                3:    begin we = 0; re = 0; drive_en = 0; end
            endcase
            #3;
            if (re && !we) begin
                if (data !== (sel ? m1 : m0)) begin
                    errors = errors + 1;
                    if (errors <= 10) $display("ERROR: read r%0d = %h, expected %h", sel, data, sel ? m1 : m0);
                end
            end else if (!we && data !== 8'hzz) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: bus not released (data=%h)", data);
            end
            @(posedge clk);
            if (we) begin if (sel) m1 = drive; else m0 = drive; end
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
