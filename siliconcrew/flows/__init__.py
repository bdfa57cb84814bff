"""Flows over a design folder: today the deterministic check flow; the LangGraph graph later."""
