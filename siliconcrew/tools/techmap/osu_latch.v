// Positive-enable D latch -> the OSU libraries' LATCH cell (yosys 0.23's dfflibmap maps
// flops only). Negative-enable latches reach this map as $_DLATCH_P_ plus an inverter
// (dfflegalize).
module \$_DLATCH_P_ (input E, input D, output Q);
  LATCH _TECHMAP_REPLACE_ (.CLK(E), .D(D), .Q(Q));
endmodule
