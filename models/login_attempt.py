"""Failed sign-ins, counted per account name and per client address, and the delay they impose.

Each failure is one row per key (the account name's digest and the client's address), so that several server
processes share the count without a lost update. Within `FAILURE_WINDOW`, once a key has failed as often as it is
allowed, every attempt waits `2 ** (failures - allowed)` seconds after the key's last failure, at most
`LONGEST_WAIT`: an attacker slows to one guess per quarter of an hour, and a real user locked out by one is let in
again at most that long after the attacker stops. Attempts refused while waiting are not counted.

An attempt is counted before its password is read (and withdrawn if it was refused or succeeded), so that
attempts sent in parallel see each other instead of all passing the check at once.
"""

import hashlib
import ipaddress
import math
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Index, delete, func
from sqlmodel import Field, Session, SQLModel, col, select

from models.columns import aware_datetime_column, enum_column

FAILURE_WINDOW = timedelta(hours=1)  # older failures are forgotten
LONGEST_WAIT = timedelta(minutes=15)
_LONGEST_EXPONENT = math.ceil(math.log2(LONGEST_WAIT.total_seconds()))


class FailureKey(StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


# Failures a key may have before each further attempt waits: an office's staff often share one address.
ALLOWED_FAILURES = {FailureKey.ACCOUNT: 5, FailureKey.ADDRESS: 20}


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "kind", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: FailureKey = Field(sa_column=enum_column(FailureKey))
    # The account name's SHA-256 (names are unbounded, and people type their password there by mistake),
    # or the client address (an IPv6 address stands for its /64 network, which one client holds entirely).
    key: str = Field(max_length=64)
    at: datetime = Field(sa_column=aware_datetime_column(index=True))


def account_key(username: str) -> str:
    """The same for a known and an unknown name, so that throttling does not tell which names exist."""
    return hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()


def address_key(host: str | None) -> str:
    """The client's address as throttled: an IPv6 client by its /64, anything unparsable as it came."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def wait_after(failures: int, last: datetime, *, allowed: int) -> datetime | None:
    """When a key that failed `failures` times, last at `last`, may try again; None if it need not wait."""
    if failures < allowed:
        return None
    seconds = min(2 ** min(failures - allowed, _LONGEST_EXPONENT), LONGEST_WAIT.total_seconds())
    return last + timedelta(seconds=seconds)


def failures_of(
    session: Session, kind: FailureKey, key: str, *, now: datetime, besides: list[LoginFailure]
) -> tuple[int, datetime | None]:
    """How often the key failed within the window, and when last, not counting the rows `besides`."""
    count, last = session.exec(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.kind == kind,
            LoginFailure.key == key,
            col(LoginFailure.at) > now - FAILURE_WINDOW,
            col(LoginFailure.id).not_in([row.id for row in besides]),
        )
    ).one()
    return count, last


def count_attempt(session: Session, *, keys: dict[FailureKey, str], now: datetime) -> list[LoginFailure]:
    """Count an attempt as a failure of each key until it is withdrawn, and forget what the window has passed.

    Committed, so that an attempt in another process sees it while this one's password is being read."""
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) <= now - FAILURE_WINDOW))
    attempt = [LoginFailure(kind=kind, key=key, at=now) for kind, key in keys.items()]
    session.add_all(attempt)
    session.commit()
    return attempt


def seconds_to_wait(session: Session, *, attempt: list[LoginFailure], now: datetime) -> int:
    """Whole seconds until the attempt's keys may try again (0: now), by the failures before it."""
    longest = timedelta(0)
    for row in attempt:
        failures, last = failures_of(session, row.kind, row.key, now=now, besides=attempt)
        until = None if last is None else wait_after(failures, last, allowed=ALLOWED_FAILURES[row.kind])
        if until is not None:
            longest = max(longest, until - now)
    return math.ceil(longest.total_seconds())


def withdraw_attempt(session: Session, attempt: list[LoginFailure]) -> None:
    """An attempt refused unread, or one that succeeded, is no failure; the caller commits."""
    session.execute(delete(LoginFailure).where(col(LoginFailure.id).in_([row.id for row in attempt])))


def forget_failures(session: Session, kind: FailureKey, key: str) -> None:
    """A successful sign-in clears its account's count (not its address's); the caller commits."""
    session.execute(delete(LoginFailure).where(col(LoginFailure.kind) == kind, col(LoginFailure.key) == key))
