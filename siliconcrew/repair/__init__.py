"""Repair policies without processes: hardening (classify a failed flow run, pick a config
repair) and timing (STA paths → RTL lines → causes, the no-LLM repair ladder). They decide;
the caller's tool function or engine does the work."""
