module adder_pipe32 (
    input             clk,
    input             rst_n,
    input             i_en,
    input      [31:0] adda,
    input      [31:0] addb,
    output reg [32:0] result,
    output reg        o_en
);
    // stage 1: byte 0
    reg [8:0]  s1_sum;
    reg [31:8] s1_a, s1_b;
    reg        s1_en;
    // stage 2: byte 1
    reg [16:0] s2_sum;
    reg [31:16] s2_a, s2_b;
    reg        s2_en;
    // stage 3: byte 2
    reg [24:0] s3_sum;
    reg [31:24] s3_a, s3_b;
    reg        s3_en;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            s1_sum <= 0; s1_a <= 0; s1_b <= 0; s1_en <= 0;
            s2_sum <= 0; s2_a <= 0; s2_b <= 0; s2_en <= 0;
            s3_sum <= 0; s3_a <= 0; s3_b <= 0; s3_en <= 0;
            result <= 0; o_en <= 0;
        end else begin
            s1_sum <= adda[7:0] + addb[7:0];
            s1_a   <= adda[31:8];
            s1_b   <= addb[31:8];
            s1_en  <= i_en;

            s2_sum <= {{1'b0, s1_a[15:8]} + {1'b0, s1_b[15:8]} + s1_sum[8], s1_sum[7:0]};
            s2_a   <= s1_a[31:16];
            s2_b   <= s1_b[31:16];
            s2_en  <= s1_en;

            s3_sum <= {{1'b0, s2_a[23:16]} + {1'b0, s2_b[23:16]} + s2_sum[16], s2_sum[15:0]};
            s3_a   <= s2_a[31:24];
            s3_b   <= s2_b[31:24];
            s3_en  <= s2_en;

            result <= {{1'b0, s3_a} + {1'b0, s3_b} + s3_sum[24], s3_sum[23:0]};
            o_en   <= s3_en;
        end
    end
endmodule
