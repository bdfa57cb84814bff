"""EDA tools with typed inputs and results (lint, simulate, synthesize, sta, equivalence,
files), the registry that finds built-ins and plugins, and the traced run context."""
