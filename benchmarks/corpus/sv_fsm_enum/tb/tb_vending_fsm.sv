`timescale 1ns/1ps
module tb_vending_fsm;
    logic clk = 0, reset = 1, nickel = 0, dime = 0;
    logic dispense, change;
    int credit = 0, errors = 0, sold = 0, changes = 0;
    logic exp_disp, exp_change;

    vending_fsm dut (.*);

    always #10 clk = ~clk;

    initial begin
        repeat (2) @(negedge clk);
        reset = 0;
        for (int i = 0; i < 1000; i++) begin
            @(negedge clk);
            case ($urandom % 3)
                0: begin nickel = 1; dime = 0; end
                1: begin nickel = 0; dime = 1; end
                default: begin nickel = 0; dime = 0; end
            endcase
            #2;
            exp_disp = (credit + (nickel ? 5 : 0) + (dime ? 10 : 0)) >= 15;
            exp_change = (credit + (nickel ? 5 : 0) + (dime ? 10 : 0)) == 20;
            if (dispense !== exp_disp || change !== exp_change) begin
                errors++;
                if (errors <= 10) $display("ERROR: credit %0d n=%b d=%b: dispense=%b change=%b", credit, nickel, dime, dispense, change);
            end
            @(posedge clk);
            credit += (nickel ? 5 : 0) + (dime ? 10 : 0);
            if (credit >= 15) begin credit = 0; sold++; changes += exp_change; end
        end
        if (sold == 0 || changes == 0) begin errors++; $display("ERROR: nothing sold"); end
        if (errors == 0) $display("TEST PASSED (%0d sold, %0d with change)", sold, changes);
        else $display("TEST FAILED: %0d errors", errors);
        $finish;
    end
endmodule
