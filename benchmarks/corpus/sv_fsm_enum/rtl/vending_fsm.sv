module vending_fsm (
    input  logic clk,
    input  logic reset,
    input  logic nickel,
    input  logic dime,
    output logic dispense,
    output logic change
);
    typedef enum logic [1:0] {
        CREDIT_0  = 2'd0,
        CREDIT_5  = 2'd1,
        CREDIT_10 = 2'd2
    } state_t;

    state_t state, next_state;

    always_ff @(posedge clk) begin
        if (reset) state <= CREDIT_0;
        else       state <= next_state;
    end

    always_comb begin
        next_state = state;
        dispense   = 1'b0;
        change     = 1'b0;
        unique case (state)
            CREDIT_0: begin
                if (nickel)    next_state = CREDIT_5;
                else if (dime) next_state = CREDIT_10;
            end
            CREDIT_5: begin
                if (nickel)    next_state = CREDIT_10;
                else if (dime) begin next_state = CREDIT_0; dispense = 1'b1; end
            end
            CREDIT_10: begin
                if (nickel)    begin next_state = CREDIT_0; dispense = 1'b1; end
                else if (dime) begin next_state = CREDIT_0; dispense = 1'b1; change = 1'b1; end
            end
            default: next_state = CREDIT_0;
        endcase
    end
endmodule
