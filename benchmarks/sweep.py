"""The overdue sweep at province scale: 100k projects, 1M nodes, ~5% with a rung due today.

Times `schedules.sweep.sweep` against a hand-written bulk-SQL reference that makes the same claims and
notices, on SQLite and PostgreSQL, then the rerun with nothing new, and the cost of one Prefect task run.

    .venv/bin/python -m benchmarks.sweep [--projects 100000] [--backends sqlite,postgres] [--rounds 3] [--no-prefect]
"""

import argparse
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Date, Engine, bindparam, select, text
from sqlmodel import Session

from models.columns import AwareDateTime
from models.dates import SHANGHAI
from models.escalation import EscalationClaim
from models.migrate import fresh_database
from models.outbox import OutboxMessage
from models.parties import Party
from models.programme_loader import load_programme
from models.recipients import office_name_sql
from models.region import Region, RegionLevel
from models.region_tree import ensure_region
from schedules.calendar import WorkingCalendar
from schedules.sweep import sweep

log = logging.getLogger("benchmarks.sweep")
ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("SANSHE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AS_OF = date(2023, 3, 1)
NOW = datetime(2023, 3, 1, 7, 0, tzinfo=SHANGHAI)
NODES_PER_PROJECT = 10
STREETS, COMMUNITIES, ORGANISATIONS = 100, 2000, 1000
CAL = WorkingCalendar()
DUE = CAL.add_working_days(AS_OF, -1)  # the newly late nodes were due yesterday: late-1 fires today
LATE5_ON = CAL.add_working_days(DUE, 5)
BACKLOG_DUE = CAL.add_working_days(AS_OF, -3)  # the backlog is 3 working days late: late-1 sent, late-5 to come
AHEAD_DUE = AS_OF + timedelta(days=60)


def database(backend: str) -> AbstractContextManager[Engine]:
    """A fresh database with the current schema, dropped afterwards."""
    return fresh_database("sqlite" if backend == "sqlite" else POSTGRES_URL, prefix="sanshe_bench")


def numbers(engine: Engine, n: int) -> str:
    """A row source 1..n in the dialect at hand."""
    if engine.dialect.name == "postgresql":
        return f"(SELECT generate_series(1, {n}) AS i) AS n"
    return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s) AS n"


