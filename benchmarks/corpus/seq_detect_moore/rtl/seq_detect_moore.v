module seq_detect_moore (
    input  clk,
    input  reset,
    input  din,
    output detected
);
    localparam IDLE = 3'b000,
               S1   = 3'b001,   // 1
               S10  = 3'b010,   // 10
               S101 = 3'b011,   // 101
               S1011= 3'b100;   // 1011 (output state)

    reg [2:0] state;

    always @(posedge clk) begin
        if (reset)
            state <= IDLE;
        else begin
            case (state)
                IDLE:  state <= din ? S1   : IDLE;
                S1:    state <= din ? S1   : S10;
                S10:   state <= din ? S101 : IDLE;
                S101:  state <= din ? S1011: S10;
                S1011: state <= din ? S1   : S10;
                default: state <= IDLE;
            endcase
        end
    end

    assign detected = (state == S1011);
endmodule
