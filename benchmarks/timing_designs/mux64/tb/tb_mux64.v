// Self-checking testbench for mux64: cycle-accurate reference model with the
// fixed 2-cycle latency (input register + output register).
`timescale 1ns/1ps
module tb_mux64;
    localparam NCYC = 400;
    reg          clk = 1'b0, rst = 1'b1;
    reg  [511:0] data = 512'd0;
    reg  [5:0]   sel = 6'd0;
    wire [7:0]   y;
    // model state: input registers and output register
    reg  [511:0] m_data = 512'd0;
    reg  [5:0]   m_sel = 6'd0;
    reg  [7:0]   m_y = 8'd0;
    integer      i, k, errors = 0, checked = 0;
    integer      seed = 32'h6464_0001;

    mux64 dut (.clk(clk), .rst(rst), .data(data), .sel(sel), .y(y));

    always #5 clk = ~clk;

    initial begin
        for (i = 0; i < NCYC; i = i + 1) begin
            @(negedge clk);
            if (i > 0) begin    // outputs are defined after the first reset edge
                checked = checked + 1;
                if (y !== m_y) begin
                    errors = errors + 1;
                    if (errors <= 20)
                        $display("ERROR: cycle %0d: y=%h expected %h", i, y, m_y);
                end
            end
            rst = (i < 3) || (i == 250);
            if (i < 140) begin
                // directed: every word distinct, sweep sel over all 64 values (twice,
                // with two different word patterns)
                for (k = 0; k < 64; k = k + 1)
                    data[8*k +: 8] = (i < 72) ? k : (8'hFF - 3 * k);
                sel = i;
            end else begin
                for (k = 0; k < 16; k = k + 1)
                    data[32*k +: 32] = $random(seed);
                sel = $random(seed);
                if (i % 10 == 0) data = ~512'd0;
                if (i % 10 == 1) data = 512'd0;
            end
            @(posedge clk);
            if (rst) begin
                m_data = 0; m_sel = 0; m_y = 0;
            end else begin
                m_y    = (m_data >> (m_sel * 8)) & 8'hFF;  // output register takes the old inputs
                m_data = data;
                m_sel  = sel;
            end
        end
        if (errors == 0) $display("TEST PASSED: %0d cycles checked, 0 errors", checked);
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
