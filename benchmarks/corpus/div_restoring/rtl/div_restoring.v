module div_restoring #(parameter WIDTH = 8) (
    input  wire             clk,
    input  wire             rst,
    input  wire             start,
    input  wire [WIDTH-1:0] dividend,
    input  wire [WIDTH-1:0] divisor,
    output reg  [WIDTH-1:0] quotient,
    output reg  [WIDTH-1:0] remainder,
    output reg              busy,
    output reg              done
);
    localparam CW = $clog2(WIDTH + 1);

    reg [WIDTH-1:0] q, d;
    reg [WIDTH:0]   r;          // one extra bit for the trial subtraction
    reg [CW-1:0]    count;

    wire [WIDTH:0]  shifted = {r[WIDTH-1:0], q[WIDTH-1]};
    wire [WIDTH:0]  trial   = shifted - {1'b0, d};

    always @(posedge clk or posedge rst) begin
        if (rst) begin
            q <= 0; d <= 0; r <= 0; count <= 0;
            quotient <= 0; remainder <= 0; busy <= 1'b0; done <= 1'b0;
        end else begin
            done <= 1'b0;
            if (start && !busy) begin
                q     <= dividend;
                d     <= divisor;
                r     <= 0;
                count <= WIDTH;
                busy  <= 1'b1;
            end else if (busy) begin
                if (trial[WIDTH]) begin          // negative: restore
                    r <= shifted;
                    q <= {q[WIDTH-2:0], 1'b0};
                end else begin
                    r <= trial;
                    q <= {q[WIDTH-2:0], 1'b1};
                end
                count <= count - 1'b1;
                if (count == 1) begin
                    busy      <= 1'b0;
                    done      <= 1'b1;
                    quotient  <= trial[WIDTH] ? {q[WIDTH-2:0], 1'b0} : {q[WIDTH-2:0], 1'b1};
                    remainder <= trial[WIDTH] ? shifted[WIDTH-1:0] : trial[WIDTH-1:0];
                end
            end
        end
    end
endmodule
