module sync_delay_top #(
    parameter DEPTH0 = 3
) (
    input  wire       clk,
    input  wire       rst_n,
    input  wire [7:0] a,
    input  wire [3:0] b,
    input  wire       c,
    output wire [7:0] qa,
    output wire [3:0] qb,
    output wire       qc
);
    delay_line #(.WIDTH(8), .DEPTH(DEPTH0), .RESET_KIND(0)) d0 (.clk(clk), .rst_n(rst_n), .d(a), .q(qa));
    delay_line #(.WIDTH(4), .DEPTH(2),      .RESET_KIND(1)) d1 (.clk(clk), .rst_n(rst_n), .d(b), .q(qb));
    delay_line #(.WIDTH(1), .DEPTH(0),      .RESET_KIND(2)) d2 (.clk(clk), .rst_n(rst_n), .d(c), .q(qc));
endmodule