def populate(engine: Engine, projects: int) -> int:
    """Programme, regions and organisations through the models; projects and nodes in bulk SQL."""
    with Session(engine) as session:
        programme = load_programme(session, ROOT / "programmes" / "lanzhou-2022.yaml", now=NOW)
        districts = [r for r in session.execute(text("SELECT id FROM region WHERE level = 'district'")).scalars()]
        session.execute(
            text("UPDATE region SET contact_email = 'bureau-' || id || '@example.cn' WHERE level = 'district'")
        )
        streets = []
        for s in range(STREETS):
            parent = session.get_one(Region, districts[s % len(districts)])
            streets.append(
                ensure_region(
                    session,
                    name=f"街道{s}",
                    level=RegionLevel.STREET,
                    parent=parent,
                    contact_email=f"street{s}@example.cn",
                )
            )
        for c in range(COMMUNITIES):
            ensure_region(
                session,
                name=f"社区{c}",
                level=RegionLevel.COMMUNITY,
                parent=streets[c % STREETS],
                contact_email=f"community{c}@example.cn",
            )
        session.commit()
        programme_id = programme.id
    with engine.begin() as connection:
        first_community = connection.execute(text("SELECT min(id) FROM region WHERE level = 'community'")).scalar_one()
        connection.execute(
            text(
                f"INSERT INTO organisation (id, name, credit_code, registered_with_civil_affairs, sound_governance, "
                f"financial_rules_and_bank_account, contact_email) SELECT i, '机构' || i, 'BENCH' || i, true, true, true, "
                f"'org' || i || '@example.cn' FROM {numbers(engine, ORGANISATIONS)}"
            )
        )
        connection.execute(
            text(
                f"INSERT INTO project (id, programme_id, community_id, organisation_id, title, state, version, total_fen, "
                f"community_service_area_m2, created_at) SELECT i, {programme_id}, "
                f"{first_community} + (i % {COMMUNITIES}), 1 + (i % {ORGANISATIONS}), '项目' || i, 'in_progress', 1, "
                f"30000000, 400, :now FROM {numbers(engine, projects)}"
            ),
            {"now": NOW},
        )
        # Per project: node 1 is newly late (late-1 due today) for 1 project in 2 (=5% of nodes), nodes 2-4 (and
        # node 1 of the other projects) are late with their next rung later (the backlog), 5-7 are approved,
        # 8-10 lie ahead. The rungs sent before today are claimed, as earlier sweeps would have left them.
        connection.execute(
            text(
                "INSERT INTO node (id, project_id, kind, sequence, title, due_date, planned_from, provisional, "
                f"state, version, next_rung_index, next_rung_on) "
                f"SELECT i, 1 + (i - 1) / {NODES_PER_PROJECT}, 'bench', 1 + (i - 1) % {NODES_PER_PROJECT}, '节点' || i, "
                f"CASE WHEN (i - 1) % {NODES_PER_PROJECT} = 0 AND ((i - 1) / {NODES_PER_PROJECT}) % 2 = 0 THEN :due "
                f"     WHEN (i - 1) % {NODES_PER_PROJECT} < 5 THEN :backlog ELSE :ahead END, 'bench', false, "
                f"CASE WHEN (i - 1) % {NODES_PER_PROJECT} IN (4, 5, 6) THEN 'approved' ELSE 'pending' END, 1, "
                f"CASE WHEN (i - 1) % {NODES_PER_PROJECT} = 0 AND ((i - 1) / {NODES_PER_PROJECT}) % 2 = 0 THEN 1 "
                f"     WHEN (i - 1) % {NODES_PER_PROJECT} IN (0, 1, 2, 3) THEN 2 "
                f"     WHEN (i - 1) % {NODES_PER_PROJECT} IN (4, 5, 6) THEN NULL ELSE 0 END, "
                f"CASE WHEN (i - 1) % {NODES_PER_PROJECT} = 0 AND ((i - 1) / {NODES_PER_PROJECT}) % 2 = 0 THEN :as_of "
                f"     WHEN (i - 1) % {NODES_PER_PROJECT} IN (0, 1, 2, 3) THEN :late5 "
                f"     WHEN (i - 1) % {NODES_PER_PROJECT} IN (4, 5, 6) THEN NULL ELSE :reminder END "
                f"FROM {numbers(engine, projects * NODES_PER_PROJECT)}"
            ),
            {
                "due": DUE,
                "backlog": BACKLOG_DUE,
                "ahead": AHEAD_DUE,
                "as_of": AS_OF,
                "late5": CAL.add_working_days(BACKLOG_DUE, 5),
                "reminder": CAL.add_working_days(AHEAD_DUE, -3),
            },
        )
        for code, index, offset in (("reminder", 0, -3), ("late-1", 1, 1)):
            connection.execute(
                text(
                    "INSERT INTO escalationclaim (entity_type, entity_id, rung_code, rung_index, due_date, fires_on, "
                    f"as_of, skipped, claimed_at) SELECT 'node', id, '{code}', {index}, due_date, "
                    "CASE WHEN due_date = :due THEN :due_fires ELSE :backlog_fires END, "
                    "CASE WHEN due_date = :due THEN :due_fires ELSE :backlog_fires END, false, :now "
                    f"FROM node WHERE next_rung_index > {index}"
                ),
                {
                    "due": DUE,
                    "due_fires": CAL.add_working_days(DUE, offset),
                    "backlog_fires": CAL.add_working_days(BACKLOG_DUE, offset),
                    "now": NOW,
                },
            )
        if engine.dialect.name == "postgresql":
            for table in ("organisation", "project", "node", "escalationclaim"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
        due = connection.execute(text("SELECT count(*) FROM node WHERE next_rung_on <= :d"), {"d": AS_OF})
        return int(due.scalar_one())


def reference(engine: Engine) -> None:
    """The same claims and notices (late-1 to community and street office), written by hand for this data.

    It knows the ladder (late-1 fires today, late-5 comes next) and the region tree (community, street,
    district), and writes every column the sweep writes, in one transaction: claims, notices, next rungs.
    Like the sweep, it starts from the index on the day each node's next rung fires (CROSS JOIN keeps
    SQLite from starting at the projects instead, and no ORDER BY tempts it to walk the table in id order).
    """
    pg = engine.dialect.name == "postgresql"
    build_object = "json_build_object" if pg else "json_object"
    due = (
        "m.next_rung_on <= :as_of AND m.next_rung_index = 1 AND m.state NOT IN ('approved', 'waived') "
        "AND p.state = 'in_progress' AND p.id = m.project_id"
    )
    params = {
        "as_of": AS_OF,
        "now": NOW,
        "late5": LATE5_ON,
        "as_of_text": AS_OF.isoformat(),
        "late": CAL.working_days_between(DUE, AS_OF),
        "left": max(0, CAL.working_days_between(AS_OF, DUE)),
        "key_prefix": "escalation:node:",
        "digest": f"node_overdue:{AS_OF.isoformat()}",
    }
    as_of, late5, now = (
        bindparam("as_of", type_=Date()),
        bindparam("late5", type_=Date()),
        bindparam("now", type_=AwareDateTime()),
    )
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO escalationclaim (entity_type, entity_id, rung_code, rung_index, due_date, fires_on, as_of, "
                "skipped, claimed_at) SELECT 'node', m.id, 'late-1', 1, m.due_date, m.next_rung_on, :as_of, false, :now "
                f"FROM node m CROSS JOIN project p WHERE {due} ON CONFLICT DO NOTHING"
            ).bindparams(as_of, now),
            params,
        )
        c.execute(
            text(
                "INSERT INTO outboxmessage (template, entity_type, entity_id, recipient_party, recipient_name, "
                "recipient_address, params, message_id, dedupe_key, digest_key, status, attempts, next_attempt_at, "
                "created_at) "
                "SELECT 'node_overdue', 'node', m.id, t.party, "
                f"CASE t.party WHEN 'community' THEN {office_name_sql(Party.COMMUNITY, 'cm.name')} "
                f"ELSE {office_name_sql(Party.STREET_OFFICE, 'st.name')} END, "
                "CASE t.party WHEN 'community' THEN cm.contact_email ELSE st.contact_email END, "
                f"{build_object}('project_id', p.id, 'project_title', p.title, 'district', di.name, 'node_id', m.id, "
                "'node_kind', m.kind, 'node_title', m.title, 'due_date', CAST(m.due_date AS TEXT), "
                "'working_days_late', CAST(:late AS INTEGER), 'working_days_left', CAST(:left AS INTEGER), "
                "'rung_code', 'late-1', 'rung_label', '逾期1个工作日', 'as_of', CAST(:as_of_text AS TEXT)), "
                "'<escalation.node.' || m.id || '.late-1.' || t.party || '@sanshe.local>', "
                "CAST(:key_prefix AS TEXT) || m.id || CAST(:late1_key AS TEXT) || t.party, CAST(:digest AS TEXT), "
                "'pending', 0, :now, :now "
                "FROM node m CROSS JOIN project p JOIN region cm ON cm.id = p.community_id "
                "JOIN region st ON st.id = cm.parent_id JOIN region di ON di.id = st.parent_id "
                "CROSS JOIN (SELECT 1 AS position, 'community' AS party UNION ALL SELECT 2, 'street_office') AS t "
                f"WHERE {due} ON CONFLICT DO NOTHING"
            ).bindparams(as_of, now),
            {**params, "late1_key": ":late-1:"},
        )
        c.execute(
            text(
                "UPDATE node SET next_rung_index = 2, next_rung_on = :late5 "
                "WHERE node.next_rung_on <= :as_of AND node.next_rung_index = 1 "
                "AND node.state NOT IN ('approved', 'waived') "
                "AND EXISTS (SELECT 1 FROM project p WHERE p.id = node.project_id AND p.state = 'in_progress')"
            ).bindparams(as_of, late5),
            params,
        )


