// CRC-32 (polynomial 0x04C11DB7, MSB-first, no reflection, no final XOR)
// updated with 32 data bits per cycle (data[31] first). init loads the CRC
// with 0xFFFFFFFF; en folds data into the CRC. All inputs are registered and
// crc is a register, so the critical path is the 32-step XOR network below.
module crc32x32 (
    input  wire        clk,
    input  wire        rst,
    input  wire        init,
    input  wire        en,
    input  wire [31:0] data,
    output reg  [31:0] crc
);
    localparam [31:0] POLY = 32'h04C1_1DB7;

    reg [31:0] data_q;
    reg        init_q, en_q;
    reg [31:0] nxt;
    reg        fb;
    integer    k;

    always @(*) begin
        nxt = crc;
        fb  = 1'b0;
        for (k = 31; k >= 0; k = k - 1) begin
            fb  = nxt[31] ^ data_q[k];
            nxt = {nxt[30:0], 1'b0} ^ (fb ? POLY : 32'd0);
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            data_q <= 32'd0;
            init_q <= 1'b0;
            en_q   <= 1'b0;
            crc    <= 32'hFFFF_FFFF;
        end else begin
            data_q <= data;
            init_q <= init;
            en_q   <= en;
            if (init_q)
                crc <= 32'hFFFF_FFFF;
            else if (en_q)
                crc <= nxt;
        end
    end
endmodule
