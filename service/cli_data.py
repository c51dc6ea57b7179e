"""`sanshe` commands of the users and data exchange: create-user, import, export."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
