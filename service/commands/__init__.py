"""Writes for the API and the CLI: each function does one unit of work and commits it, or writes nothing."""
