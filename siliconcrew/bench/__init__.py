"""Benchmark harnesses that drive the agents (VerilogEval v2 spec-to-rtl)."""
