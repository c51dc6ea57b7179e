"""The append-only audit trail: who, on behalf of whom, what, from → to, when, why."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, Session, SQLModel

from models.columns import aware_datetime_column, json_column
from models.roles import Actor


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(max_length=30, index=True)
    entity_id: int = Field(index=True)
    event: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=30)
    to_state: str = Field(max_length=30)
    entity_version: int  # the version the entity has after this event
    actor_id: str = Field(max_length=100)
    actor_role: str = Field(max_length=30)
    on_behalf_of: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=2000)
    at: datetime = Field(sa_column=aware_datetime_column(index=True))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


def record_audit(
    session: Session,
    *,
    entity_type: str,
    entity: Any,
    event: str,
    from_state: str | None,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append the row for what just happened to `entity` (its state and version as they are now)."""
    audit = AuditEvent(
        entity_type=entity_type,
        entity_id=entity.id,
        event=event,
        from_state=from_state,
        to_state=entity.state,
        entity_version=entity.version,
        actor_id=actor.user_id,
        actor_role=actor.role.value,
        on_behalf_of=actor.on_behalf_of,
        reason=reason,
        at=now,
        details=details or {},
    )
    session.add(audit)
    return audit
