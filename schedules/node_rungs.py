"""The node sweep's statements: each covers a whole batch of nodes, set-based, on SQLite and PostgreSQL.

Python works out the ladder per (programme, due date, next rung), a handful of keys per batch; the
statements apply that plan to the batch's nodes: claim the rungs (insert-if-absent), write the notices of
the claims newly made, move each node on to its next rung. No Python runs per node: the new claims come
back from their INSERT only to be bound, as they are, to the statement that writes their notices.
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String, bindparam, text
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session

from models.columns import AwareDateTime
from models.lifecycles import NODE, PROJECT
from models.notices import escalation_key_sql, sweep_digest_key_sql
from models.outbox import OutboxStatus
from schedules.addressees import ADDRESSEE_COLUMNS, ADDRESSEE_JOINS, DISTRICT_JOINS, DISTRICT_NAME_SQL, recipient_sql
from schedules.rowsets import DATE, INTEGER, TEXT, RowSet, ids_param, in_ids

ESCALATING_PROJECT_STATES = PROJECT.phase("running")
PAUSED_PROJECT_STATES = PROJECT.phase("paused")  # rungs wait; resuming re-plans the open nodes

FIRE_COLUMNS = (
    ("programme_id", INTEGER),
    ("due_date", DATE),
    ("from_index", INTEGER),
    ("rung_index", INTEGER),
    ("rung_code", TEXT),
    ("fires_on", DATE),
    ("skipped", INTEGER),  # 1: caught up, claimed without a notice (a higher rung of the node fires with it)
)
MOVE_COLUMNS = (
    ("programme_id", INTEGER),
    ("due_date", DATE),
    ("from_index", INTEGER),
    ("next_index", INTEGER),
    ("next_on", DATE),
)
PARTY_COLUMNS = (
    ("programme_id", INTEGER),
    ("rung_index", INTEGER),
    ("position", INTEGER),
    ("party", TEXT),
    ("template", TEXT),
)
DAY_COLUMNS = (("due_date", DATE), ("late", INTEGER), ("left_", INTEGER))
LABEL_COLUMNS = (("programme_id", INTEGER), ("rung_index", INTEGER), ("label", TEXT))
FRESH_COLUMNS = (("entity_id", INTEGER), ("rung_index", INTEGER), ("rung_code", TEXT), ("due_date", DATE))


@dataclass(frozen=True)
class BatchPlan:
    """What the ladder says for one batch, as small tables the statements join to."""

    fire: RowSet  # rungs that fire, per (programme, due date, next rung index), and whether each is skipped
    moves: RowSet  # the rung each such node moves on to, and its day
    parties: RowSet  # who each firing rung tells, in the ladder's order, with the mail template
    days: RowSet  # working days late and left, per due date
    labels: RowSet  # the zh-CN label of each firing rung, per programme


def _sql_list(values: frozenset[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


def _live_due(dialect: str, node: str = "m") -> str:
    """Due nodes of the batch (`node`) that are open, in projects (`p`) whose ladder runs."""
    return (
        f"{in_ids(dialect, f'{node}.id', 'ids')} AND {node}.next_rung_on <= :as_of "
        f"AND {node}.state NOT IN ({_sql_list(NODE.terminal)}) "
        f"AND p.state IN ({_sql_list(ESCALATING_PROJECT_STATES)})"
    )


def _statement(sql: str) -> TextClause:
    """Text SQL whose `as_of` and `now`, where used, bind as a date and an aware timestamp."""
    typed = [
        bindparam(name, type_=kind)
        for name, kind in (("as_of", Date()), ("now", AwareDateTime()))
        if re.search(rf":{name}\b", sql)
    ]
    return text(sql).bindparams(*typed)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def due_keys(session: Session, ids: Sequence[int], as_of: date) -> list[Any]:
    """The batch's due nodes counted by (programme, due date, next rung, project state, closed or not)."""
    dialect = _dialect(session)
    closed = f"CASE WHEN m.state IN ({_sql_list(NODE.terminal)}) THEN 1 ELSE 0 END"
    query = _statement(
        f"SELECT p.programme_id, m.due_date, m.next_rung_index, p.state AS project_state, {closed} AS closed, "
        "count(*) AS nodes FROM node m JOIN project p ON p.id = m.project_id "
        f"WHERE {in_ids(dialect, 'm.id', 'ids')} AND m.next_rung_on <= :as_of "
        f"GROUP BY p.programme_id, m.due_date, m.next_rung_index, p.state, {closed}"
    ).columns(
        programme_id=Integer(),
        due_date=Date(),
        next_rung_index=Integer(),
        project_state=String(),
        closed=Integer(),
        nodes=Integer(),
    )
    return list(session.execute(query, {"ids": ids_param(dialect, ids), "as_of": as_of}).all())


