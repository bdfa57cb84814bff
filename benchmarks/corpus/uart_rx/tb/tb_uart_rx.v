`timescale 1ns/1ps
module tb_uart_rx;
    localparam CLK_NS = 20;
    localparam CLKS   = 16;                  // fast baud for simulation
    localparam BIT_NS = CLK_NS * CLKS;

    reg clk = 0, rst_n = 0, rx = 1;
    wire [7:0] data;
    wire valid, frame_err;

    uart_rx #(.CLKS_PER_BIT(CLKS)) dut (.clk(clk), .rst_n(rst_n), .rx(rx), .data(data),
                                        .valid(valid), .frame_err(frame_err));

    always #(CLK_NS/2) clk = ~clk;

    integer errors = 0, got = 0, bad_frames = 0, n, i;
    reg [7:0] expected [0:63];
    integer head = 0, tail = 0;

    always @(posedge clk) begin
        #1;
        if (valid) begin
            got = got + 1;
            if (head == tail) begin
                errors = errors + 1; $display("ERROR: unexpected byte %h", data);
            end else begin
                if (data !== expected[head]) begin
                    errors = errors + 1;
                    $display("ERROR: received %h expected %h", data, expected[head]);
                end
                head = head + 1;
            end
        end
        if (frame_err) bad_frames = bad_frames + 1;
    end

    task send_byte(input [7:0] b, input stop_ok);
        begin
            rx = 1'b0; #(BIT_NS);
            for (i = 0; i < 8; i = i + 1) begin rx = b[i]; #(BIT_NS); end
            rx = stop_ok; #(BIT_NS);
            rx = 1'b1; #(BIT_NS);
        end
    endtask

    reg [7:0] b;
    initial begin
        #(3*CLK_NS + 3) rst_n = 1;
        #(4*BIT_NS);
        for (n = 0; n < 40; n = n + 1) begin
            b = (n == 0) ? 8'h55 : (n == 1) ? 8'h00 : (n == 2) ? 8'hFF : $random;
            expected[tail] = b; tail = tail + 1;
            send_byte(b, 1'b1);
        end
        // a framing error: no byte, frame_err instead
        send_byte(8'hA5, 1'b0);
        #(4*BIT_NS);
        // a glitch shorter than half a bit is not a start bit
        rx = 1'b0; #(3*CLK_NS); rx = 1'b1; #(4*BIT_NS);
        b = 8'hC3; expected[tail] = b; tail = tail + 1; send_byte(b, 1'b1);
        #(2*BIT_NS);
        if (got != 41) begin errors = errors + 1; $display("ERROR: %0d bytes received, expected 41", got); end
        if (bad_frames != 1) begin errors = errors + 1; $display("ERROR: %0d framing errors, expected 1", bad_frames); end
        if (errors == 0) $display("UART RX TEST PASSED: %0d bytes", got);
        else $display("UART RX TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
