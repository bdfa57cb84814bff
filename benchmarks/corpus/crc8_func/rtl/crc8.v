module crc8 (
    input            clk,
    input            rst,
    input            init,
    input            data_valid,
    input      [7:0] data,
    output reg [7:0] crc
);
    function [7:0] nextCRC8_D8;
        input [7:0] Data;
        input [7:0] crc_in;
        reg   [7:0] c;
        integer i;
        begin
            c = crc_in;
            for (i = 7; i >= 0; i = i - 1) begin
                if (c[7] ^ Data[i])
                    c = {c[6:0], 1'b0} ^ 8'h07;
                else
                    c = {c[6:0], 1'b0};
            end
            nextCRC8_D8 = c;
        end
    endfunction

    always @(posedge clk) begin
        if (rst)
            crc <= 8'h00;
        else if (data_valid)
            crc <= nextCRC8_D8(data, init ? 8'h00 : crc);
    end
endmodule
