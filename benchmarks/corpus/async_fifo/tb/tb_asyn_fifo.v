`timescale 1ns/1ps
module tb_asyn_fifo;
    reg wclk = 0, rclk = 0, wrstn = 0, rrstn = 0, winc = 0, rinc = 0;
    reg [7:0] wdata = 0;
    wire wfull, rempty;
    wire [7:0] rdata;

    reg [7:0] q [0:1023];
    integer wr_n = 0, rd_n = 0, errors = 0, i;
    reg pending, can_read, can_write;
    reg [7:0] expected;

    asyn_fifo #(.WIDTH(8), .DEPTH(8)) dut (
        .wclk(wclk), .rclk(rclk), .wrstn(wrstn), .rrstn(rrstn), .winc(winc), .rinc(rinc),
        .wdata(wdata), .wfull(wfull), .rempty(rempty), .rdata(rdata));

    always #10 wclk = ~wclk;   // 20 ns
    always #13 rclk = ~rclk;   // 26 ns

    // writer: drive on the falling edge, commit on the rising edge when not full
    initial begin
        #60 wrstn = 1;
        for (i = 0; i < 600; i = i + 1) begin
            @(negedge wclk);
            winc = (i < 200) ? 1 : (i < 400 ? ($random % 4 == 0) : $random);
            wdata = $random;
            can_write = !wfull;     // wfull only changes on wclk rising edges
            @(posedge wclk);
            if (winc && can_write) begin q[wr_n % 1024] = wdata; wr_n = wr_n + 1; end
        end
        @(negedge wclk) winc = 0;
    end

    // reader
    initial begin
        pending = 0;
        #60 rrstn = 1;
        forever begin
            @(negedge rclk);
            if (pending) begin
                if (rdata !== expected) begin
                    errors = errors + 1;
                    if (errors <= 10) $display("ERROR: read #%0d got %h expected %h", rd_n - 1, rdata, expected);
                end
            end
            rinc = ($time < 5000) ? ($random % 3 == 0) : 1;
            can_read = !rempty;     // rempty only changes on rclk rising edges
            @(posedge rclk);
            pending = 0;
            if (rinc && can_read) begin
                expected = q[rd_n % 1024]; rd_n = rd_n + 1; pending = 1;
            end
        end
    end

    initial begin
        #20000;
        if (rd_n != wr_n) begin
            errors = errors + 1;
            $display("ERROR: wrote %0d words, read %0d", wr_n, rd_n);
        end
        if (wr_n < 150) begin errors = errors + 1; $display("ERROR: only %0d writes", wr_n); end
        if (errors == 0) $display("TEST PASSED (%0d words through the FIFO)", rd_n);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
