`timescale 1ns/1ps
module tb_alu;
    reg  [7:0] a, b;
    reg  [2:0] op;
    wire [7:0] y;
    wire zero, carry, overflow;
    reg  [7:0] ey;
    reg  ec, ev;
    reg  [8:0] t;
    integer i, errors = 0;

    alu dut (a, b, op, y, zero, carry, overflow);

    initial begin
        for (i = 0; i < 4000; i = i + 1) begin
            a = $random; b = $random; op = i % 8;
            if (i < 16) begin a = 8'h80; b = (i < 8) ? 8'h80 : 8'h7F; end
            #10;
            ec = 0; ev = 0;
            case (op)
                0: begin t = a + b; ey = t[7:0]; ec = t[8]; ev = (a[7] == b[7]) && (ey[7] != a[7]); end
                1: begin t = {1'b0, a} - {1'b0, b}; ey = t[7:0]; ec = (a >= b); ev = (a[7] != b[7]) && (ey[7] != a[7]); end
                2: ey = a & b;
                3: ey = a | b;
                4: ey = a ^ b;
                5: ey = ($signed(a) < $signed(b));
                6: ey = a << b[2:0];
                7: ey = $signed(a) >>> b[2:0];
            endcase
            if (y !== ey || zero !== (ey == 0) || carry !== ec || overflow !== ev) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("ERROR: op=%0d a=%h b=%h -> y=%h z%b c%b v%b, expected y=%h c%b v%b",
                             op, a, b, y, zero, carry, overflow, ey, ec, ev);
            end
        end
        if (errors == 0) $display("TEST PASSED");
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
