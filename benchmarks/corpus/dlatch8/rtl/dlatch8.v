module dlatch8 (
    input            en,
    input            rst_n,
    input      [7:0] d,
    output reg [7:0] q,
    output     [7:0] q_n
);
    always @(en or d or rst_n) begin
        if (!rst_n)
            q <= 8'h00;
        else if (en)
            q <= d;
    end

    assign q_n = ~q;
endmodule
