module blinky #(parameter HALF_PERIOD = 50) (
    input  clk,
    output reg led,
    output tick
);
    reg [7:0] counter;

    initial begin
        counter = 8'd0;
        led = 1'b0;
    end

    assign tick = (counter == HALF_PERIOD - 1);

    always @(posedge clk) begin
        if (tick) begin
            counter <= 8'd0;
            led <= ~led;
        end else begin
            counter <= counter + 8'd1;
        end
    end
endmodule
