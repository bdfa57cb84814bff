module signed_mac (
    input  wire               clk,
    input  wire               reset,
    input  wire               clear,
    input  wire               en,
    input  wire signed [7:0]  a,
    input  wire signed [7:0]  b,
    output reg  signed [19:0] acc,
    output wire signed [15:0] scaled,
    output wire               neg
);
    wire signed [15:0] prod = a * b;

    always @(posedge clk) begin
        if (reset)
            acc <= 20'sd0;
        else if (en) begin
            if (clear) acc <= prod;
            else       acc <= acc + prod;
        end
    end

    wire signed [19:0] shifted = acc >>> 4;
    assign scaled = shifted[15:0];
    assign neg    = acc < 0;
endmodule
