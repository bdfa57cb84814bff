`timescale 1ns/1ps
module tb_crc8;
    reg clk = 0, rst = 1, init = 0, data_valid = 0;
    reg [7:0] data = 0;
    wire [7:0] crc;
    reg [7:0] model, c;
    reg [8*9-1:0] check_str;
    integer i, k, errors = 0;

    crc8 dut (.clk(clk), .rst(rst), .init(init), .data_valid(data_valid), .data(data), .crc(crc));

    always #10 clk = ~clk;

    task send(input [7:0] b, input first);
        begin
            @(negedge clk);
            data = b; data_valid = 1; init = first;
            @(negedge clk);
            data_valid = 0; init = 0;
        end
    endtask

    initial begin
        repeat (2) @(negedge clk);
        rst = 0;
        // standard check value
        check_str = "123456789";
        for (i = 8; i >= 0; i = i - 1) send(check_str[i*8 +: 8], i == 8);
        if (crc !== 8'hF4) begin errors = errors + 1; $display("ERROR: CRC(\"123456789\") = %h, expected f4", crc); end
        // random messages against a bitwise model
        for (i = 0; i < 200; i = i + 1) begin
            model = 0;
            for (k = 0; k < 1 + (i % 7); k = k + 1) begin
                data = $random;
                c = model;
                begin : bits
                    integer b;
                    for (b = 7; b >= 0; b = b - 1)
                        c = (c[7] ^ data[b]) ? ({c[6:0], 1'b0} ^ 8'h07) : {c[6:0], 1'b0};
                end
                model = c;
                send(data, k == 0);
            end
            if (crc !== model) begin
                errors = errors + 1;
                if (errors <= 10) $display("ERROR: message %0d crc=%h expected %h", i, crc, model);
            end
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
