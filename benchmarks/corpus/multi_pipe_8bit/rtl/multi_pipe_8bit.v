module multi_pipe_8bit #(
    parameter size = 8
)(
    input                   clk,
    input                   rst_n,
    input                   mul_en_in,
    input      [size-1:0]   mul_a,
    input      [size-1:0]   mul_b,
    output reg              mul_en_out,
    output reg [size*2-1:0] mul_out
);
    reg [2:0] mul_en_out_reg;
    reg [size-1:0] mul_a_reg;
    reg [size-1:0] mul_b_reg;

    wire [size*2-1:0] temp [size-1:0];
    reg  [size*2-1:0] sum  [3:0];
    reg  [size*2-1:0] mul_out_reg;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            mul_en_out_reg <= 3'b0;
            mul_en_out     <= 1'b0;
        end else begin
            mul_en_out_reg <= {mul_en_out_reg[1:0], mul_en_in};
            mul_en_out     <= mul_en_out_reg[2];
        end
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            mul_a_reg <= 'd0;
            mul_b_reg <= 'd0;
        end else if (mul_en_in) begin
            mul_a_reg <= mul_a;
            mul_b_reg <= mul_b;
        end
    end

    genvar i;
    generate
        for (i = 0; i < size; i = i + 1) begin : pp
            assign temp[i] = mul_b_reg[i] ? ({{size{1'b0}}, mul_a_reg} << i) : 'd0;
        end
    endgenerate

    integer j;
    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            for (j = 0; j < 4; j = j + 1) sum[j] <= 'd0;
        end else begin
            sum[0] <= temp[0] + temp[1];
            sum[1] <= temp[2] + temp[3];
            sum[2] <= temp[4] + temp[5];
            sum[3] <= temp[6] + temp[7];
        end
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) mul_out_reg <= 'd0;
        else        mul_out_reg <= sum[0] + sum[1] + sum[2] + sum[3];
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) mul_out <= 'd0;
        else if (mul_en_out_reg[2]) mul_out <= mul_out_reg;
        else mul_out <= 'd0;
    end
endmodule
