// Self-checking testbench for crc32x32: cycle-accurate reference model
// (inputs take effect one cycle after they are sampled). The model computes
// ((crc ^ data) * x^32) mod G by long division, a different formulation from
// the bit-serial RTL, and a known answer is checked: CRC-32/MPEG-2 of the
// ASCII string "12345678" is 0x49E3C2FB.
`timescale 1ns/1ps
module tb_crc32x32;
    localparam NCYC = 400;
    localparam [32:0] G = 33'h1_04C1_1DB7;
    reg         clk = 1'b0, rst = 1'b1, init = 1'b0, en = 1'b0;
    reg  [31:0] data = 32'd0;
    wire [31:0] crc;
    // model state
    reg  [31:0] m_data = 32'd0, m_crc = 32'hFFFF_FFFF;
    reg         m_init = 1'b0, m_en = 1'b0;
    reg  [63:0] v;
    integer     i, k, errors = 0, checked = 0;
    integer     seed = 32'hC3C3_2001;

    crc32x32 dut (.clk(clk), .rst(rst), .init(init), .en(en), .data(data), .crc(crc));

    always #5 clk = ~clk;

    initial begin
        for (i = 0; i < NCYC; i = i + 1) begin
            @(negedge clk);
            if (i > 0) begin    // outputs are defined after the first reset edge
                checked = checked + 1;
                if (crc !== m_crc) begin
                    errors = errors + 1;
                    if (errors <= 20)
                        $display("ERROR: cycle %0d: crc=%h expected %h", i, crc, m_crc);
                end
            end
            if (i == 7 && crc !== 32'h49E3_C2FB) begin
                errors = errors + 1;
                $display("ERROR: known answer: crc(\"12345678\")=%h expected 49e3c2fb", crc);
            end
            rst  = (i < 3) || (i == 250);
            init = (i == 3) || (($random(seed) & 31) == 0);
            en   = (($random(seed) & 3) != 0);
            data = $random(seed);
            case (i % 16)
                8:  data = 32'd0;
                9:  data = 32'hFFFF_FFFF;
                10: data = 32'h8000_0000;
                11: data = 32'h0000_0001;
                default: ;
            endcase
            if (i == 4 || i == 5) begin            // known-answer sequence "1234" "5678"
                init = 1'b0;
                en   = 1'b1;
                data = (i == 4) ? 32'h3132_3334 : 32'h3536_3738;
            end
            @(posedge clk);
            if (rst) begin
                m_data = 0; m_init = 0; m_en = 0; m_crc = 32'hFFFF_FFFF;
            end else begin
                if (m_init)
                    m_crc = 32'hFFFF_FFFF;
                else if (m_en) begin
                    v = {m_crc ^ m_data, 32'd0};
                    for (k = 63; k >= 32; k = k - 1)
                        if (v[k]) v = v ^ ({31'd0, G} << (k - 32));
                    m_crc = v[31:0];
                end
                m_data = data; m_init = init; m_en = en;
            end
        end
        if (errors == 0) $display("TEST PASSED: %0d cycles checked, 0 errors", checked);
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
