"""Shuttle integration: wrap a design for a multi-project shuttle's harness.

Pure generation (no process, no sandbox): the design's ports (pyslang), its testbench's
trace at the clock edges (from a VCD), and the files a user pushes to the harness repository
— Caravel's `user_project_wrapper` with a Wishbone register bridge and LibreLane configs,
or a Tiny Tapeout `tt_um_*` tile with info.yaml and a cocotb test. The checks (lint, the
wrapper-level tests, precheck rules) run as tools from `steps/integrate.py`.
"""
