"""What pages show on every request (the dashboard's aggregates; the totals and pages of the overdue list, the
project list and 我的待办), computed again only when the rows they read may have changed.

Each is a scan of every node in the reader's scope (100k projects: tens of milliseconds to seconds), and between two
changes it stays the same. Every change of a node's or project's state or dates writes an audit row
(service/transitions.py) and every escalation an escalation claim, so the highest ids of the two tables say whether
anything counted changed; the caller's key holds the reader's scope, the day and the filters. A transaction that has
written itself is never served nor stored (a rolled-back write could leave the same ids to other rows), and an entry
lives `LIFETIME` at most, which bounds what a concurrent writer's late commit could leave unseen.
"""

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event, func
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.database import writes
from models.escalation import EscalationClaim
from models.roles import Actor

T = TypeVar("T")
LIFETIME = 30.0  # seconds
ENTRIES = 1024  # per engine, least recently used dropped first
_WROTE = "sanshe_wrote"  # Connection.info flag: this transaction has written
_VERSION = "sanshe_counted_version"  # Session.info: the transaction and the highest ids it first read


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[Hashable, tuple[Hashable, float, Any]] = OrderedDict()


_stores: "weakref.WeakKeyDictionary[Engine, _Store]" = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def _store(engine: Engine) -> _Store | None:
    """The engine's entries; None the first time, when this transaction's earlier writes went unwatched."""
    with _stores_lock:
        store = _stores.get(engine)
        if store is None:
            _stores[engine] = _Store()
            event.listen(engine, "before_cursor_execute", _note_write)
            event.listen(engine, "commit", _forget_write)
            event.listen(engine, "rollback", _forget_write)
        return store


def _note_write(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
    if writes(statement):
        conn.info[_WROTE] = True


def _forget_write(conn: Connection) -> None:
    conn.info.pop(_WROTE, None)


def _version(session: Session) -> tuple[Any, ...]:
    """The highest audit and claim ids, read once a transaction: a page's several aggregates ask one query."""
    transaction = session.get_transaction()
    known = session.info.get(_VERSION)
    if known is not None and known[0] is transaction:
        return known[1]  # type: ignore[no-any-return]
    latest_event = select(func.max(AuditEvent.id)).scalar_subquery()
    latest_claim = select(func.max(EscalationClaim.id)).scalar_subquery()
    version = tuple(session.exec(select(latest_event, latest_claim)).one())
    session.info[_VERSION] = (transaction, version)
    return version


def scope_key(actor: Actor) -> tuple[Hashable, ...]:
    """What bounds the actor's scope (two readers with the same key see the same rows)."""
    return (actor.role.value, actor.region_id, actor.organisation_id, actor.expert_id)


def cached(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s result as last computed for `key`, unless an audit row or a claim has been written since."""
    connection = session.connection()
    store = _store(connection.engine)
    if store is None or connection.info.get(_WROTE):
        return compute()
    version = _version(session)
    now = time.monotonic()
    with store.lock:
        found = store.entries.get(key)
        if found is not None and found[0] == version and now - found[1] < LIFETIME:
            store.entries.move_to_end(key)
            return found[2]  # type: ignore[no-any-return]
    value = compute()
    if connection.info.get(_WROTE):
        return value
    with store.lock:
        store.entries[key] = (version, now, value)
        store.entries.move_to_end(key)
        while len(store.entries) > ENTRIES:
            store.entries.popitem(last=False)
    return value
