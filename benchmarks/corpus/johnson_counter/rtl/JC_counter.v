module JC_counter(
   input                clk ,
   input                rst_n,
   output reg [15:0]    Q
);
    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) Q <= 16'd0;
        else if (!Q[15]) Q <= {Q[14:0], 1'b1};
        else Q <= {Q[14:0], 1'b0};
    end
endmodule
