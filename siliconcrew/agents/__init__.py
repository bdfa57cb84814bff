"""Agents (Planner, RTL, Verification, Timing-debug, Hardening) and the LLM client.

Agents act only through tools (siliconcrew.tools) and never call subprocess.
"""
