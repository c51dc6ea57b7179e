"""p50/p95 of the filtered project list and the project detail over 100k projects, in one process.

Run: `.venv/bin/python -m benchmarks.api [--projects 100000] [--requests 200]` (goal: p95 < 50 ms).
Builds a fresh SQLite database under var/, bulk-inserts the rows, then times requests through the app.
"""

import argparse
import logging
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session, select

from models.database import make_engine
from models.migrate import upgrade_database
from models.milestone import Milestone
from models.organisation import Organisation
from models.programme_loader import load_programme
from models.project import Project
from models.region import Region, RegionLevel
from models.regions import ensure_region
from models.roles import Role
from service.app import create_app
from service.auth import create_access_token, create_user
from service.settings import PROJECT_ROOT, Settings

log = logging.getLogger("benchmarks.api")
NOW = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
STATES = ["draft", "submitted", "eligible", "under_review", "selected", "in_progress", "in_progress", "in_progress",
          "accepted", "withdrawn"]


def build(path: Path, projects: int) -> tuple[Settings, dict[str, int]]:
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        upgrade_database(connection)
    rng = random.Random(7)
    with Session(engine) as session:
        programme = load_programme(session, PROJECT_ROOT / "programmes" / "lanzhou-2022.yaml", now=NOW)
        districts = session.exec(select(Region).where(Region.parent_id == programme.region_id)).all()
        communities = []
        for district in districts:
            for s in range(20):
                street = ensure_region(session, name=f"街道{s}", level=RegionLevel.STREET, parent=district)
                communities += [ensure_region(session, name=f"社区{c}", level=RegionLevel.COMMUNITY, parent=street)
                                for c in range(10)]
        session.execute(insert(Organisation), [{"name": f"机构{i}", "credit_code": f"BENCH{i:013d}"} for i in range(300)])
        org_ids = list(session.exec(select(Organisation.id)).all())
        rows = [
            {"programme_id": programme.id, "community_id": rng.choice(communities).id, "organisation_id": rng.choice(org_ids),
             "title": f"项目{i}", "state": rng.choice(STATES), "version": 1, "total_fen": 30_000_000,
             "community_service_area_m2": 400, "created_at": NOW - timedelta(minutes=i)}
            for i in range(projects)
        ]
        for start in range(0, len(rows), 10_000):
            session.execute(insert(Project), rows[start:start + 10_000])
        live = session.exec(select(Project.id).where(Project.state == "in_progress")).all()
        nodes = [
            {"project_id": pid, "kind": kind, "sequence": 1, "title": kind, "due_date": date(2022, 12, 27) + timedelta(days=90 * k),
             "planned_from": "bench", "provisional": False, "state": rng.choice(["pending", "approved"]), "version": 1}
            for pid in live for k, kind in enumerate(("supervision", "mid_term", "final"))
        ]
        for start in range(0, len(nodes), 10_000):
            session.execute(insert(Milestone), nodes[start:start + 10_000])
        district = next(d for d in districts if d.name == "城关区")
        users = {
            "coordinator": create_user(session, username="bench-coordinator", password="bench-password",
                                       role=Role.CITY_COORDINATOR, region_id=programme.region_id, now=NOW),
            "district": create_user(session, username="bench-district", password="bench-password",
                                    role=Role.DISTRICT_BUREAU, region_id=district.id, now=NOW),
        }
        session.commit()
        settings = Settings(database_url=f"sqlite:///{path}", secret_key="benchmark-secret-key-of-thirty-two-bytes")
        ids = {"programme": programme.id, "district": district.id, "max_project": len(rows)}
        tokens = {name: create_access_token(u, settings=settings, now=NOW) for name, u in users.items()}
    engine.dispose()
    return settings, {**ids, **{f"token:{k}": v for k, v in tokens.items()}}  # type: ignore[dict-item]


def timed(client: TestClient, requests: list[tuple[str, dict[str, str], dict[str, object]]]) -> list[float]:
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
    return f"{name:<40} n={len(ordered):4}  p50={statistics.median(ordered):6.1f} ms  p95={p95:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    path = PROJECT_ROOT / "var" / "bench-api.db"
    path.parent.mkdir(exist_ok=True)
    started = time.perf_counter()
    settings, ids = build(path, args.projects)
    log.info("built %d projects in %.1f s", args.projects, time.perf_counter() - started)
    rng = random.Random(11)
    app = create_app(settings=settings, clock=lambda: NOW)
    with TestClient(app) as client:
        auth = {name: {"Authorization": f"Bearer {ids[f'token:{name}']}"} for name in ("coordinator", "district")}
        lists = [
            ("/api/v1/projects", auth["coordinator"],
             {"programme_id": ids["programme"], "district_id": ids["district"], "state": "in_progress",
              "overdue": "true", "sort": "-created_at", "page": rng.randint(1, 5), "page_size": 50})
            for _ in range(args.requests)
        ]
        district_lists = [
            ("/api/v1/projects", auth["district"], {"sort": rng.choice(["-created_at", "title", "-id"]),
                                                    "page": rng.randint(1, 20), "page_size": 50})
            for _ in range(args.requests)
        ]
        details = [(f"/api/v1/projects/{rng.randint(1, ids['max_project'])}", auth["coordinator"], {})
                   for _ in range(args.requests)]
        timed(client, lists[:10] + details[:10])  # warm up caches and the connection pool
        results = [
            report("list: district+state+overdue, -created_at", timed(client, lists)),
            report("list: district user, sorted, paged", timed(client, district_lists)),
            report("detail: GET /projects/{id}", timed(client, details)),
        ]
    for line in results:
        log.info(line)


if __name__ == "__main__":
    main()
