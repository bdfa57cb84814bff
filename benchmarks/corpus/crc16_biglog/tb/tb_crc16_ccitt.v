`timescale 1ns/1ps
module tb_crc16_ccitt;
    reg clk = 0, rst_n = 0, init = 0, bit_valid = 0, bit_in = 0;
    wire [15:0] crc;

    crc16_ccitt dut (.clk(clk), .rst_n(rst_n), .init(init), .bit_valid(bit_valid),
                     .bit_in(bit_in), .crc(crc));

    always #10 clk = ~clk;

    function [15:0] crc_byte(input [15:0] c, input [7:0] b);
        integer k;
        reg f;
        begin
            for (k = 7; k >= 0; k = k - 1) begin
                f = c[15] ^ b[k];
                c = {c[14:0], 1'b0} ^ (f ? 16'h1021 : 16'h0000);
            end
            crc_byte = c;
        end
    endfunction

    reg [15:0] model;
    integer errors = 0, msg, len, j, k, bytes_total = 0;
    reg [7:0] b;
    reg [7:0] check_str [0:8];

    task shift_byte(input [7:0] by);
        begin
            for (k = 7; k >= 0; k = k - 1) begin
                @(negedge clk); bit_valid = 1; bit_in = by[k];
            end
            @(negedge clk); bit_valid = 0;
        end
    endtask

    task start_msg;
        begin
            @(negedge clk); init = 1; @(negedge clk); init = 0;
            model = 16'hFFFF;
        end
    endtask

    initial begin
        check_str[0] = "1"; check_str[1] = "2"; check_str[2] = "3"; check_str[3] = "4";
        check_str[4] = "5"; check_str[5] = "6"; check_str[6] = "7"; check_str[7] = "8";
        check_str[8] = "9";
        #25 rst_n = 1;
        start_msg;
        for (j = 0; j < 9; j = j + 1) shift_byte(check_str[j]);
        #1;
        if (crc !== 16'h29B1) begin errors = errors + 1; $display("ERROR: check value %h, expected 29b1", crc); end
        else $display("check value \"123456789\" -> %h ok", crc);
        for (msg = 0; msg < 3600; msg = msg + 1) begin
            start_msg;
            len = 1 + ({$random} % 6);
            for (j = 0; j < len; j = j + 1) begin
                b = $random;
                shift_byte(b);
                model = crc_byte(model, b);
                bytes_total = bytes_total + 1;
                #1;
                $display("msg %5d byte %0d data=%h crc=%h model=%h  %s  [time %0t ns, total bytes %0d]",
                         msg, j, b, crc, model, (crc === model) ? "match" : "DIFF", $time, bytes_total);
                if (crc !== model) begin
                    errors = errors + 1;
                    if (errors < 10) $display("ERROR: msg %0d byte %0d crc %h expected %h", msg, j, crc, model);
                end
            end
        end
        if (errors == 0) $display("CRC16 TEST PASSED: %0d messages, %0d bytes", msg, bytes_total);
        else $display("CRC16 TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
