`timescale 1ns/1ps
module tb_traffic_light;
    reg clk = 0, rst_n = 0, pass_request = 0;
    wire [7:0] clock;
    wire red, yellow, green;
    // reference model
    reg [1:0] light;      // 0 green, 1 yellow, 2 red
    reg [7:0] left;
    reg first;
    integer i, errors = 0, greens = 0;

    traffic_light uut (.rst_n(rst_n), .clk(clk), .pass_request(pass_request),
                       .clock(clock), .red(red), .yellow(yellow), .green(green));

    always #10 clk = ~clk;

    task check;
        begin
            if (green !== (light == 0) || yellow !== (light == 1) || red !== (light == 2) ||
                clock !== left) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("ERROR: cycle %0d got r%b y%b g%b clock=%0d, expected light %0d clock=%0d",
                             i, red, yellow, green, clock, light, left);
            end
        end
    endtask

    initial begin
        light = 0; left = 10; first = 1;
        #15 rst_n = 1;
        for (i = 0; i < 400; i = i + 1) begin
            @(negedge clk);
            check;
            pass_request = (i % 53) == 30 || (i % 53) == 31;
            @(posedge clk); #1;
            if (first) begin first = 0; left = 10; light = 0; end   // idle -> green
            else if (left == 1) begin
                case (light)
                    0: begin light = 1; left = 3; end
                    1: begin light = 2; left = 8; end
                    default: begin light = 0; left = 10; greens = greens + 1; end
                endcase
            end else if (light == 0 && pass_request && left > 3) left = 3;
            else left = left - 1;
        end
        if (errors == 0) $display("TEST PASSED (%0d green phases)", greens);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