def fingerprint(engine: Engine) -> tuple[int, int, int]:
    """Counts of today's claims and of notices, and a hash of every column that says what they are (not ids)."""
    claims_table, outbox_table = EscalationClaim.__table__, OutboxMessage.__table__  # type: ignore[attr-defined]
    with engine.connect() as c:
        claims = sorted(
            tuple(map(str, row))
            for row in c.execute(
                select(*[col for col in claims_table.c if col.name != "id"]).where(claims_table.c.as_of == AS_OF)
            )
        )
        notices = sorted(
            tuple(
                json.dumps(value, sort_keys=True, ensure_ascii=False) if isinstance(value, dict) else str(value)
                for value in row
            )
            for row in c.execute(select(*[col for col in outbox_table.c if col.name != "id"]))
        )
    digest = hashlib.sha256(repr((claims, notices)).encode()).hexdigest()
    return len(claims), len(notices), int(digest[:12], 16)


def scan_baseline(engine: Engine) -> int:
    """The design the index avoids: find rungs to claim by scanning every open overdue node (here, with nothing new)."""
    with engine.connect() as c:
        return int(
            c.execute(
                text(
                    "SELECT count(*) FROM node m JOIN project p ON p.id = m.project_id "
                    "WHERE m.due_date < :as_of AND m.state NOT IN ('approved', 'waived') AND p.state = 'in_progress' "
                    "AND NOT EXISTS (SELECT 1 FROM escalationclaim c WHERE c.entity_type = 'node' "
                    "AND c.entity_id = m.id AND c.rung_code = 'late-1')"
                ).bindparams(bindparam("as_of", type_=Date())),
                {"as_of": AS_OF},
            ).scalar_one()
        )


