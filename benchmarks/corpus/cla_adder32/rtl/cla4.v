// 4-bit carry-lookahead adder block
module cla4 (
    input  [3:0] a,
    input  [3:0] b,
    input        ci,
    output [3:0] s,
    output       co
);
    wire [3:0] g = a & b;
    wire [3:0] p = a ^ b;
    wire [4:0] c;

    assign c[0] = ci;
    assign c[1] = g[0] | (p[0] & c[0]);
    assign c[2] = g[1] | (p[1] & g[0]) | (p[1] & p[0] & c[0]);
    assign c[3] = g[2] | (p[2] & g[1]) | (p[2] & p[1] & g[0]) | (p[2] & p[1] & p[0] & c[0]);
    assign c[4] = g[3] | (p[3] & g[2]) | (p[3] & p[2] & g[1]) | (p[3] & p[2] & p[1] & g[0]) |
                  (p[3] & p[2] & p[1] & p[0] & c[0]);
    assign s  = p ^ c[3:0];
    assign co = c[4];
endmodule
