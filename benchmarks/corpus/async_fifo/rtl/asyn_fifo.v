module dual_port_RAM #(parameter DEPTH = 8, parameter WIDTH = 8) (
    input                     wclk,
    input                     wenc,
    input  [$clog2(DEPTH)-1:0] waddr,
    input  [WIDTH-1:0]        wdata,
    input                     rclk,
    input                     renc,
    input  [$clog2(DEPTH)-1:0] raddr,
    output reg [WIDTH-1:0]    rdata
);
    reg [WIDTH-1:0] RAM_MEM [0:DEPTH-1];

    always @(posedge wclk) begin
        if (wenc) RAM_MEM[waddr] <= wdata;
    end

    always @(posedge rclk) begin
        if (renc) rdata <= RAM_MEM[raddr];
    end
endmodule

module asyn_fifo #(
    parameter WIDTH = 8,
    parameter DEPTH = 8
)(
    input                   wclk,
    input                   rclk,
    input                   wrstn,
    input                   rrstn,
    input                   winc,
    input                   rinc,
    input      [WIDTH-1:0]  wdata,
    output wire             wfull,
    output wire             rempty,
    output wire [WIDTH-1:0] rdata
);
    localparam ADDR_WIDTH = $clog2(DEPTH);

    reg  [ADDR_WIDTH:0] waddr_bin, raddr_bin;
    wire [ADDR_WIDTH:0] waddr_gray, raddr_gray;
    reg  [ADDR_WIDTH:0] wptr, rptr;           // gray pointers, registered
    reg  [ADDR_WIDTH:0] wptr_sync1, wptr_sync2;   // write pointer in the read domain
    reg  [ADDR_WIDTH:0] rptr_sync1, rptr_sync2;   // read pointer in the write domain

    wire wenc = winc & ~wfull;
    wire renc = rinc & ~rempty;

    always @(posedge wclk or negedge wrstn) begin
        if (~wrstn) waddr_bin <= 'd0;
        else if (wenc) waddr_bin <= waddr_bin + 1'd1;
    end

    always @(posedge rclk or negedge rrstn) begin
        if (~rrstn) raddr_bin <= 'd0;
        else if (renc) raddr_bin <= raddr_bin + 1'd1;
    end

    assign waddr_gray = waddr_bin ^ (waddr_bin >> 1);
    assign raddr_gray = raddr_bin ^ (raddr_bin >> 1);

    always @(posedge wclk or negedge wrstn) begin
        if (~wrstn) wptr <= 'd0;
        else        wptr <= waddr_gray;
    end

    always @(posedge rclk or negedge rrstn) begin
        if (~rrstn) rptr <= 'd0;
        else        rptr <= raddr_gray;
    end

    always @(posedge wclk or negedge wrstn) begin
        if (~wrstn) begin rptr_sync1 <= 'd0; rptr_sync2 <= 'd0; end
        else begin rptr_sync1 <= rptr; rptr_sync2 <= rptr_sync1; end
    end

    always @(posedge rclk or negedge rrstn) begin
        if (~rrstn) begin wptr_sync1 <= 'd0; wptr_sync2 <= 'd0; end
        else begin wptr_sync1 <= wptr; wptr_sync2 <= wptr_sync1; end
    end

    assign wfull  = (waddr_gray == {~rptr_sync2[ADDR_WIDTH:ADDR_WIDTH-1], rptr_sync2[ADDR_WIDTH-2:0]});
    assign rempty = (raddr_gray == wptr_sync2);

    dual_port_RAM #(.DEPTH(DEPTH), .WIDTH(WIDTH)) u_ram (
        .wclk(wclk), .wenc(wenc), .waddr(waddr_bin[ADDR_WIDTH-1:0]), .wdata(wdata),
        .rclk(rclk), .renc(renc), .raddr(raddr_bin[ADDR_WIDTH-1:0]), .rdata(rdata));
endmodule
