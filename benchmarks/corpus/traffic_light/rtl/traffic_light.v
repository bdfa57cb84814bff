module traffic_light (
    input            rst_n,
    input            clk,
    input            pass_request,
    output reg [7:0] clock,
    output reg       red,
    output reg       yellow,
    output reg       green
);
    parameter idle = 2'd0, s1_red = 2'd1, s2_yellow = 2'd2, s3_green = 2'd3;

    reg [1:0] state;
    reg [7:0] cnt;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            state <= idle;
            cnt   <= 8'd10;
        end else begin
            case (state)
                idle: begin
                    state <= s3_green;
                    cnt   <= 8'd10;
                end
                s3_green: begin
                    if (cnt == 8'd1) begin
                        state <= s2_yellow;
                        cnt   <= 8'd3;
                    end else if (pass_request && cnt > 8'd3)
                        cnt <= 8'd3;
                    else
                        cnt <= cnt - 1'b1;
                end
                s2_yellow: begin
                    if (cnt == 8'd1) begin
                        state <= s1_red;
                        cnt   <= 8'd8;
                    end else
                        cnt <= cnt - 1'b1;
                end
                s1_red: begin
                    if (cnt == 8'd1) begin
                        state <= s3_green;
                        cnt   <= 8'd10;
                    end else
                        cnt <= cnt - 1'b1;
                end
            endcase
        end
    end

    always @(*) begin
        clock  = cnt;
        red    = (state == s1_red);
        yellow = (state == s2_yellow);
        green  = (state == s3_green) || (state == idle);
    end
endmodule
