module sine_rom (
    input            clk,
    input            en,
    input      [5:0] addr,
    output reg [7:0] data
);
    reg [7:0] mem [0:63];

    initial begin
        $readmemh("rtl/sine.hex", mem);
    end

    always @(posedge clk) begin
        if (en)
            data <= mem[addr];
    end
endmodule
