// Maximum of eight 16-bit unsigned values, lane i = data[16*i +: 16].
// Written as a linear running-max chain (for loop), so the critical path is
// seven compare+select stages in series between the input and output registers.
module max8x16 (
    input  wire         clk,
    input  wire         rst,
    input  wire         in_valid,
    input  wire [127:0] data,
    output reg          out_valid,
    output reg  [15:0]  max_val
);
    reg [127:0] data_q;
    reg         v_q;
    reg [15:0]  m;
    integer     i;

    always @(*) begin
        m = data_q[15:0];
        for (i = 1; i < 8; i = i + 1)
            if (data_q[16*i +: 16] > m)
                m = data_q[16*i +: 16];
    end

    always @(posedge clk) begin
        if (rst) begin
            data_q    <= 128'd0;
            v_q       <= 1'b0;
            max_val   <= 16'd0;
            out_valid <= 1'b0;
        end else begin
            data_q    <= data;
            v_q       <= in_valid;
            max_val   <= m;
            out_valid <= v_q;
        end
    end
endmodule
