`timescale 1ns/1ps
module tb_sync_delay_top;
    reg clk = 0, rst_n = 0;
    reg [7:0] a = 0;
    reg [3:0] b = 0;
    reg c = 0;
    wire [7:0] qa;
    wire [3:0] qb;
    wire qc;

    sync_delay_top dut (.clk(clk), .rst_n(rst_n), .a(a), .b(b), .c(c), .qa(qa), .qb(qb), .qc(qc));
    defparam dut.DEPTH0 = 3;

    always #5 clk = ~clk;

    reg [7:0] ha [0:3];
    reg [3:0] hb [0:3];
    integer errors = 0, n, k;

    initial begin
        for (k = 0; k < 4; k = k + 1) begin ha[k] = 0; hb[k] = 0; end
        #2;
        @(negedge clk); @(negedge clk);
        if (qa !== 8'h00) begin errors = errors + 1; $display("ERROR: qa=%h during async reset", qa); end
        rst_n = 1;
        for (n = 0; n < 300; n = n + 1) begin
            @(negedge clk);
            a = $random; b = $random; c = $random;
            #1;
            if (qc !== c) begin errors = errors + 1; $display("ERROR: qc=%b expected %b", qc, c); end
            @(posedge clk);
            for (k = 3; k > 0; k = k - 1) begin ha[k] = ha[k-1]; hb[k] = hb[k-1]; end
            ha[0] = a; hb[0] = b;
            #1;
            if (qa !== ha[2]) begin errors = errors + 1; if (errors < 10) $display("ERROR: qa=%h expected %h", qa, ha[2]); end
            if (qb !== hb[1]) begin errors = errors + 1; if (errors < 10) $display("ERROR: qb=%h expected %h", qb, hb[1]); end
        end
        // the synchronous reset acts only at a clock edge, the asynchronous one at once
        @(negedge clk); rst_n = 0; #1;
        if (qa !== 8'h00) begin errors = errors + 1; $display("ERROR: qa=%h after async reset", qa); end
        if (qb !== hb[1]) begin errors = errors + 1; $display("ERROR: qb=%h changed before the clock edge", qb); end
        @(posedge clk); #1;
        if (qb !== 4'h0) begin errors = errors + 1; $display("ERROR: qb=%h after sync reset edge", qb); end
        if (errors == 0) $display("PASS: delay lines match (300 cycles)");
        else $display("FAIL: %0d errors", errors);
        $finish;
    end
endmodule
