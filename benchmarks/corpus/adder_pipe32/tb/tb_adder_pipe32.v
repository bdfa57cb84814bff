`timescale 1ns/1ps
module tb_adder_pipe32;
    reg clk = 0;
    reg rst_n = 0;
    reg i_en = 0;
    reg [31:0] adda = 0, addb = 0;
    wire [32:0] result;
    wire o_en;

    reg [32:0] expq [0:3];
    reg        envq [0:3];
    integer i, k, errors = 0, checked = 0;

    adder_pipe32 dut (.clk(clk), .rst_n(rst_n), .i_en(i_en), .adda(adda), .addb(addb),
                      .result(result), .o_en(o_en));

    always #10 clk = ~clk;

    initial begin
        for (k = 0; k < 4; k = k + 1) begin expq[k] = 0; envq[k] = 0; end
        repeat (3) @(negedge clk);
        rst_n = 1;
        for (i = 0; i < 400; i = i + 1) begin
            @(negedge clk);
            adda = $random; addb = $random; i_en = (i % 5) != 2;
            if (i == 7) begin adda = 32'hFFFFFFFF; addb = 32'h1; end
            @(posedge clk); #1;
            for (k = 3; k > 0; k = k - 1) begin expq[k] = expq[k-1]; envq[k] = envq[k-1]; end
            expq[0] = {1'b0, adda} + {1'b0, addb};
            envq[0] = i_en;
            if (i >= 3) begin
                checked = checked + 1;
                if (o_en !== envq[3] || result !== expq[3]) begin
                    errors = errors + 1;
                    if (errors <= 10) $display("ERROR: cycle %0d result=%h o_en=%b expected %h %b",
                             i, result, o_en, expq[3], envq[3]);
                end
            end
        end
        if (errors == 0) $display("TEST PASSED: %0d results checked", checked);
        else             $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
