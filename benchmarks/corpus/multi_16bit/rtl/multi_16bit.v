module multi_16bit (
    input             clk,
    input             rst_n,
    input             start,
    input      [15:0] ain,
    input      [15:0] bin,
    output reg [31:0] yout,
    output reg        done
);
    reg [4:0]  i;          // shift count
    reg        busy;
    reg [31:0] areg;       // multiplicand, shifted left
    reg [15:0] breg;       // multiplier, shifted right
    reg [31:0] acc;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            i <= 5'd0; busy <= 1'b0; areg <= 32'd0; breg <= 16'd0;
            acc <= 32'd0; yout <= 32'd0; done <= 1'b0;
        end else begin
            done <= 1'b0;
            if (!busy) begin
                if (start) begin
                    busy <= 1'b1;
                    i    <= 5'd0;
                    areg <= {16'd0, ain};
                    breg <= bin;
                    acc  <= 32'd0;
                end
            end else begin
                if (breg[0]) acc <= acc + areg;
                areg <= areg << 1;
                breg <= breg >> 1;
                i    <= i + 1'b1;
                if (i == 5'd15) begin
                    busy <= 1'b0;
                    done <= 1'b1;
                    yout <= breg[0] ? acc + areg : acc;
                end
            end
        end
    end
endmodule
