`timescale 1ns/1ps
module tb_sync_fifo;
    reg clk = 0, rst_n = 0, wr_en = 0, rd_en = 0;
    reg [7:0] wdata = 0;
    wire [7:0] rdata;
    wire full, empty;
    wire [4:0] count;

    reg [7:0] q [0:255];
    integer head = 0, tail = 0, errors = 0, i, reads = 0;
    reg expect_data;
    reg [7:0] expected;

    sync_fifo dut (.clk(clk), .rst_n(rst_n), .wr_en(wr_en), .wdata(wdata), .rd_en(rd_en),
                   .rdata(rdata), .full(full), .empty(empty), .count(count));

    always #10 clk = ~clk;

    initial begin
        expect_data = 0;
        #25 rst_n = 1;
        for (i = 0; i < 2000; i = i + 1) begin
            @(negedge clk);
            // check the flags and the data read on the last edge
            if (expect_data) begin
                reads = reads + 1;
                if (rdata !== expected) begin
                    errors = errors + 1;
                    if (errors <= 10) $display("ERROR: read %h expected %h", rdata, expected);
                end
            end
            if (count !== tail - head || empty !== (tail == head) || full !== (tail - head == 16)) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: count=%0d empty=%b full=%b, model has %0d", count, empty, full, tail - head);
            end
            // phases: mostly write, mostly read, mixed
            case ((i / 100) % 3)
                0: begin wr_en = ($random % 4) != 0; rd_en = ($random % 4) == 0; end
                1: begin wr_en = ($random % 4) == 0; rd_en = ($random % 4) != 0; end
                default: begin wr_en = $random; rd_en = $random; end
            endcase
            wdata = $random;
            @(posedge clk);
            expect_data = 0;
            if (rd_en && tail != head) begin
                expected = q[head % 256]; head = head + 1; expect_data = 1;
            end
            if (wr_en && tail - head + (expect_data ? 1 : 0) < 16) begin
                q[tail % 256] = wdata; tail = tail + 1;
            end
        end
        if (errors == 0) $display("TEST PASSED (%0d reads checked)", reads);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
