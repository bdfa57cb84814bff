module regfile_2r1w #(
  parameter int NREG  = 8,
  parameter int WIDTH = 16,
  parameter int AW    = $clog2(NREG)
) (
  input  logic             clk,
  input  logic             rst,
  input  logic             we,
  input  logic [AW-1:0]    waddr,
  input  logic [WIDTH-1:0] wdata,
  input  logic [AW-1:0]    raddr_a,
  output logic [WIDTH-1:0] rdata_a,
  input  logic [AW-1:0]    raddr_b,
  output logic [WIDTH-1:0] rdata_b
);
  // flattened 2-D array (yosys 0.23 reads no multi-dimensional packed arrays)
  logic [NREG*WIDTH-1:0] regs;

  always_ff @(posedge clk) begin
    if (rst) begin
      regs <= '0;
    end else if (we && waddr != '0) begin
      regs[waddr*WIDTH +: WIDTH] <= wdata;
    end
  end

  assign rdata_a = (raddr_a == '0) ? '0 : regs[raddr_a*WIDTH +: WIDTH];
  assign rdata_b = (raddr_b == '0) ? '0 : regs[raddr_b*WIDTH +: WIDTH];
endmodule
