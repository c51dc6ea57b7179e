"""p50/p95 of the filtered project list and the project detail over 100k projects, in one process.

Run: `.venv/bin/python -m benchmarks.api [--projects 100000] [--requests 200] [--backend sqlite,postgres]`
(goal: p95 < 50 ms). Builds a fresh database per backend (the sweep benchmark's: a temporary SQLite file, a
PostgreSQL schema dropped afterwards; SANSHE_BENCH_POSTGRES_URL), bulk-inserts the rows, analyses the tables
as a production database would be, then times requests through the app.
"""

import argparse
import logging
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from sqlmodel import Session, select

from benchmarks.sweep import database
from models.node import Node
from models.organisation import Organisation
from models.programme_loader import load_programme
from models.project import Project
from models.region import Region, RegionLevel
from models.region_tree import ensure_region
from models.roles import Role
from service.app import create_app
from service.auth import create_access_token, create_user
from service.settings import PROJECT_ROOT, Settings

log = logging.getLogger("benchmarks.api")
NOW = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
STATES = [
    "draft",
    "submitted",
    "eligible",
    "under_review",
    "selected",
    "in_progress",
    "in_progress",
    "in_progress",
    "accepted",
    "withdrawn",
]
Request = tuple[str, dict[str, str], dict[str, object]]


def build(engine: Engine, projects: int, *, analyse: bool) -> dict[str, Any]:
    """Lanzhou 2022 with 5 districts × 20 streets × 10 communities, `projects` projects and their nodes."""
    rng = random.Random(7)
    with Session(engine, expire_on_commit=False) as session:
        programme = load_programme(session, PROJECT_ROOT / "programmes" / "lanzhou-2022.yaml", now=NOW)
        districts = session.exec(select(Region).where(Region.parent_id == programme.region_id)).all()
        communities: list[tuple[Region, Region]] = []
        for district in districts:
            for s in range(20):
                street = ensure_region(session, name=f"街道{s}", level=RegionLevel.STREET, parent=district)
                communities += [
                    (district, ensure_region(session, name=f"社区{c}", level=RegionLevel.COMMUNITY, parent=street))
                    for c in range(10)
                ]
        session.execute(
            insert(Organisation), [{"name": f"机构{i}", "credit_code": f"BENCH{i:013d}"} for i in range(300)]
        )
        org_ids = list(session.exec(select(Organisation.id)).all())
        rows = []
        for i in range(projects):
            district, community = rng.choice(communities)
            rows.append(
                {
                    "programme_id": programme.id,
                    "community_id": community.id,
                    "district_id": district.id,
                    "organisation_id": rng.choice(org_ids),
                    "title": f"项目{rng.randrange(10**6):06d}",
                    "state": rng.choice(STATES),
                    "version": 1,
                    "total_fen": 30_000_000,
                    "community_service_area_m2": 400,
                    "created_at": NOW - timedelta(minutes=i),
                }
            )
        for start in range(0, len(rows), 10_000):
            session.execute(insert(Project), rows[start : start + 10_000])
        live = session.exec(select(Project.id).where(Project.state == "in_progress")).all()
        nodes = [
            {
                "project_id": pid,
                "kind": kind,
                "sequence": 1,
                "title": kind,
                "due_date": date(2022, 12, 27) + timedelta(days=90 * k),
                "planned_from": "bench",
                "provisional": False,
                "state": rng.choice(["pending", "approved"]),
                "version": 1,
            }
            for pid in live
            for k, kind in enumerate(("supervision", "mid_term", "final"))
        ]
        for start in range(0, len(nodes), 10_000):
            session.execute(insert(Node), nodes[start : start + 10_000])
        district = next(d for d in districts if d.name == "城关区")
        users = {
            "coordinator": create_user(
                session,
                username="bench-coordinator",
                password="bench-password",
                role=Role.CITY_COORDINATOR,
                region_id=programme.region_id,
                now=NOW,
            ),
            "district": create_user(
                session,
                username="bench-district",
                password="bench-password",
                role=Role.DISTRICT_BUREAU,
                region_id=district.id,
                now=NOW,
            ),
        }
        session.commit()
        max_project = session.exec(select(Project.id).order_by(Project.id.desc())).first()  # type: ignore[union-attr]
        settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            secret_key="benchmark-secret-key-of-thirty-two-bytes",
            scheduler_enabled=False,
        )
        tokens = {name: create_access_token(u, settings=settings, now=NOW) for name, u in users.items()}
    if analyse:
        analyse_tables(engine)
    return {
        "settings": settings,
        "programme": programme.id,
        "district": district.id,
        "max_project": max_project,
        "tokens": tokens,
    }


def analyse_tables(engine: Engine) -> None:
    """What a production database has after a bulk load: planner statistics, and on PostgreSQL the visibility
    map (VACUUM) that lets a count read an index alone; autovacuum would do the same a little later."""
    statement = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(statement)


def timed(client: TestClient, requests: list[Request]) -> list[float]:
    durations = []
    for url, headers, params in requests:
        started = time.perf_counter()
        response = client.get(url, headers=headers, params=params)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return durations


def report(name: str, durations: list[float]) -> str:
    ordered = sorted(durations)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"{name:<44} n={len(ordered):4}  p50={statistics.median(ordered):6.1f} ms  p95={p95:6.1f} ms"


def bench_backend(backend: str, projects: int, requests: int, *, analyse: bool) -> list[str]:
    with database(backend) as engine:
        started = time.perf_counter()
        built = build(engine, projects, analyse=analyse)
        log.info(
            "%s: built %d projects in %.1f s%s",
            backend,
            projects,
            time.perf_counter() - started,
            "" if analyse else " (not analysed)",
        )
        rng = random.Random(11)
        app = create_app(settings=built["settings"], engine=engine, clock=lambda: NOW)
        with TestClient(app) as client:
            auth = {name: {"Authorization": f"Bearer {token}"} for name, token in built["tokens"].items()}
            lists: list[Request] = [
                (
                    "/api/v1/projects",
                    auth["coordinator"],
                    {
                        "programme_id": built["programme"],
                        "district_id": built["district"],
                        "state": "in_progress",
                        "overdue": "true",
                        "sort": "-created_at",
                        "page": rng.randint(1, 5),
                        "page_size": 50,
                    },
                )
                for _ in range(requests)
            ]
            district_lists: list[Request] = [
                (
                    "/api/v1/projects",
                    auth["district"],
                    {"sort": rng.choice(["-created_at", "title", "-id"]), "page": rng.randint(1, 20), "page_size": 50},
                )
                for _ in range(requests)
            ]
            details: list[Request] = [
                (f"/api/v1/projects/{rng.randint(1, built['max_project'])}", auth["coordinator"], {})
                for _ in range(requests)
            ]
            timed(client, lists[:10] + district_lists[:10] + details[:10])  # warm up caches and the pool
            return [
                report(f"{backend}: list district+state+overdue, -created_at", timed(client, lists)),
                report(f"{backend}: list as district user, sorted, paged", timed(client, district_lists)),
                report(f"{backend}: detail GET /projects/{{id}}", timed(client, details)),
            ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", default="sqlite,postgres", help="sqlite, postgres or both, comma-separated")
    parser.add_argument("--no-analyse", action="store_true", help="skip ANALYZE after the load (to see its effect)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    results = []
    for backend in (b.strip() for b in args.backend.split(",") if b.strip()):
        results += bench_backend(backend, args.projects, args.requests, analyse=not args.no_analyse)
    for line in results:
        log.info(line)


if __name__ == "__main__":
    main()
