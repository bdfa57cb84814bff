// Self-checking testbench for alu32: cycle-accurate reference model with the
// fixed 2-cycle latency (input register + output register).
`timescale 1ns/1ps
module tb_alu32;
    localparam NCYC = 600;
    reg         clk = 1'b0, rst = 1'b1;
    reg  [2:0]  op = 3'd0;
    reg  [31:0] a = 32'd0, b = 32'd0;
    wire [31:0] y;
    // model state: input registers and output register
    reg  [2:0]  m_op = 3'd0;
    reg  [31:0] m_a = 32'd0, m_b = 32'd0, m_y = 32'd0;
    integer     i, errors = 0, checked = 0;
    integer     seed = 32'hA1B3_2001;

    alu32 dut (.clk(clk), .rst(rst), .op(op), .a(a), .b(b), .y(y));

    always #5 clk = ~clk;

    initial begin
        for (i = 0; i < NCYC; i = i + 1) begin
            @(negedge clk);
            if (i > 0) begin    // outputs are defined after the first reset edge
                checked = checked + 1;
                if (y !== m_y) begin
                    errors = errors + 1;
                    if (errors <= 20)
                        $display("ERROR: cycle %0d: op=%0d y=%h expected %h", i, m_op, y, m_y);
                end
            end
            rst = (i < 3) || (i == 300);
            op  = i % 8;                       // every op in turn ...
            if (i >= 200) op = $random(seed);  // ... then random ops
            a = $random(seed);
            b = $random(seed);
            case ((i / 8) % 12)
                0: begin a = 32'h8000_0000; b = 32'h7FFF_FFFF; end
                1: begin a = 32'h7FFF_FFFF; b = 32'h8000_0000; end
                2: begin a = 32'hFFFF_FFFF; b = 32'h0000_0001; end
                3: begin a = 32'h0000_0000; b = 32'hFFFF_FFFF; end
                4: begin b = a; end
                5: begin a = 32'hFFFF_FFFF; b = 32'hFFFF_FFFF; end
                6: begin b = {27'h7FF_FFFF, 5'd31}; end         // shift uses b[4:0] only
                7: begin b = 32'd0; end
                8: begin a = 32'h8000_0000; b = 32'h8000_0000; end
                default: ;
            endcase
            @(posedge clk);
            if (rst) begin
                m_op = 0; m_a = 0; m_b = 0; m_y = 0;
            end else begin
                // output register takes the old input registers
                case (m_op)
                    3'd0: m_y = m_a + m_b;
                    3'd1: m_y = m_a + ~m_b + 32'd1;
                    3'd2: m_y = m_a & m_b;
                    3'd3: m_y = m_a | m_b;
                    3'd4: m_y = m_a ^ m_b;
                    3'd5: m_y = (m_a[31] != m_b[31]) ? m_a[31] : (m_a < m_b);
                    3'd6: m_y = (m_a < m_b) ? 32'd1 : 32'd0;
                    3'd7: m_y = m_a << m_b[4:0];
                endcase
                m_op = op; m_a = a; m_b = b;
            end
        end
        if (errors == 0) $display("TEST PASSED: %0d cycles checked, 0 errors", checked);
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
