module adder_16bit (
    input wire [15:0] a,
    input wire [15:0] b,
    input wire Cin,
    output wire [15:0] y,
    output wire Co
);
    wire c8;

    adder_8bit add_lo (a[7:0],  b[7:0],  Cin, y[7:0],  c8);
    adder_8bit add_hi (a[15:8], b[15:8], c8,  y[15:8], Co);
endmodule
