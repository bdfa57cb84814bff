module debouncer #(
    parameter STABLE_CYCLES = 20,
    parameter CW = 5
)(
    input  wire clk,
    input  wire rst,
    input  wire btn_in,
    output reg  btn_out,
    output reg  btn_pressed
);
    reg sync_0, sync_1;
    reg [CW-1:0] cnt;

    always @(posedge clk) begin
        if (rst) begin
            sync_0 <= 1'b0;
            sync_1 <= 1'b0;
        end else begin
            sync_0 <= btn_in;
            sync_1 <= sync_0;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            cnt         <= 0;
            btn_out     <= 1'b0;
            btn_pressed <= 1'b0;
        end else begin
            btn_pressed <= 1'b0;
            if (sync_1 == btn_out) begin
                cnt <= 0;
            end else if (cnt == STABLE_CYCLES - 1) begin
                cnt         <= 0;
                btn_out     <= sync_1;
                btn_pressed <= sync_1;
            end else begin
                cnt <= cnt + 1'b1;
            end
        end
    end
endmodule
