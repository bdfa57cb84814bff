// Population count of a 64-bit word: count = number of 1 bits in x (0..64).
// Written as a for-loop sum, so synthesis sees a chain of 64 small additions
// between the input register and the output register.
module popcnt64 (
    input  wire        clk,
    input  wire        rst,
    input  wire        in_valid,
    input  wire [63:0] x,
    output reg         out_valid,
    output reg  [6:0]  count
);
    reg [63:0] x_q;
    reg        v_q;
    reg [6:0]  c;
    integer    i;

    always @(*) begin
        c = 7'd0;
        for (i = 0; i < 64; i = i + 1)
            c = c + {6'd0, x_q[i]};
    end

    always @(posedge clk) begin
        if (rst) begin
            x_q       <= 64'd0;
            v_q       <= 1'b0;
            count     <= 7'd0;
            out_valid <= 1'b0;
        end else begin
            x_q       <= x;
            v_q       <= in_valid;
            count     <= c;
            out_valid <= v_q;
        end
    end
endmodule
