module ecc_secded (
    input  wire        clk,
    input  wire        rst_n,
    input  wire [7:0]  data_in,
    output reg  [12:0] code_out,
    input  wire [12:0] code_in,
    output reg  [7:0]  data_out,
    output reg         single_err,
    output reg         double_err
);
    // code bit i (1..12) is Hamming position i; bit 0 is the overall parity.
    // data at positions 3,5,6,7,9,10,11,12; parity at 1,2,4,8.
    function [12:0] encode;
        input [7:0] d;
        reg [12:0] c;
        begin
            c = 13'd0;
            c[3] = d[0]; c[5] = d[1]; c[6] = d[2]; c[7] = d[3];
            c[9] = d[4]; c[10] = d[5]; c[11] = d[6]; c[12] = d[7];
            c[1] = c[3] ^ c[5] ^ c[7] ^ c[9] ^ c[11];
            c[2] = c[3] ^ c[6] ^ c[7] ^ c[10] ^ c[11];
            c[4] = c[5] ^ c[6] ^ c[7] ^ c[12];
            c[8] = c[9] ^ c[10] ^ c[11] ^ c[12];
            c[0] = ^c[12:1];
            encode = c;
        end
    endfunction

    function [3:0] syndrome;
        input [12:0] c;
        integer i;
        begin
            syndrome = 4'd0;
            for (i = 1; i <= 12; i = i + 1)
                if (c[i]) syndrome = syndrome ^ i[3:0];
        end
    endfunction

    task decode;
        input  [12:0] c;
        output [7:0]  d;
        output        se;
        output        de;
        reg    [12:0] fixed;
        reg    [3:0]  s;
        reg           p;
        begin
            s = syndrome(c);
            p = ^c;                      // overall parity: 1 means an odd number of flips
            fixed = c;
            se = 1'b0;
            de = 1'b0;
            if (s != 0 && p) begin       // single error in positions 1..12
                fixed[s] = ~fixed[s];
                se = 1'b1;
            end else if (s == 0 && p) begin
                se = 1'b1;               // the overall parity bit itself flipped
            end else if (s != 0 && !p) begin
                de = 1'b1;               // two errors: detect only
            end
            d = {fixed[12], fixed[11], fixed[10], fixed[9], fixed[7], fixed[6], fixed[5], fixed[3]};
        end
    endtask

    reg [7:0] d_next;
    reg       se_next, de_next;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            code_out   <= 13'd0;
            data_out   <= 8'd0;
            single_err <= 1'b0;
            double_err <= 1'b0;
        end else begin
            code_out <= encode(data_in);
            decode(code_in, d_next, se_next, de_next);
            data_out   <= d_next;
            single_err <= se_next;
            double_err <= de_next;
        end
    end
endmodule
