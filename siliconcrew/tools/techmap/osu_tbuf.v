// Tri-state driver -> the OSU libraries' tri-state buffer. TBUFX1 inverts (Y = EN ? !A : z,
// liberty: function "(!A)", three_state "(!EN)"), so the data goes through an inverter that
// the cell mapping (abc) may fold into the logic that drives it.
module \$_TBUF_ (input A, input E, output Y);
  wire a_n;
  \$_NOT_ _inv_ (.A(A), .Y(a_n));
  TBUFX1 _TECHMAP_REPLACE_ (.A(a_n), .EN(E), .Y(Y));
endmodule
