"""Notices waiting to be mailed, written in the same transaction as the change that caused them."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, SQLModel

from models.columns import aware_datetime_column, enum_column, json_column


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    template: str = Field(max_length=60)  # service/templates/mail/<template>.j2
    entity_type: str = Field(max_length=30)
    entity_id: int
    recipient_party: str = Field(max_length=30)  # organisation, community, street_office, …
    recipient_name: str = Field(max_length=200)
    recipient_address: str | None = Field(default=None, max_length=255)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    # Stable per notice so that a resend after a crash is recognisable as the same message.
    message_id: str = Field(max_length=255, unique=True)
    # Set where a notice must exist at most once (an escalation rung); NULLs never collide.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    # Rows with the same digest_key and address go out as one mail (a street office's late nodes of a sweep).
    digest_key: str | None = Field(default=None, max_length=200, index=True)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_column=enum_column(OutboxStatus, index=True))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=aware_datetime_column(index=True))
    last_error: str | None = Field(default=None, max_length=2000)
    # A dispatcher's claim on SQLite (PostgreSQL uses FOR UPDATE SKIP LOCKED): who holds the row until when.
    leased_by: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_column=aware_datetime_column(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=aware_datetime_column(nullable=True))
    created_at: datetime = Field(sa_column=aware_datetime_column())
