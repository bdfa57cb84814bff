module gray_counter #(parameter N = 8) (
    input  wire         clk,
    input  wire         rst_n,
    input  wire         en,
    output reg  [N-1:0] gray
);
    reg  [N-1:0] bin;
    wire [N-1:0] bin_next  = bin + 1'b1;
    wire [N-1:0] gray_next = (bin_next >> 1) ^ bin_next;

    always @(posedge clk or negedge rst_n)
        if (!rst_n) begin
            bin  <= {N{1'b0}};
            gray <= {N{1'b0}};
        end else if (en) begin
            bin  <= bin_next;
            gray <= gray_next;
        end
endmodule
