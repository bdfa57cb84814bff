module lfsr16 #(parameter SEED = 16'hACE1) (
    input             clk,
    input             rst,
    input             en,
    input      [15:0] seed,
    output reg [15:0] q,
    output            out_bit
);
    wire feedback = q[0] ^ q[2] ^ q[3] ^ q[5];

    always @(posedge clk) begin
        if (rst)
            q <= (seed == 16'd0) ? SEED : seed;
        else if (en)
            q <= {feedback, q[15:1]};
    end

    assign out_bit = q[0];
endmodule
