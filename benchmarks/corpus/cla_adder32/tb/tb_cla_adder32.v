`timescale 1ns/1ps
module tb_cla_adder32;
    reg  [31:0] A, B;
    reg         Cin;
    wire [31:0] S;
    wire        Cout;
    reg  [32:0] expected;
    integer i, errors;

    cla_adder32 dut (.A(A), .B(B), .Cin(Cin), .S(S), .Cout(Cout));

    initial begin
        errors = 0;
        for (i = 0; i < 3000; i = i + 1) begin
            A = $random; B = $random; Cin = $random;
            if (i == 0) begin A = 32'hFFFFFFFF; B = 32'h0; Cin = 1; end
            if (i == 1) begin A = 32'hFFFFFFFF; B = 32'hFFFFFFFF; Cin = 1; end
            if (i == 2) begin A = 32'h7FFFFFFF; B = 32'h1; Cin = 0; end
            #10;
            expected = {1'b0, A} + {1'b0, B} + Cin;
            if ({Cout, S} !== expected) begin
                errors = errors + 1;
                if (errors < 10)
                    $display("ERROR: %h + %h + %b -> %h, expected %h", A, B, Cin, {Cout, S}, expected);
            end
        end
        if (errors == 0) $display("TEST PASSED (3000 vectors)");
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
