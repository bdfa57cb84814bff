module sync_fifo #(
    parameter DWIDTH = 8,
    parameter AWIDTH = 4
)(
    input                   clk,
    input                   rst_n,
    input                   wr_en,
    input      [DWIDTH-1:0] wdata,
    input                   rd_en,
    output reg [DWIDTH-1:0] rdata,
    output                  full,
    output                  empty,
    output     [AWIDTH:0]   count
);
    localparam DEPTH = 1 << AWIDTH;

    reg [DWIDTH-1:0] mem [0:DEPTH-1];
    reg [AWIDTH:0]   wptr, rptr;

    wire do_write = wr_en && !full;
    wire do_read  = rd_en && !empty;

    always @(posedge clk) begin
        if (do_write)
            mem[wptr[AWIDTH-1:0]] <= wdata;
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            wptr  <= 0;
            rptr  <= 0;
            rdata <= 0;
        end else begin
            if (do_write) wptr <= wptr + 1'b1;
            if (do_read) begin
                rdata <= mem[rptr[AWIDTH-1:0]];
                rptr  <= rptr + 1'b1;
            end
        end
    end

    assign count = wptr - rptr;
    assign empty = (wptr == rptr);
    assign full  = (wptr[AWIDTH] != rptr[AWIDTH]) && (wptr[AWIDTH-1:0] == rptr[AWIDTH-1:0]);
endmodule
