"""Interactive chat: the planner as the front, tools and the run graph behind slash commands."""
