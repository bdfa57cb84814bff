// Self-checking testbench for mac16: cycle-accurate reference model
// (inputs take effect one cycle after they are sampled).
`timescale 1ns/1ps
module tb_mac16;
    localparam NCYC = 700;
    reg         clk = 1'b0, rst = 1'b1, clr = 1'b0, en = 1'b0;
    reg  [15:0] a = 16'd0, b = 16'd0;
    wire [39:0] acc;
    // model state
    reg  [15:0] m_a = 16'd0, m_b = 16'd0;
    reg         m_clr = 1'b0, m_en = 1'b0;
    reg  [39:0] m_acc = 40'd0;
    reg  [63:0] wide;
    integer     i, errors = 0, checked = 0, wraps = 0;
    integer     seed = 32'h3AC1_6001;

    mac16 dut (.clk(clk), .rst(rst), .clr(clr), .en(en), .a(a), .b(b), .acc(acc));

    always #5 clk = ~clk;

    initial begin
        for (i = 0; i < NCYC; i = i + 1) begin
            @(negedge clk);
            if (i > 0) begin    // outputs are defined after the first reset edge
                checked = checked + 1;
                if (acc !== m_acc) begin
                    errors = errors + 1;
                    if (errors <= 20)
                        $display("ERROR: cycle %0d: acc=%h expected %h", i, acc, m_acc);
                end
            end
            rst = (i < 3) || (i == 150);
            a   = $random(seed);
            b   = $random(seed);
            en  = (($random(seed) & 3) != 0);
            clr = (i % 53) == 20;
            if (i >= 200 && i < 480) begin
                // saturating operands for 280 cycles: the accumulator wraps 2^40
                a = 16'hFFFF; b = 16'hFFFF; en = 1'b1; clr = (i == 200);
            end else if (i % 9 == 0) begin
                a = 16'hFFFF; b = (i % 2) ? 16'hFFFF : 16'h0001;
            end else if (i % 9 == 1) begin
                a = 16'h0000;
            end
            @(posedge clk);
            if (rst) begin
                m_a = 0; m_b = 0; m_clr = 0; m_en = 0; m_acc = 0;
            end else begin
                if (m_clr)
                    m_acc = 0;
                else if (m_en) begin
                    wide = m_acc + m_a * m_b;      // 64-bit context, then wrap to 40 bits
                    if (wide[40]) wraps = wraps + 1;
                    m_acc = wide[39:0];
                end
                m_a = a; m_b = b; m_clr = clr; m_en = en;
            end
        end
        if (wraps == 0) begin
            errors = errors + 1;
            $display("ERROR: accumulator never wrapped; stimulus too weak");
        end
        if (errors == 0) $display("TEST PASSED: %0d cycles checked, 0 errors", checked);
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
