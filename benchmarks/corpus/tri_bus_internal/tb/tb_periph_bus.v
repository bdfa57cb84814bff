`timescale 1ns/1ps
module tb_periph_bus;
    reg clk = 0, rst = 1, wr = 0;
    reg [1:0] addr = 0;
    reg [7:0] wdata = 0;
    wire [7:0] rdata;
    reg [7:0] model [0:3];
    integer errors = 0, n;

    periph_bus dut (.clk(clk), .rst(rst), .addr(addr), .wr(wr), .wdata(wdata), .rdata(rdata));

    always #10 clk = ~clk;

    initial begin
        model[0] = 8'h11; model[1] = 8'h22; model[2] = 8'h33; model[3] = 8'hFF;
        @(negedge clk); @(negedge clk); rst = 0;
        for (addr = 0; addr < 3; addr = addr + 1) begin
            #1 if (rdata !== model[addr]) begin errors = errors + 1; $display("ERROR: reset value of %0d is %h", addr, rdata); end
        end
        for (n = 0; n < 1000; n = n + 1) begin
            @(negedge clk);
            addr = $random; wr = $random; wdata = $random;
            #1;
            if (rdata !== model[addr]) begin
                errors = errors + 1;
                if (errors < 10) $display("ERROR: read %0d gave %h expected %h", addr, rdata, model[addr]);
            end
            @(posedge clk);
            if (wr && addr != 3) model[addr] = wdata;
        end
        if (errors == 0) $display("TEST PASSED: 1000 bus cycles");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