def retire(session: Session, ids: Sequence[int], as_of: date) -> int:
    """Due nodes that are closed, or whose project no longer runs, leave the sweep's index."""
    dialect = _dialect(session)
    statement = _statement(
        "UPDATE node SET next_rung_index = NULL, next_rung_on = NULL "
        f"WHERE {in_ids(dialect, 'node.id', 'ids')} AND node.next_rung_on <= :as_of "
        f"AND (node.state IN ({_sql_list(NODE.terminal)}) OR NOT EXISTS ("
        "SELECT 1 FROM project p WHERE p.id = node.project_id "
        f"AND p.state IN ({_sql_list(ESCALATING_PROJECT_STATES | PAUSED_PROJECT_STATES)})))"
    )
    result = session.execute(statement, {"ids": ids_param(dialect, ids), "as_of": as_of})
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Claims:
    """The claims a batch newly made: those to notify, and those caught up without a notice."""

    told: RowSet
    skipped: RowSet


def claim(session: Session, ids: Sequence[int], plan: BatchPlan, *, as_of: date, now: datetime) -> Claims:
    """Claim every firing rung of the batch's live due nodes; the claims newly made come back, told or skipped."""
    dialect = _dialect(session)
    statement = _statement(
        "INSERT INTO escalationclaim (entity_type, entity_id, rung_code, rung_index, due_date, fires_on, as_of, "
        "skipped, claimed_at) "
        "SELECT CAST(:entity_type AS TEXT), m.id, fire.rung_code, fire.rung_index, m.due_date, fire.fires_on, "
        ":as_of, fire.skipped = 1, :now "
        "FROM node m JOIN project p ON p.id = m.project_id "
        f"JOIN {plan.fire.sql(dialect)} ON fire.programme_id = p.programme_id AND fire.due_date = m.due_date "
        "AND fire.from_index = m.next_rung_index "
        f"WHERE {_live_due(dialect)} "
        "ORDER BY m.id, fire.rung_index "  # one lock order for every sweeper
        "ON CONFLICT DO NOTHING RETURNING entity_id, rung_index, rung_code, due_date, "
        "CASE WHEN skipped THEN 1 ELSE 0 END"
    )  # the rows go straight back into the next statements: dates stay as the driver gives them
    params = {
        "ids": ids_param(dialect, ids),
        "as_of": as_of,
        "now": now,
        "entity_type": NODE.name,
        **plan.fire.params(dialect),
    }
    told: list[tuple[Any, ...]] = []
    skipped: list[tuple[Any, ...]] = []
    for *row, is_skipped in session.execute(statement, params):
        (skipped if is_skipped else told).append(tuple(row))
    return Claims(told=RowSet("fresh", FRESH_COLUMNS, told), skipped=RowSet("fresh", FRESH_COLUMNS, skipped))


