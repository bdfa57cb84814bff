module alu (
    input      [7:0] a,
    input      [7:0] b,
    input      [2:0] op,
    output reg [7:0] y,
    output           zero,
    output reg       carry,
    output reg       overflow
);
    parameter ADD = 3'd0, SUB = 3'd1, AND = 3'd2, OR = 3'd3,
              XOR = 3'd4, SLT = 3'd5, SHL = 3'd6, SRA = 3'd7;

    reg [8:0] tmp;

    always @(*) begin
        carry = 1'b0;
        overflow = 1'b0;
        tmp = 9'd0;
        case (op)
            ADD: begin
                tmp = {1'b0, a} + {1'b0, b};
                y = tmp[7:0];
                carry = tmp[8];
                overflow = (a[7] == b[7]) && (y[7] != a[7]);
            end
            SUB: begin
                tmp = {1'b0, a} + {1'b0, ~b} + 9'd1;
                y = tmp[7:0];
                carry = tmp[8];
                overflow = (a[7] != b[7]) && (y[7] != a[7]);
            end
            AND: y = a & b;
            OR:  y = a | b;
            XOR: y = a ^ b;
            SLT: y = ($signed(a) < $signed(b)) ? 8'd1 : 8'd0;
            SHL: y = a << b[2:0];
            SRA: y = $signed(a) >>> b[2:0];
            default: y = 8'd0;
        endcase
    end

    assign zero = (y == 8'd0);
endmodule
