// SPI master, mode 0, MSB first.
`include "spi_defs.vh"

module spi_master (
    input  wire                   clk,
    input  wire                   rst_n,
    input  wire                   start,
    input  wire [`SPI_DATA_W-1:0] tx_data,
    input  wire [`SPI_DIV_W-1:0]  clk_div,
    output reg  [`SPI_DATA_W-1:0] rx_data,
    output reg                    busy,
    output reg                    done,
    output reg                    sclk,
    output reg                    mosi,
    input  wire                   miso,
    output reg                    cs_n
);

    reg [1:0]              state;
    reg [`SPI_DIV_W-1:0]   div_cnt;
    reg [`SPI_CNT_W-1:0]   bit_cnt;
    reg [`SPI_DATA_W-1:0]  sh_tx;
    reg [`SPI_DATA_W-1:0]  sh_rx;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            state   <= `SPI_ST_IDLE;
            div_cnt <= {`SPI_DIV_W{1'b0}};
            bit_cnt <= {`SPI_CNT_W{1'b0}};
            sh_tx   <= {`SPI_DATA_W{1'b0}};
            sh_rx   <= {`SPI_DATA_W{1'b0}};
            rx_data <= {`SPI_DATA_W{1'b0}};
            sclk    <= 1'b0;
            mosi    <= 1'b0;
            cs_n    <= 1'b1;
            busy    <= 1'b0;
            done    <= 1'b0;
        end else begin
            done <= 1'b0;
            case (state)
                `SPI_ST_IDLE: begin
                    if (start) begin
                        sh_tx   <= tx_data;
                        mosi    <= tx_data[`SPI_DATA_W-1];
                        cs_n    <= 1'b0;
                        busy    <= 1'b1;
                        sclk    <= 1'b0;
                        div_cnt <= clk_div;
                        bit_cnt <= {`SPI_CNT_W{1'b0}};
                        state   <= `SPI_ST_XFER;
                    end
                end
                `SPI_ST_XFER: begin
                    if (div_cnt != 0) begin
                        div_cnt <= div_cnt - 1'b1;
                    end else begin
                        div_cnt <= clk_div;
                        if (!sclk) begin                  // rising edge: sample
                            sclk    <= 1'b1;
                            sh_rx   <= {sh_rx[`SPI_DATA_W-2:0], miso};
                            bit_cnt <= bit_cnt + 1'b1;
                        end else begin                    // falling edge: shift
                            sclk <= 1'b0;
                            if (bit_cnt == `SPI_DATA_W) begin
                                state <= `SPI_ST_DONE;
                            end else begin
                                sh_tx <= {sh_tx[`SPI_DATA_W-2:0], 1'b0};
                                mosi  <= sh_tx[`SPI_DATA_W-2];
                            end
                        end
                    end
                end
                `SPI_ST_DONE: begin
                    cs_n    <= 1'b1;
                    busy    <= 1'b0;
                    done    <= 1'b1;
                    mosi    <= 1'b0;
                    rx_data <= sh_rx;
                    state   <= `SPI_ST_IDLE;
                end
                default: state <= `SPI_ST_IDLE;
            endcase
        end
    end

endmodule
