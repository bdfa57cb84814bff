module pwm (
    input  wire       clk,
    input  wire       rst_n,
    input  wire [7:0] duty,
    output reg        pwm_out
);
    reg [7:0] counter;
    reg [7:0] duty_reg;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            counter  <= 8'd0;
            duty_reg <= 8'd0;
        end else begin
            counter <= counter + 8'd1;
            if (counter == 8'hFF)
                duty_reg <= duty;
        end
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) pwm_out <= 1'b0;
        else        pwm_out <= (counter < duty_reg);
    end
endmodule
