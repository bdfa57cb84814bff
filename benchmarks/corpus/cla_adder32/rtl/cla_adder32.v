module cla_adder32 (
    input  [31:0] A,
    input  [31:0] B,
    input         Cin,
    output [31:0] S,
    output        Cout
);
    wire [8:0] carry;
    assign carry[0] = Cin;

    genvar k;
    generate
        for (k = 0; k < 8; k = k + 1) begin : blk
            cla4 u_cla (.a(A[4*k+3:4*k]), .b(B[4*k+3:4*k]), .ci(carry[k]),
                        .s(S[4*k+3:4*k]), .co(carry[k+1]));
        end
    endgenerate

    assign Cout = carry[8];
endmodule
