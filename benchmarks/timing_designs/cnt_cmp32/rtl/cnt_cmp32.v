// 32-bit counter with a wide compare: while en is high the counter increments;
// when it equals limit it reloads to 0 and pulses hit for one cycle.
// load/load_val preload the counter. All inputs are registered; count and hit
// are registers, so the critical path is count -> (== limit, +1) -> count.
module cnt_cmp32 (
    input  wire        clk,
    input  wire        rst,
    input  wire        en,
    input  wire        load,
    input  wire [31:0] load_val,
    input  wire [31:0] limit,
    output reg  [31:0] count,
    output reg         hit
);
    reg        en_q, load_q;
    reg [31:0] load_val_q, limit_q;

    always @(posedge clk) begin
        if (rst) begin
            en_q       <= 1'b0;
            load_q     <= 1'b0;
            load_val_q <= 32'd0;
            limit_q    <= 32'd0;
        end else begin
            en_q       <= en;
            load_q     <= load;
            load_val_q <= load_val;
            limit_q    <= limit;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            count <= 32'd0;
            hit   <= 1'b0;
        end else if (load_q) begin
            count <= load_val_q;
            hit   <= 1'b0;
        end else if (en_q) begin
            if (count == limit_q) begin
                count <= 32'd0;
                hit   <= 1'b1;
            end else begin
                count <= count + 32'd1;
                hit   <= 1'b0;
            end
        end else begin
            hit <= 1'b0;
        end
    end
endmodule
