"""The mail server's reachability as the dispatcher last met it: recorded on an outage, cleared by an accepted mail.

`/health` and the console read it with `mail_server_status`; the dispatcher writes it with `record_outage` and
`clear_outage`. Rows wait in the outbox meanwhile, with their attempts intact.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session

from models.dates_zh import moment_zh
from models.insert_if_absent import insert_ignoring_duplicates
from models.outbox import MAIL_OUTAGE_ROW, MailServerOutage

OUTAGE = MailServerOutage.__table__  # type: ignore[attr-defined]
OK, UNREACHABLE = "ok", "unreachable"


@dataclass(frozen=True)
class MailServerStatus:
    status: str  # "ok" or "unreachable"
    since: datetime | None = None
    last_try_at: datetime | None = None
    last_error: str | None = None

    @property
    def message(self) -> str:
        """What the coordinator reads, e.g. 邮件服务器不可达，自 2022年7月1日 09:00 起."""
        if self.since is None:
            return "邮件服务器正常"
        return f"邮件服务器不可达，自 {moment_zh(self.since)} 起"


def mail_server_status(session: Session) -> MailServerStatus:
    """Read by `/health` and the console: an open outage, or ok."""
    row = session.get(MailServerOutage, MAIL_OUTAGE_ROW, populate_existing=True)
    if row is None:
        return MailServerStatus(OK)
    return MailServerStatus(UNREACHABLE, since=row.since, last_try_at=row.last_try_at, last_error=row.last_error)


def record_outage(session: Session, *, at: datetime, error: str) -> None:
    """An outage begins at its first failed try; later tries only move `last_try_at`. The caller commits."""
    row = {"id": MAIL_OUTAGE_ROW, "since": at, "last_try_at": at, "last_error": error[:2000]}
    if not insert_ignoring_duplicates(session, OUTAGE, [row], OUTAGE.c.id):
        session.execute(
            update(OUTAGE).where(OUTAGE.c.id == MAIL_OUTAGE_ROW).values(last_try_at=at, last_error=error[:2000])
        )


def clear_outage(session: Session) -> None:
    """A mail was accepted: the server is back. The caller commits."""
    session.execute(delete(OUTAGE).where(OUTAGE.c.id == MAIL_OUTAGE_ROW))
