// Registered 64:1 multiplexer of 8-bit words: y = data[8*sel +: 8].
// Every input and output is registered, so the critical path is the
// 64-way select tree between the input registers and the output register.
module mux64 (
    input  wire         clk,
    input  wire         rst,
    input  wire [511:0] data,
    input  wire [5:0]   sel,
    output reg  [7:0]   y
);
    reg [511:0] data_q;
    reg [5:0]   sel_q;

    always @(posedge clk) begin
        if (rst) begin
            data_q <= 512'd0;
            sel_q  <= 6'd0;
            y      <= 8'd0;
        end else begin
            data_q <= data;
            sel_q  <= sel;
            y      <= data_q[{sel_q, 3'b000} +: 8];
        end
    end
endmodule
