`timescale 1ns/1ps
module testbench;
    reg  [15:0] A;
    reg  [7:0]  B;
    wire [15:0] result, odd;
    integer i, error = 0;

    div_16bit uut (.A(A), .B(B), .result(result), .odd(odd));

    initial begin
        for (i = 0; i < 1000; i = i + 1) begin
            A = $random;
            B = $random;
            if (B == 0) B = 8'd1;
            if (i == 0) begin A = 16'hFFFF; B = 8'd1; end
            if (i == 1) begin A = 16'hFFFF; B = 8'd255; end
            #40;
            if (result !== A / B || odd !== A % B) begin
                error = error + 1;
                if (error <= 10)
                    $display("ERROR: %0d / %0d gave %0d r %0d (expected %0d r %0d)",
                             A, B, result, odd, A / B, A % B);
            end
        end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Error=========== (%0d FAILED)", error);
        $finish;
    end
endmodule
