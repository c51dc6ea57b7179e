"""Notices waiting to be mailed, written in the same transaction as the change that caused them."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.columns import aware_datetime_column, enum_column, json_column


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    # A digest (digest_key, address) is claimed part by part: its unnumbered rows in id order, then one part.
    __table_args__ = (Index("ix_outboxmessage_digest", "digest_key", "recipient_address", "digest_part", "id"),)

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
    digest_key: str | None = Field(default=None, max_length=200)
    # A large digest goes out in numbered parts: set when the part is first claimed, in the rows' id order,
    # so a resend carries the same rows under the same Message-ID (that of the part's first row).
    digest_part: int | None = None
    digest_parts: int | None = None
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_column=enum_column(OutboxStatus, index=True))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=aware_datetime_column(index=True))
    last_error: str | None = Field(default=None, max_length=2000)
    # A dispatcher's claim: who holds the row until when (renewed while its batch is in flight).
    leased_by: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_column=aware_datetime_column(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=aware_datetime_column(nullable=True))
    created_at: datetime = Field(sa_column=aware_datetime_column())


MAIL_OUTAGE_ROW = 1


class MailServerOutage(SQLModel, table=True):
    """The mail server could not be reached: since when, and the last try. One row, gone once a mail is accepted."""

    __tablename__ = "mail_server_outage"

    id: int = Field(default=MAIL_OUTAGE_ROW, primary_key=True)
    since: datetime = Field(sa_column=aware_datetime_column())
    last_try_at: datetime = Field(sa_column=aware_datetime_column())
    last_error: str = Field(max_length=2000)
