"""Pipelines: the check sequence (steps without agents), the LangGraph wiring, the runner."""