def queue_notices(session: Session, fresh: RowSet, plan: BatchPlan, *, as_of: date, now: datetime) -> int:
    """One outbox row per (new claim, party told), addressed and worded in SQL; a sweep's rows share a digest.

    The row is the one `models.notices.outbox_row` builds, with the key of `escalation_key` (tests compare them).
    """
    if not fresh.rows:
        return 0
    dialect = _dialect(session)
    name, address = recipient_sql("parties.party", "told")
    build_object = "json_build_object" if dialect == "postgresql" else "json_object"
    key = escalation_key_sql(
        entity_type=NODE.name, entity_id="told.entity_id", rung_code="told.rung_code", party="parties.party"
    )
    # Per claim, once: its addressees and the mail's parameters. Fenced off as a CTE: joined to the plan's small
    # tables in one flat query, PostgreSQL's estimates fall to a row and it scans the organisations once per notice.
    told = (
        "SELECT fresh.entity_id, fresh.rung_index, fresh.rung_code, p.programme_id, "
        f"{build_object}('project_id', p.id, 'project_title', p.title, 'district', {DISTRICT_NAME_SQL}, "
        "'node_id', m.id, 'node_kind', m.kind, 'node_title', m.title, 'due_date', CAST(fresh.due_date AS TEXT), "
        "'working_days_late', days.late, 'working_days_left', days.left_, 'rung_code', fresh.rung_code, "
        "'rung_label', labels.label, "
        f"'as_of', CAST(:as_of_text AS TEXT)) AS params, {ADDRESSEE_COLUMNS} "
        f"FROM {fresh.sql(dialect)} JOIN node m ON m.id = fresh.entity_id JOIN project p ON p.id = m.project_id "
        f"JOIN {plan.days.sql(dialect)} ON days.due_date = fresh.due_date "
        f"JOIN {plan.labels.sql(dialect)} ON labels.programme_id = p.programme_id "
        f"AND labels.rung_index = fresh.rung_index {ADDRESSEE_JOINS}"
    )
    statement = _statement(
        "INSERT INTO outboxmessage (template, entity_type, entity_id, recipient_party, recipient_name, "
        "recipient_address, params, message_id, dedupe_key, digest_key, status, attempts, next_attempt_at, "
        "created_at) "
        f"WITH told AS MATERIALIZED ({told}) "
        f"SELECT parties.template, CAST(:entity_type AS TEXT), told.entity_id, parties.party, {name}, {address}, "
        f"told.params, {key.message_id}, {key.dedupe_key}, "
        f"{sweep_digest_key_sql('parties.template', 'CAST(:as_of_text AS TEXT)')}, CAST(:pending AS TEXT), 0, "
        ":now, :now "
        f"FROM told JOIN {plan.parties.sql(dialect)} ON parties.programme_id = told.programme_id "
        "AND parties.rung_index = told.rung_index "
        "WHERE true ON CONFLICT DO NOTHING"  # `WHERE true`: SQLite reads ON CONFLICT after a join as the join's ON
    )
    params = {
        "now": now,
        "as_of_text": as_of.isoformat(),
        "entity_type": NODE.name,
        "pending": OutboxStatus.PENDING.value,
        **fresh.params(dialect),
        **plan.parties.params(dialect),
        **plan.days.params(dialect),
        **plan.labels.params(dialect),
    }
    return int(session.execute(statement, params).rowcount)  # type: ignore[attr-defined]


def claimed_by_district(session: Session, fresh: RowSet) -> Counter[tuple[str, str]]:
    """The claims newly made, counted per (district, rung) for the sweep's table."""
    if not fresh.rows:
        return Counter()
    dialect = _dialect(session)
    query = text(
        f"SELECT {DISTRICT_NAME_SQL} AS district, fresh.rung_code, count(*) AS claims "
        f"FROM {fresh.sql(dialect)} JOIN node m ON m.id = fresh.entity_id JOIN project p ON p.id = m.project_id "
        f"{DISTRICT_JOINS} GROUP BY {DISTRICT_NAME_SQL}, fresh.rung_code"
    )
    rows = session.execute(query, fresh.params(dialect)).all()
    return Counter({(row.district, row.rung_code): int(row.claims) for row in rows})


def move_on(session: Session, ids: Sequence[int], plan: BatchPlan, *, as_of: date) -> int:
    """Each live due node moves on to its next rung, if still on the old one: a sweeper that lost a race moves none."""
    dialect = _dialect(session)
    statement = _statement(
        "UPDATE node SET next_rung_index = moves.next_index, next_rung_on = moves.next_on "
        f"FROM {plan.moves.sql(dialect)}, project p "
        "WHERE p.id = node.project_id AND moves.programme_id = p.programme_id "
        "AND moves.due_date = node.due_date AND moves.from_index = node.next_rung_index "
        f"AND {_live_due(dialect, 'node')}"
    )
    params = {"ids": ids_param(dialect, ids), "as_of": as_of, **plan.moves.params(dialect)}
    return int(session.execute(statement, params).rowcount)  # type: ignore[attr-defined]
