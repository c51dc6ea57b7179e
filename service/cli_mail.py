"""`sanshe` commands of the notifications: the dev mail catcher and the dispatcher."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
