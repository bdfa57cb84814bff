"""Terminal rendering of the API's results, shared by the front doors that draw on a terminal
(the CLI and chat): tables, progress lines, prompts. Rendering only: every decision (what
passed, which exit code) is already in the result."""
