"""The dev mail catcher's messages, for the console: listed newest first, each downloadable as an .eml file."""

from pathlib import Path

from models.errors import OutOfScope
from service.mail.catcher import CaughtMail, catcher_dir, caught_mail_file, list_caught_mail
from service.settings import Settings

__all__ = ["CaughtMail", "caught_mail", "caught_mail_path"]


def caught_mail(settings: Settings, *, limit: int) -> list[CaughtMail]:
    return list_caught_mail(catcher_dir(settings), limit=limit)


def caught_mail_path(settings: Settings, name: str) -> Path:
    """Only a plain name from the listing; anything else (a path, `..`) is 'not found'."""
    path = caught_mail_file(catcher_dir(settings), name)
    if path is None:
        raise OutOfScope(f"邮件“{name}”不存在")
    return path
