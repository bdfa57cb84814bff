// Self-checking testbench for cnt_cmp32: cycle-accurate reference model
// (inputs take effect one cycle after they are sampled).
`timescale 1ns/1ps
module tb_cnt_cmp32;
    localparam NCYC = 500;
    reg         clk = 1'b0, rst = 1'b1, en = 1'b0, load = 1'b0;
    reg  [31:0] load_val = 32'd0, limit = 32'd0;
    wire [31:0] count;
    wire        hit;
    // model state
    reg         m_en = 1'b0, m_load = 1'b0, m_hit = 1'b0;
    reg  [31:0] m_load_val = 32'd0, m_limit = 32'd0, m_count = 32'd0;
    integer     i, errors = 0, checked = 0, hits = 0;
    integer     seed = 32'hC0C0_0001;

    cnt_cmp32 dut (.clk(clk), .rst(rst), .en(en), .load(load), .load_val(load_val),
                   .limit(limit), .count(count), .hit(hit));

    always #5 clk = ~clk;

    initial begin
        for (i = 0; i < NCYC; i = i + 1) begin
            @(negedge clk);
            if (i > 0) begin    // outputs are defined after the first reset edge
                checked = checked + 1;
                if (hit === 1'b1) hits = hits + 1;
                if (count !== m_count || hit !== m_hit) begin
                    errors = errors + 1;
                    if (errors <= 20)
                        $display("ERROR: cycle %0d: count=%h hit=%b expected count=%h hit=%b",
                                 i, count, hit, m_count, m_hit);
                end
            end
            rst      = (i < 3) || (i == 333);
            en       = (($random(seed) & 7) != 0);
            load     = 1'b0;
            load_val = $random(seed);
            if (i % 25 == 0) begin
                case ((i / 25) % 6)
                    0: limit = $random(seed) & 15;                  // short periods
                    1: begin limit = $random(seed); load = 1'b1; load_val = limit - 32'd6; end
                    2: begin limit = 32'hFFFF_FFFF; load = 1'b1; load_val = 32'hFFFF_FFF9; end
                    3: begin limit = 32'd2; load = 1'b1; load_val = 32'hFFFF_FFFC; end // wraps 2^32
                    4: begin limit = 32'h0001_0003; load = 1'b1; load_val = 32'h0000_FFFA; end
                    5: begin limit = 32'h8000_0000; load = 1'b1; load_val = 32'h7FFF_FFFC; end
                endcase
            end else if (($random(seed) & 63) == 0) begin
                load = 1'b1;                                          // random preload
            end
            @(posedge clk);
            if (rst) begin
                m_en = 0; m_load = 0; m_load_val = 0; m_limit = 0; m_count = 0; m_hit = 0;
            end else begin
                // state update uses the previously registered inputs
                m_hit = 1'b0;
                if (m_load)
                    m_count = m_load_val;
                else if (m_en) begin
                    if (m_count == m_limit) begin
                        m_count = 0;
                        m_hit   = 1'b1;
                    end else
                        m_count = m_count + 1;
                end
                m_en = en; m_load = load; m_load_val = load_val; m_limit = limit;
            end
        end
        if (hits < 10) begin
            errors = errors + 1;
            $display("ERROR: only %0d hit pulses seen; stimulus too weak", hits);
        end
        if (errors == 0) $display("TEST PASSED: %0d cycles checked, %0d hits, 0 errors", checked, hits);
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
