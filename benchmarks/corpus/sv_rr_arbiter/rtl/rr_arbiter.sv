module rr_arbiter #(
    parameter int N = 4
) (
    input  logic         clk,
    input  logic         rst_n,
    input  logic [N-1:0] req,
    output logic [N-1:0] grant
);
    logic [$clog2(N)-1:0] ptr;   // highest-priority requester

    always_comb begin
        grant = '0;
        for (int k = 0; k < N; k++) begin
            int idx;
            idx = (ptr + k) % N;
            if (grant == '0 && req[idx]) grant[idx] = 1'b1;
        end
    end

    always_ff @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            ptr <= '0;
        end else begin
            for (int j = 0; j < N; j++)
                if (grant[j]) ptr <= j[$clog2(N)-1:0] + 1'b1;
        end
    end
endmodule
