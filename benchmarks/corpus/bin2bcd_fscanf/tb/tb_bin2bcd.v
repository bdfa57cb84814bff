`timescale 1ns/1ps
module tb_bin2bcd;
    reg  [7:0] bin;
    wire [1:0] hundreds;
    wire [3:0] tens, ones;
    integer fd, r, v, h, t, o, errors, n;
    reg [8*80:1] line;

    bin2bcd dut (.bin(bin), .hundreds(hundreds), .tens(tens), .ones(ones));

    initial begin
        errors = 0; n = 0;
        fd = $fopen("tb/bin2bcd_vectors.txt", "r");
        if (fd == 0) begin
            $display("ERROR: cannot open tb/bin2bcd_vectors.txt");
            $display("TEST FAILED");
            $finish;
        end
        while (!$feof(fd)) begin
            r = $fgets(line, fd);
            if (r > 0) begin   // comment lines do not scan as 4 numbers
                r = $sscanf(line, "%d %d %d %d", v, h, t, o);
                if (r == 4) begin
                    bin = v;
                    #10;
                    n = n + 1;
                    if (hundreds !== h || tens !== t || ones !== o) begin
                        errors = errors + 1;
                        if (errors <= 10) $display("ERROR: %0d -> %0d%0d%0d, expected %0d%0d%0d", v, hundreds, tens, ones, h, t, o);
                    end
                end
            end
        end
        $fclose(fd);
        if (n < 50) begin errors = errors + 1; $display("ERROR: only %0d vectors read", n); end
        if (errors == 0) $display("TEST PASSED (%0d vectors)", n);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
