module delay_line #(
    parameter WIDTH      = 8,
    parameter DEPTH      = 2,
    parameter RESET_KIND = 0          // 0: async low, 1: sync low, 2: none
) (
    input  wire             clk,
    input  wire             rst_n,
    input  wire [WIDTH-1:0] d,
    output wire [WIDTH-1:0] q
);
    generate
        if (DEPTH == 0) begin : g_wire
            assign q = d;
        end else begin : g_pipe
            reg [WIDTH-1:0] stage [0:DEPTH-1];
            genvar i;
            case (RESET_KIND)
                0: begin : g_async
                    for (i = 0; i < DEPTH; i = i + 1) begin : g_st
                        always @(posedge clk or negedge rst_n)
                            if (!rst_n) stage[i] <= {WIDTH{1'b0}};
                            else        stage[i] <= (i == 0) ? d : stage[i-1];
                    end
                end
                1: begin : g_sync
                    for (i = 0; i < DEPTH; i = i + 1) begin : g_st
                        always @(posedge clk)
                            if (!rst_n) stage[i] <= {WIDTH{1'b0}};
                            else        stage[i] <= (i == 0) ? d : stage[i-1];
                    end
                end
                default: begin : g_none
                    for (i = 0; i < DEPTH; i = i + 1) begin : g_st
                        always @(posedge clk)
                            stage[i] <= (i == 0) ? d : stage[i-1];
                    end
                end
            endcase
            assign q = stage[DEPTH-1];
        end
    endgenerate
endmodule
