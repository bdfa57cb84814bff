`timescale 1ns/1ps
module tb_RAM;
    reg clk, rst_n, write_en, read_en;
    reg [3:0] write_addr, read_addr;
    reg [7:0] write_data;
    wire [7:0] read_data;
    reg [7:0] model [0:15];
    reg [7:0] expected;
    integer i, error;

    RAM uut (clk, rst_n, write_en, write_addr, write_data, read_en, read_addr, read_data);

    initial begin clk = 0; forever #10 clk = ~clk; end

    initial begin
        error = 0;
        for (i = 0; i < 16; i = i + 1) model[i] = 0;
        rst_n = 0; write_en = 0; read_en = 0; write_addr = 0; read_addr = 0; write_data = 0;
        #30 rst_n = 1;
        // reset contents are zero
        for (i = 0; i < 16; i = i + 1) begin
            @(negedge clk); read_en = 1; read_addr = i;
            @(negedge clk);
            if (read_data !== 8'd0) begin error = error + 1; $display("ERROR: RAM[%0d]=%h after reset", i, read_data); end
        end
        for (i = 0; i < 1000; i = i + 1) begin
            @(negedge clk);
            write_en = $random; write_addr = $random; write_data = $random;
            read_en = $random; read_addr = $random;
            expected = read_en ? model[read_addr] : 8'd0;   // old data on a collision
            @(posedge clk); #1;
            if (write_en) model[write_addr] = write_data;
            if (read_data !== expected) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: read RAM[%0d]=%h expected %h", read_addr, read_data, expected);
            end
        end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Error=========== %0d FAILED", error);
        $finish;
    end
endmodule
