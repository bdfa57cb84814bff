module universal_shift_reg #(parameter N = 8) (
    input              clk,
    input              clr_n,
    input      [1:0]   mode,
    input              sr_in,
    input              sl_in,
    input      [N-1:0] d,
    output reg [N-1:0] q
);
    always @(posedge clk, negedge clr_n) begin
        if (~clr_n)
            q <= {N{1'b0}};
        else
            case (mode)
                2'b00: q <= q;
                2'b01: q <= {sr_in, q[N-1:1]};
                2'b10: q <= {q[N-2:0], sl_in};
                2'b11: q <= d;
            endcase
    end
endmodule
