"""The LangGraph graph that schedules the agents over one design state."""
