// spi_defs.vh -- shared constants for the SPI block
`ifndef SPI_DEFS_VH
`define SPI_DEFS_VH

`define SPI_DATA_W   8
`define SPI_DIV_W    4
`define SPI_CNT_W    4

`define SPI_ST_IDLE  2'd0
`define SPI_ST_XFER  2'd1
`define SPI_ST_DONE  2'd2

`endif
