"""The JSON API under /api/v1: thin routes over the service's queries and commands."""
