"""The core: what every layer shares and nothing in it starts a process.

errors (one-line errors with a fix), workspace (paths confined to a folder), settings
(config file < env < flags), design (the design.yaml model), recipe (synthesis knobs),
rundir (manifest, trace, atomic JSON). Imports nothing above itself (tests/test_layers.py).
"""
