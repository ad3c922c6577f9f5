"""Benchmarks and load tools for the CSMS; they talk to a running system, never import its internals
beyond ``shared`` (framing and schemas)."""
