"""An expert's calendar feed: a personal URL that calendar clients read without signing in, revocable at will.

Nothing secret is stored: the URL carries the id of the audit row that issued it and a signature over it. Only the
latest issue of an account's feed opens it, so issuing again or revoking ends every earlier URL, and the audit
trail of the account (entity type `user`) shows when each was done.
"""

import hashlib
import hmac
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from models.audit import AuditEvent, record_audit
from models.authority import authorize
from models.errors import OutOfScope, RoleNotAllowed
from models.lifecycles import CALENDAR_FEED_REGISTER
from models.roles import Actor
from models.user import User

FEED_ISSUED, FEED_REVOKED = "calendar_feed_issued", "calendar_feed_revoked"
ISSUE, REVOKE = "issue", "revoke"
FEED_PATH = "/api/v1/review-assignments/calendar-feed"
_ACCOUNT = "user"


class CalendarFeed(BaseModel):
    url: str
    issued_at: datetime


def issue_calendar_feed(
    session: Session, *, user: User, actor: Actor, secret_key: str, public_url: str, now: datetime
) -> CalendarFeed:
    """A new feed URL for the signed-in expert; the one issued before stops working."""
    _refuse_unless_expert(session, user, actor, ISSUE)
    audit = _record(session, user, FEED_ISSUED, actor=actor, now=now)
    session.flush()
    assert user.id is not None and audit.id is not None
    token = f"{user.id}.{audit.id}.{_signature(secret_key, user.id, audit.id)}"
    session.commit()
    return CalendarFeed(url=f"{public_url.rstrip('/')}{FEED_PATH}/{token}.ics", issued_at=now)


def revoke_calendar_feed(session: Session, *, user: User, actor: Actor, now: datetime) -> None:
    """The signed-in expert's feed URL stops working; a new one may be issued later."""
    _refuse_unless_expert(session, user, actor, REVOKE)
    _record(session, user, FEED_REVOKED, actor=actor, now=now)
    session.commit()


def feed_expert(session: Session, *, token: str, secret_key: str) -> int:
    """The expert whose current feed this token opens; any other token (old, revoked, forged) is 'not found'."""
    missing = OutOfScope("日历订阅不存在或已失效")
    parts = token.removesuffix(".ics").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise missing
    user_id, audit_id, signature = int(parts[0]), int(parts[1]), parts[2]
    if not hmac.compare_digest(signature, _signature(secret_key, user_id, audit_id)):
        raise missing
    user = session.get(User, user_id)
    latest = session.exec(
        select(AuditEvent.id, AuditEvent.event)
        .where(
            AuditEvent.entity_type == _ACCOUNT,
            AuditEvent.entity_id == user_id,
            col(AuditEvent.event).in_((FEED_ISSUED, FEED_REVOKED)),
        )
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
    ).first()
    if user is None or user.disabled or user.expert_id is None or latest != (audit_id, FEED_ISSUED):
        raise missing
    return user.expert_id


def _signature(secret_key: str, user_id: int, audit_id: int) -> str:
    message = f"calendar-feed:{user_id}:{audit_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def _refuse_unless_expert(session: Session, user: User, actor: Actor, action: str) -> None:
    """Who may is `CALENDAR_FEED_REGISTER`; an expert account must also name its expert."""
    authorize(session, actor=actor, subject=CALENDAR_FEED_REGISTER, action=action)
    if user.expert_id is None:
        raise RoleNotAllowed("只有评审专家可以订阅自己的评审日历")


def _record(session: Session, user: User, event: str, *, actor: Actor, now: datetime) -> AuditEvent:
    return record_audit(
        session, entity_type=_ACCOUNT, entity=user, event=event, from_state=user.state, actor=actor, now=now
    )
