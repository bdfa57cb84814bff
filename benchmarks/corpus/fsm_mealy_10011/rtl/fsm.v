module fsm(IN, MATCH, CLK, RST);
    input IN, CLK, RST;
    output reg MATCH;

    parameter s0 = 3'd0, s1 = 3'd1, s2 = 3'd2, s3 = 3'd3, s4 = 3'd4;
    reg [2:0] cs, ns;

    always @(posedge CLK or posedge RST) begin
        if (RST) cs <= s0;
        else     cs <= ns;
    end

    always @(*) begin
        case (cs)
            s0: ns = IN ? s1 : s0;   // seen nothing
            s1: ns = IN ? s1 : s2;   // 1
            s2: ns = IN ? s1 : s3;   // 10
            s3: ns = IN ? s4 : s0;   // 100
            s4: ns = IN ? s1 : s2;   // 1001 (+1 -> match, then "1")
            default: ns = s0;
        endcase
    end

    always @(*) begin
        MATCH = (cs == s4) && IN;
    end
endmodule
