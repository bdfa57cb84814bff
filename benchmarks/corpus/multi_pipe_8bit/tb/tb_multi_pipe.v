`timescale 1ns/1ps
module tb_multi_pipe();
    reg clk, rst_n, mul_en_in;
    reg [7:0] mul_a, mul_b;
    wire mul_en_out;
    wire [15:0] mul_out;
    reg [15:0] expq [0:7];
    integer i, k, error, checked;

    multi_pipe_8bit u1 (.clk(clk), .rst_n(rst_n), .mul_a(mul_a), .mul_b(mul_b),
                        .mul_en_in(mul_en_in), .mul_en_out(mul_en_out), .mul_out(mul_out));

    initial clk = 0;
    always #10 clk = ~clk;

    // Each operand pair is held for one cycle with mul_en_in high; the result must show
    // up with mul_en_out exactly 4 clock edges after the operands were captured.
    initial begin
        error = 0; checked = 0;
        rst_n = 0; mul_en_in = 0; mul_a = 0; mul_b = 0;
        repeat (2) @(negedge clk);
        rst_n = 1;
        for (i = 0; i < 300; i = i + 1) begin
            @(negedge clk);
            mul_a = $random; mul_b = $random;
            if (i == 5) begin mul_a = 8'hFF; mul_b = 8'hFF; end
            mul_en_in = 1;
            @(negedge clk);
            mul_en_in = 0;
            expected = mul_a * mul_b;
            repeat (3) @(negedge clk);
            // after 4 posedges since capture the output is valid
            if (mul_en_out !== 1'b1 || mul_out !== expected) begin
                error = error + 1;
                if (error <= 10)
                    $display("ERROR: %0d * %0d: mul_out=%0d en=%b expected %0d",
                             mul_a, mul_b, mul_out, mul_en_out, expected);
            end
            checked = checked + 1;
            @(negedge clk);
            if (mul_en_out !== 1'b0 || mul_out !== 16'd0) begin
                error = error + 1;
                if (error <= 10) $display("ERROR: output not cleared after valid cycle");
            end
        end
        if (error == 0) $display("===========Your Design Passed===========");
        else $display("===========Test completed with %0d FAILED===========", error);
        $finish;
    end
    reg [15:0] expected;
endmodule
