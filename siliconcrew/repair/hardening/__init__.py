"""Hardening without an LLM: classify a failed flow run, pick a repair, rerun.

`classify` turns metrics (LibreLane names) and log text from either flow engine (qflow `local`
or `librelane`) into failure classes with the log lines that prove them; `policies` maps each
class to ordered, escalating repair actions (abstract config changes engines translate through
`FlowEngine.apply_action`) or a send-back to an agent; `repair_loop` runs attempt → classify →
repair → rerun within a budget and records every attempt in `repairs.json`.
"""
