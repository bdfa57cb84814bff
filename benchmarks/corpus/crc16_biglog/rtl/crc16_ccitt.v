module crc16_ccitt (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        init,
    input  wire        bit_valid,
    input  wire        bit_in,
    output reg  [15:0] crc
);
    wire fb = crc[15] ^ bit_in;
    always @(posedge clk or negedge rst_n) begin
        if (!rst_n)
            crc <= 16'hFFFF;
        else if (init)
            crc <= 16'hFFFF;
        else if (bit_valid)
            crc <= {crc[14:12], crc[11] ^ fb, crc[10:5], crc[4] ^ fb, crc[3:0], fb};
    end
endmodule
