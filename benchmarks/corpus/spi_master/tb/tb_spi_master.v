`timescale 1ns/1ps
`include "spi_defs.vh"

module tb_spi_master;
    reg clk = 0, rst_n = 0, start = 0;
    reg [7:0] tx_data = 0;
    reg [3:0] clk_div = 0;
    wire [7:0] rx_data;
    wire busy, done, sclk, mosi, cs_n;
    wire miso;

    spi_master dut (.clk(clk), .rst_n(rst_n), .start(start), .tx_data(tx_data),
                    .clk_div(clk_div), .rx_data(rx_data), .busy(busy), .done(done),
                    .sclk(sclk), .mosi(mosi), .miso(miso), .cs_n(cs_n));

    always #10 clk = ~clk;

    // ---- SPI slave model (mode 0) ----
    reg [7:0] slave_data, s_tx, s_rx;
    integer   s_edges;
    assign miso = s_tx[7];
    always @(negedge cs_n) begin s_tx = slave_data; s_rx = 8'h00; s_edges = 0; end
    always @(posedge sclk) if (!cs_n) begin s_rx = {s_rx[6:0], mosi}; s_edges = s_edges + 1; end
    always @(negedge sclk) if (!cs_n) s_tx = {s_tx[6:0], 1'b0};

    integer errors = 0, n, wait_cycles;

    task spi_xfer(input [7:0] m_byte, input [7:0] s_byte, input [3:0] div);
        begin
            @(negedge clk);
            slave_data = s_byte; tx_data = m_byte; clk_div = div; start = 1;
            @(negedge clk);
            start = 0;
            if (!busy || cs_n) begin
                errors = errors + 1;
                $display("ERROR: busy=%b cs_n=%b one cycle after start", busy, cs_n);
            end
            wait_cycles = 0;
            while (!done && wait_cycles < 200) begin
                @(negedge clk); wait_cycles = wait_cycles + 1;
            end
            if (!done) begin
                errors = errors + 1; $display("ERROR: no done after 200 cycles");
            end else begin
                if (rx_data !== s_byte) begin
                    errors = errors + 1;
                    $display("ERROR: master received %h expected %h (div %0d)", rx_data, s_byte, div);
                end
                if (s_rx !== m_byte) begin
                    errors = errors + 1;
                    $display("ERROR: slave received %h expected %h (div %0d)", s_rx, m_byte, div);
                end
                if (s_edges != `SPI_DATA_W) begin
                    errors = errors + 1;
                    $display("ERROR: %0d sclk rising edges, expected %0d", s_edges, `SPI_DATA_W);
                end
                if (!cs_n || busy || sclk) begin
                    errors = errors + 1;
                    $display("ERROR: after done cs_n=%b busy=%b sclk=%b", cs_n, busy, sclk);
                end
            end
        end
    endtask

    initial begin
        slave_data = 8'h00; s_tx = 8'h00; s_rx = 8'h00; s_edges = 0;
        #35 rst_n = 1;
        if (!cs_n || busy || sclk) begin
            errors = errors + 1; $display("ERROR: idle after reset: cs_n=%b busy=%b sclk=%b", cs_n, busy, sclk);
        end
        spi_xfer(8'hA5, 8'h3C, 4'd0);
        spi_xfer(8'h00, 8'hFF, 4'd1);
        spi_xfer(8'hFF, 8'h00, 4'd3);
        for (n = 0; n < 40; n = n + 1)
            spi_xfer($random, $random, {$random} % 4);
        if (errors == 0) $display("SPI TEST PASSED: 43 transfers");
        else $display("SPI TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
