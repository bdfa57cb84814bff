// UART receiver 8N1 with a reset (no initial values).
module uart_rx #(
    parameter CLKS_PER_BIT = 434
) (
    input  wire       clk,
    input  wire       rst_n,
    input  wire       rx,
    output reg  [7:0] data,
    output reg        valid,
    output reg        frame_err
);
    localparam CW = $clog2(CLKS_PER_BIT);

    localparam S_IDLE  = 3'd0,
               S_START = 3'd1,
               S_DATA  = 3'd2,
               S_STOP  = 3'd3;

    reg        rx_meta, rx_sync;
    reg [2:0]  state;
    reg [CW-1:0] cnt;
    reg [2:0]  bit_idx;
    reg [7:0]  shreg;

    // two-flop synchroniser
    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            rx_meta <= 1'b1;
            rx_sync <= 1'b1;
        end else begin
            rx_meta <= rx;
            rx_sync <= rx_meta;
        end
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            state     <= S_IDLE;
            cnt       <= 0;
            bit_idx   <= 3'd0;
            shreg     <= 8'h00;
            data      <= 8'h00;
            valid     <= 1'b0;
            frame_err <= 1'b0;
        end else begin
            valid     <= 1'b0;
            frame_err <= 1'b0;
            case (state)
                S_IDLE: begin
                    cnt     <= 0;
                    bit_idx <= 3'd0;
                    if (rx_sync == 1'b0)
                        state <= S_START;
                end
                S_START: begin
                    if (cnt == (CLKS_PER_BIT - 1) / 2) begin
                        cnt <= 0;
                        if (rx_sync == 1'b0) state <= S_DATA;   // still low: a real start bit
                        else                 state <= S_IDLE;   // glitch
                    end else begin
                        cnt <= cnt + 1'b1;
                    end
                end
                S_DATA: begin
                    if (cnt == CLKS_PER_BIT - 1) begin
                        cnt            <= 0;
                        shreg[bit_idx] <= rx_sync;
                        if (bit_idx == 3'd7) state <= S_STOP;
                        bit_idx <= bit_idx + 1'b1;
                    end else begin
                        cnt <= cnt + 1'b1;
                    end
                end
                S_STOP: begin
                    if (cnt == CLKS_PER_BIT - 1) begin
                        cnt <= 0;
                        if (rx_sync) begin
                            data  <= shreg;
                            valid <= 1'b1;
                        end else begin
                            frame_err <= 1'b1;
                        end
                        state <= S_IDLE;
                    end else begin
                        cnt <= cnt + 1'b1;
                    end
                end
                default: state <= S_IDLE;
            endcase
        end
    end
endmodule
