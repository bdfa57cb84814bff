`timescale 1ns/1ps
module tb_hex_to_7seg;
    reg [3:0] hex;
    reg dp_in;
    wire [6:0] seg;
    wire dp;
    reg [6:0] golden [0:15];   // segments ON (active high), gfedcba
    integer i, errors = 0;

    hex_to_7seg uut (hex, dp_in, seg, dp);

    initial begin
        golden[0]  = 7'h3F; golden[1]  = 7'h06; golden[2]  = 7'h5B; golden[3]  = 7'h4F;
        golden[4]  = 7'h66; golden[5]  = 7'h6D; golden[6]  = 7'h7D; golden[7]  = 7'h07;
        golden[8]  = 7'h7F; golden[9]  = 7'h6F; golden[10] = 7'h77; golden[11] = 7'h7C;
        golden[12] = 7'h39; golden[13] = 7'h5E; golden[14] = 7'h79; golden[15] = 7'h71;
        for (i = 0; i < 32; i = i + 1) begin
            {dp_in, hex} = i;
            #5;
            if (seg !== ~golden[hex] || dp !== ~dp_in) begin
                errors = errors + 1;
                $display("ERROR: hex=%h seg=%b dp=%b expected %b %b", hex, seg, dp, ~golden[hex], ~dp_in);
            end
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
