module tristate_bus (
    input        clk,
    input        rst_n,
    input        we,
    input        re,
    input        sel,
    inout  [7:0] data
);
    reg [7:0] r0, r1;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            r0 <= 8'h00;
            r1 <= 8'h00;
        end else if (we) begin
            if (sel) r1 <= data;
            else     r0 <= data;
        end
    end

    // two tri-state drivers on one bus
    assign data = (re && !we && !sel) ? r0 : 8'bz;
    assign data = (re && !we &&  sel) ? r1 : 8'bz;
endmodule
