// Registered 32-bit adder with carry out: {cout, sum} = a + b.
// Every input and output is registered, so the critical path is the carry
// chain between the input registers and the sum/carry registers.
module add32 (
    input  wire        clk,
    input  wire        rst,
    input  wire [31:0] a,
    input  wire [31:0] b,
    output reg  [31:0] sum,
    output reg         cout
);
    reg  [31:0] a_q, b_q;
    wire [32:0] s = {1'b0, a_q} + {1'b0, b_q};

    always @(posedge clk) begin
        if (rst) begin
            a_q  <= 32'd0;
            b_q  <= 32'd0;
            sum  <= 32'd0;
            cout <= 1'b0;
        end else begin
            a_q  <= a;
            b_q  <= b;
            sum  <= s[31:0];
            cout <= s[32];
        end
    end
endmodule
