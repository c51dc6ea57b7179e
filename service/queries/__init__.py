"""Reads for the API: every query filters by the actor's scope in SQL and returns public shapes."""
