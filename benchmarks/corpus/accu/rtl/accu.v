`timescale 1ns/1ns
module accu(
    input               clk,
    input               rst_n,
    input       [7:0]   data_in,
    input               valid_in,
    output  reg         valid_out,
    output  reg [9:0]   data_out
);
    reg [1:0] count;
    wire add_cnt;
    wire end_cnt;
    reg [9:0] data_out_reg;

    assign add_cnt = valid_in;
    assign end_cnt = add_cnt && (count == 'd3);

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n)
            count <= 0;
        else if (end_cnt)
            count <= 0;
        else if (add_cnt)
            count <= count + 1;
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n)
            data_out_reg <= 0;
        else if (valid_in && count == 0)
            data_out_reg <= data_in;
        else if (valid_in)
            data_out_reg <= data_out_reg + data_in;
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            valid_out <= 0;
            data_out <= 0;
        end else if (valid_in && count == 'd3) begin
            valid_out <= 1;
            data_out <= data_out_reg + data_in;
        end else begin
            valid_out <= 0;
        end
    end
endmodule