def reset(engine: Engine) -> None:
    """Back to the state before the sweep: the newly late nodes wait for late-1 again."""
    with engine.begin() as c:
        c.execute(text("DELETE FROM outboxmessage"))
        c.execute(text("DELETE FROM escalationclaim WHERE as_of = :as_of"), {"as_of": AS_OF})
        c.execute(text("DELETE FROM sweeprun"))
        c.execute(
            text(
                f"UPDATE node SET next_rung_index = 1, next_rung_on = :as_of "
                f"WHERE sequence = 1 AND ((id - 1) / {NODES_PER_PROJECT}) % 2 = 0"
            ),
            {"as_of": AS_OF},
        )


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run_sweep(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        sweep(session, as_of=AS_OF, now=NOW)


def bench_backend(backend: str, projects: int, rounds: int) -> dict[str, float | int | str]:
    """Reference and sweep in turns on the same data, `rounds` times; each time is the best of its rounds."""
    times: dict[str, list[float]] = {
        "reference_s": [],
        "reference_rerun_s": [],
        "sweep_s": [],
        "rerun_s": [],
        "scan_s": [],
    }
    with database(backend) as engine:
        due = populate(engine, projects)
        for round_ in range(rounds):
            reset(engine)
            times["reference_s"].append(timed(lambda: reference(engine)))
            if round_ == 0:
                ref_rows = fingerprint(engine)
            times["reference_rerun_s"].append(timed(lambda: reference(engine)))
            reset(engine)
            times["sweep_s"].append(timed(lambda: run_sweep(engine)))
            if round_ == 0:
                our_rows = fingerprint(engine)
                assert our_rows == ref_rows, f"sweep {our_rows} != reference {ref_rows}: not the same rows"
            times["rerun_s"].append(timed(lambda: run_sweep(engine)))
            if round_ == 0:
                assert fingerprint(engine) == our_rows, "a rerun must add nothing"
            started = time.perf_counter()
            assert scan_baseline(engine) == 0, "every overdue rung is claimed"
            times["scan_s"].append(time.perf_counter() - started)
    return {
        "backend": backend,
        "nodes": projects * NODES_PER_PROJECT,
        "due": due,
        "claims": our_rows[0],
        "notices": our_rows[1],
        **{name: min(values) for name, values in times.items()},
    }


def prefect_task_cost(n: int = 100) -> float:
    """Seconds per task run of a trivial task inside one flow run, against a real (test) Prefect server."""
    from prefect import flow, task
    from prefect.testing.utilities import prefect_test_harness

    @task
    def nothing(i: int) -> int:
        return i

    @flow
    def many() -> None:
        for i in range(n):
            nothing(i)

    with prefect_test_harness(server_startup_timeout=120):
        many()  # warm-up: the first run pays for imports and registration
        return timed(many) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=3, help="each time is the best of this many rounds")
    parser.add_argument("--no-prefect", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = [bench_backend(b.strip(), args.projects, args.rounds) for b in args.backends.split(",") if b.strip()]
    header = (
        f"{'backend':<9}{'nodes':>9}{'due':>8}{'claims':>8}{'notices':>9}{'sweep s':>9}{'ref s':>8}{'ratio':>7}"
        f"{'rerun s':>9}{'ref rerun s':>12}{'scan s':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r['backend']:<9}{r['nodes']:>9}{r['due']:>8}{r['claims']:>8}{r['notices']:>9}{r['sweep_s']:>9.2f}"
            f"{r['reference_s']:>8.2f}{float(r['sweep_s']) / float(r['reference_s']):>7.2f}{r['rerun_s']:>9.3f}"
            f"{r['reference_rerun_s']:>12.3f}{r['scan_s']:>8.3f}"
        )
    lines.append(
        f"Best of {args.rounds} rounds, reference and sweep in turns on the same data. scan s: finding the "
        "same work by scanning every open overdue node instead (a rerun, nothing new)."
    )
    if not args.no_prefect:
        per_task = prefect_task_cost()
        due = int(results[0]["due"]) if results else 0
        lines.append(
            f"\nPrefect: one task run costs {per_task * 1000:.1f} ms; a task per newly due node "
            f"({due}) would add about {per_task * due:.0f} s to one sweep."
        )
    logging.getLogger().warning("\n%s", "\n".join(lines))  # the report is the benchmark's output


if __name__ == "__main__":
    main()
