`timescale 1ns/10ps
module uart_tb ();
  parameter c_CLOCK_PERIOD_NS = 20;
  parameter c_CLKS_PER_BIT    = 16;
  parameter c_BIT_PERIOD      = c_CLOCK_PERIOD_NS * c_CLKS_PER_BIT;

  reg r_Clock = 0;
  reg r_Tx_DV = 0;
  reg [7:0] r_Tx_Byte = 0;
  wire w_Tx_Serial, w_Tx_Active, w_Tx_Done;
  reg [7:0] r_Rx_Byte;
  integer n, ii, errors = 0, done_pulses = 0;

  uart_tx #(.CLKS_PER_BIT(c_CLKS_PER_BIT)) UART_TX_INST
    (.i_Clock(r_Clock),
     .i_Tx_DV(r_Tx_DV),
     .i_Tx_Byte(r_Tx_Byte),
     .o_Tx_Active(w_Tx_Active),
     .o_Tx_Serial(w_Tx_Serial),
     .o_Tx_Done(w_Tx_Done));

  always #(c_CLOCK_PERIOD_NS/2) r_Clock <= !r_Clock;

  always @(posedge r_Clock) if (w_Tx_Done === 1'b1) done_pulses = done_pulses + 1;

  // Receive one frame from the serial line, sampling in the middle of each bit
  task UART_RECEIVE;
    output [7:0] o_Data;
    integer i;
    begin
      @(negedge w_Tx_Serial);          // start bit
      #(c_BIT_PERIOD/2);
      if (w_Tx_Serial !== 1'b0) begin
        errors = errors + 1;
        $display("ERROR: bad start bit");
      end
      for (i = 0; i < 8; i = i + 1) begin
        #(c_BIT_PERIOD);
        o_Data[i] = w_Tx_Serial;
      end
      #(c_BIT_PERIOD);
      if (w_Tx_Serial !== 1'b1) begin
        errors = errors + 1;
        $display("ERROR: bad stop bit");
      end
    end
  endtask

  initial begin
    repeat (4) @(negedge r_Clock);
    if (w_Tx_Serial !== 1'b1 || w_Tx_Active !== 1'b0) begin
      errors = errors + 1;
      $display("ERROR: line not idle after power-up (serial=%b active=%b)", w_Tx_Serial, w_Tx_Active);
    end
    for (n = 0; n < 12; n = n + 1) begin
      @(negedge r_Clock);
      r_Tx_Byte = (n == 0) ? 8'hAB : (n == 1) ? 8'h00 : (n == 2) ? 8'hFF : $random;
      r_Tx_DV = 1'b1;
      @(negedge r_Clock);
      r_Tx_DV = 1'b0;
      UART_RECEIVE(r_Rx_Byte);
      if (r_Rx_Byte !== r_Tx_Byte) begin
        errors = errors + 1;
        $display("ERROR: sent %h received %h", r_Tx_Byte, r_Rx_Byte);
      end
      ii = 0;
      while (w_Tx_Active !== 1'b0 && ii < 100) begin @(negedge r_Clock); ii = ii + 1; end
      repeat (3) @(negedge r_Clock);
    end
    if (done_pulses < 12) begin
      errors = errors + 1;
      $display("ERROR: %0d done pulses for 12 bytes", done_pulses);
    end
    if (errors == 0) $display("Test Passed - 12 bytes sent correctly");
    else $display("Test Failed - %0d errors", errors);
    $finish;
  end
endmodule
