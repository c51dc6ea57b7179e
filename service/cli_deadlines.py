"""`sanshe` commands of the deadline engine: sweep, bulletin, simulate, deploy, calendar."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
