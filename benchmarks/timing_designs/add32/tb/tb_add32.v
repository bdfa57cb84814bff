// Self-checking testbench for add32: cycle-accurate reference model with the
// fixed 2-cycle latency (input register + output register).
`timescale 1ns/1ps
module tb_add32;
    localparam NCYC = 400;
    reg         clk = 1'b0, rst = 1'b1;
    reg  [31:0] a = 32'd0, b = 32'd0;
    wire [31:0] sum;
    wire        cout;
    // model state: input registers and output registers
    reg  [31:0] m_a = 32'd0, m_b = 32'd0, m_sum = 32'd0;
    reg         m_cout = 1'b0;
    integer     i, errors = 0, checked = 0;
    integer     seed = 32'h3200_0001;

    add32 dut (.clk(clk), .rst(rst), .a(a), .b(b), .sum(sum), .cout(cout));

    always #5 clk = ~clk;

    initial begin
        for (i = 0; i < NCYC; i = i + 1) begin
            @(negedge clk);
            if (i > 0) begin    // outputs are defined after the first reset edge
                checked = checked + 1;
                if (sum !== m_sum || cout !== m_cout) begin
                    errors = errors + 1;
                    if (errors <= 20)
                        $display("ERROR: cycle %0d: {cout,sum}=%b_%h expected %b_%h",
                                 i, cout, sum, m_cout, m_sum);
                end
            end
            rst = (i < 3) || (i == 200);
            a = $random(seed);
            b = $random(seed);
            case (i % 12)
                0: begin a = 32'hFFFF_FFFF; b = 32'h0000_0001; end
                1: begin a = 32'hFFFF_FFFF; b = 32'hFFFF_FFFF; end
                2: begin a = 32'h0000_0000; b = 32'h0000_0000; end
                3: begin a = 32'h7FFF_FFFF; b = 32'h0000_0001; end
                4: begin a = 32'h8000_0000; b = 32'h8000_0000; end
                5: begin a = 32'hAAAA_AAAA; b = 32'h5555_5555; end
                6: begin a = 32'hAAAA_AAAA; b = 32'h5555_5556; end
                7: begin a = 32'h0000_FFFF; b = 32'h0000_0001; end
                default: ;
            endcase
            @(posedge clk);
            if (rst) begin
                m_a = 0; m_b = 0; m_sum = 0; m_cout = 0;
            end else begin
                {m_cout, m_sum} = m_a + m_b;   // output register takes the old input registers
                m_a = a;
                m_b = b;
            end
        end
        if (errors == 0) $display("TEST PASSED: %0d cycles checked, 0 errors", checked);
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
