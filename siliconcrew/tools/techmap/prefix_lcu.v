// Kogge-Stone parallel-prefix carry unit for yosys `$lcu` cells.
//
// yosys' default techmap builds `$lcu` (the carry chain of every `$alu`: adders,
// subtractors, comparators) as a ripple chain: WIDTH gate levels. This map gives
// log2(WIDTH) levels at the cost of ~WIDTH*log2(WIDTH) gates. The `_80_` prefix makes
// techmap prefer it over techmap.v's `_90_lcu`. Same construction as yosys'
// upstream techlibs/common/choices/kogge-stone.v (not shipped by Debian's yosys 0.23).
(* techmap_celltype = "$lcu" *)
module _80_lcu_kogge_stone (P, G, CI, CO);
    parameter WIDTH = 2;
    (* force_downto *)
    input [WIDTH-1:0] P, G;
    input CI;
    (* force_downto *)
    output [WIDTH-1:0] CO;

    integer i, j;
    (* force_downto *)
    reg [WIDTH-1:0] p, g;

    always @* begin
        p = P;
        g = G;
        g[0] = g[0] | (p[0] & CI);
        for (i = 0; i < $clog2(WIDTH); i = i + 1) begin
            // high to low so each stage reads the previous stage's values
            for (j = WIDTH - 1; j >= 2**i; j = j - 1) begin
                g[j] = g[j] | (p[j] & g[j - 2**i]);
                p[j] = p[j] & p[j - 2**i];
            end
        end
    end

    assign CO = g;
endmodule
