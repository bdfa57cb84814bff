module periph_reg #(
    parameter [1:0] ADDR  = 2'd0,
    parameter [7:0] RESET = 8'h00
) (
    input  wire       clk,
    input  wire       rst,
    input  wire [1:0] addr,
    input  wire       wr,
    input  wire [7:0] wdata,
    output wire       sel,
    inout  tri  [7:0] rbus
);
    reg [7:0] value;
    assign sel = (addr == ADDR);
    always @(posedge clk)
        if (rst)             value <= RESET;
        else if (wr && sel)  value <= wdata;
    assign rbus = sel ? value : 8'bz;
endmodule

module periph_bus (
    input  wire       clk,
    input  wire       rst,
    input  wire [1:0] addr,
    input  wire       wr,
    input  wire [7:0] wdata,
    output wire [7:0] rdata
);
    tri  [7:0] rbus;
    wire       sel0, sel1, sel2;

    periph_reg #(.ADDR(2'd0), .RESET(8'h11)) p0 (.clk(clk), .rst(rst), .addr(addr), .wr(wr), .wdata(wdata), .sel(sel0), .rbus(rbus));
    periph_reg #(.ADDR(2'd1), .RESET(8'h22)) p1 (.clk(clk), .rst(rst), .addr(addr), .wr(wr), .wdata(wdata), .sel(sel1), .rbus(rbus));
    periph_reg #(.ADDR(2'd2), .RESET(8'h33)) p2 (.clk(clk), .rst(rst), .addr(addr), .wr(wr), .wdata(wdata), .sel(sel2), .rbus(rbus));

    // nobody selected: the bus reads all ones
    assign rbus  = (sel0 | sel1 | sel2) ? 8'bz : 8'hFF;
    assign rdata = rbus;
endmodule
