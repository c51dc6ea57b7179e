"""The console's busiest pages over real HTTP at 100k projects: p50/p95 at one client and requests/s at saturation.

    .venv/bin/python -m benchmarks.console [--projects 100000] [--backends sqlite,postgres] [--workers N]
        [--seconds 10] [--users 16] [--pages dashboard,overdue,...]

Builds the API benchmark's database (`benchmarks.api.build`: Lanzhou 2022, 100k projects, the nodes of those in
progress) in the sweep benchmark's fresh database (a temporary SQLite file, or a PostgreSQL schema dropped
afterwards; SANSHE_BENCH_POSTGRES_URL), adds what these pages read besides (closing audit events of the approved
nodes, escalation claims of half the late ones, an organisation's account), analyses the tables, then starts
`python -m service.cli serve` (production mode, SANSHE_WORKERS workers unless --workers) in a subprocess, signs in
through the console's form and drives each page with locust (`benchmarks/console_load.py`, headless, its stats
CSV) from a second process: one user for the latency, then `--users` at once for the throughput. The pages are
dated by the service's real clock, so every open node of the data is late. Goal: p95 <= 100 ms, >= 100 req/s.
"""

import argparse
import csv
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from pathlib import Path

import httpx
import psutil
from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from benchmarks.api import NOW, analyse_tables, build
from benchmarks.sweep import ROOT, database
from models.audit import AuditEvent
from models.escalation import EscalationClaim
from models.node import Node
from models.organisation import Organisation
from models.project import Project
from models.roles import Role
from service.auth import create_user
from service.mail.catcher import free_port
from tests.processes import database_url, stop

log = logging.getLogger("benchmarks.console")
PASSWORD = "bench-password"
LOCUSTFILE = ROOT / "benchmarks" / "console_load.py"
STARTUP_SECONDS = 180  # two workers importing the app on a busy 2-core machine
IDLE_CPU_PERCENT = 5.0  # the server has finished the last run's requests


@dataclass(frozen=True)
class Target:
    name: str
    user: str  # coordinator, district or organisation
    paths: tuple[str, ...]  # each request picks one


def targets(district_id: int) -> list[Target]:
    pages = [f"page={n}" for n in range(1, 6)]
    return [
        Target("dashboard", "coordinator", ("/console/dashboard",)),
        Target("overdue", "coordinator", tuple(f"/console/overdue?{p}" for p in pages)),
        Target("projects", "coordinator", tuple(f"/console/projects?{p}" for p in pages)),
        Target(
            "projects-filtered",
            "coordinator",
            tuple(f"/console/projects?state=in_progress&district={district_id}&{p}" for p in pages),
        ),
        Target("projects-district", "district", tuple(f"/console/projects?{p}" for p in pages)),
        Target("my-work-coordinator", "coordinator", tuple(f"/console/?{p}" for p in pages)),
        Target("my-work-district", "district", tuple(f"/console/?{p}" for p in pages)),
        Target("my-work-organisation", "organisation", ("/console/",)),
    ]


def enrich(engine: Engine) -> int:
    """What the dashboard and the overdue list read beyond the API benchmark's rows; returns the organisation's id."""
    with Session(engine) as session:
        approved = session.exec(select(Node.id, Node.due_date).where(Node.state == "approved")).all()
        events = [
            {
                "entity_type": "node",
                "entity_id": node_id,
                "event": "approve",
                "from_state": "confirmed",
                "to_state": "approved",
                "entity_version": 2,
                "actor_id": "bench",
                "actor_role": Role.DISTRICT_BUREAU.value,
                "at": datetime.combine(due - timedelta(days=node_id % 20), day_time(3), tzinfo=UTC),
                "details": {},
            }
            for node_id, due in approved
        ]
        for start in range(0, len(events), 10_000):
            session.execute(insert(AuditEvent), events[start : start + 10_000])
        late = session.exec(select(Node.id, Node.due_date).where(Node.state == "pending", col(Node.id) % 2 == 0)).all()
        claims = [
            {
                "entity_type": "node",
                "entity_id": node_id,
                "rung_code": "late-1",
                "rung_index": 1,
                "due_date": due,
                "fires_on": due + timedelta(days=1),
                "as_of": due + timedelta(days=1),
                "skipped": False,
                "claimed_at": NOW,
            }
            for node_id, due in late
        ]
        for start in range(0, len(claims), 10_000):
            session.execute(insert(EscalationClaim), claims[start : start + 10_000])
        busiest = session.exec(
            select(Project.organisation_id)
            .where(Project.state == "in_progress")
            .group_by(Project.organisation_id)
            .order_by(col(Project.organisation_id))
        ).first()
        organisation = session.get_one(Organisation, busiest)
        create_user(
            session,
            username="bench-organisation",
            password=PASSWORD,
            role=Role.ORGANISATION,
            organisation_id=organisation.id,
            now=NOW,
        )
        session.commit()
        assert organisation.id is not None
        return organisation.id


def serve(url: str, port: int, workers: int | None, folder: Path) -> subprocess.Popen[bytes]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("SANSHE_")}
    environment |= {
        "SANSHE_MODE": "production",
        "SANSHE_SECRET_KEY": secrets.token_urlsafe(48),
        "SANSHE_DATABASE_URL": url,
        "SANSHE_SCHEDULER_ENABLED": "false",
        "SANSHE_FILES_DIR": str(folder / "files"),
    }
    if workers is not None:
        environment["SANSHE_WORKERS"] = str(workers)
    command = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with (folder / "server.log").open("wb") as output:
        process = subprocess.Popen(command, cwd=folder, env=environment, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited ({process.returncode}):\n{(folder / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5):
                    return process
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError(f"server not up within {STARTUP_SECONDS} s")
    except BaseException:
        stop(process)
        raise


def wait_until_idle(server: subprocess.Popen[bytes], timeout: float = 300) -> None:
    """Until the server (and its workers) have answered what the last run left queued: each run starts afresh."""
    parent = psutil.Process(server.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes = [parent, *parent.children(recursive=True)]
        for process in processes:
            process.cpu_percent(None)
        time.sleep(0.5)
        if sum(process.cpu_percent(None) for process in processes) < IDLE_CPU_PERCENT:
            return


def signed_in_cookie(base_url: str, username: str) -> str:
    """The console's sign-in form, as a browser fills it: the Cookie header of the signed-in session.

    Production's cookies are Secure, which a client sends over HTTPS only: here they are sent by hand."""
    with httpx.Client(base_url=base_url) as client:
        form = client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None, form.text
        answer = client.post(
            "/console/login",
            data={"csrf_token": token.group(1), "next": "/console/", "username": username, "password": PASSWORD},
            headers={"Cookie": _cookie_header(form.cookies)},
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/console/", answer.text
        return _cookie_header(answer.cookies)


def _cookie_header(cookies: httpx.Cookies) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in cookies.jar)


@dataclass(frozen=True)
class Figures:
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    per_second: float


def load(base_url: str, cookie: str, target: Target, users: int, seconds: int, folder: Path) -> Figures:
    """One locust run in a process of its own; its aggregated row of the stats CSV."""
    prefix = folder / f"{target.name}-{users}"
    environment = os.environ | {"SANSHE_BENCH_PATHS": "\n".join(target.paths), "SANSHE_BENCH_COOKIE": cookie}
    subprocess.run(
        [
            str(Path(sys.executable).with_name("locust")),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            base_url,
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "60",  # a request under way at the end is answered and counted, not left queued for the next run
            "--loglevel",
            "WARNING",
        ],
        env=environment,
        check=False,  # locust exits 1 when a request failed; the failures are reported
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv", newline="") as stats:
        row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")

    def number(column: str) -> float:
        return float("nan") if row[column] == "N/A" else float(row[column])  # N/A: no request answered in time

    return Figures(
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        p50_ms=number("50%"),
        p95_ms=number("95%"),
        per_second=number("Requests/s"),
    )


def _failures(folder: Path, target: Target) -> str:
    """Why requests failed: locust's failure counts and the server's log lines that are not a plain answer."""
    reasons = []
    for name in sorted(folder.glob(f"{target.name}-*_failures.csv")):
        with name.open(newline="") as failures:
            reasons += [f"  {row['Occurrences']} × {row['Error']}" for row in csv.DictReader(failures)]
    logged = [
        line for line in (folder / "server.log").read_text(errors="replace").splitlines() if " 200 OK" not in line
    ]
    return "\n".join([*reasons, *(f"  server: {line}" for line in logged[-20:])])


def bench_backend(
    backend: str, projects: int, workers: int | None, seconds: int, users: int, names: set[str] | None
) -> list[str]:
    with database(backend) as engine, tempfile.TemporaryDirectory(prefix="sanshe-bench-console-") as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        built = build(engine, projects, analyse=False)
        enrich(engine)
        analyse_tables(engine)
        log.info(
            "%s: built %d projects in %.1f s (load average %.1f)",
            backend,
            projects,
            time.perf_counter() - started,
            os.getloadavg()[0],
        )
        port = free_port()
        server = serve(database_url(engine), port, workers, folder)
        base_url = f"http://127.0.0.1:{port}"
        try:
            cookies = {who: signed_in_cookie(base_url, f"bench-{who}") for who in ("coordinator", "district")}
            cookies["organisation"] = signed_in_cookie(base_url, "bench-organisation")
            lines = []
            for target in targets(built["district"]):
                if names and target.name not in names:
                    continue
                cookie = cookies[target.user]
                load(base_url, cookie, target, 1, 2, folder)  # warm up the workers' caches and pools
                wait_until_idle(server)
                one = load(base_url, cookie, target, 1, seconds, folder)
                wait_until_idle(server)
                many = load(base_url, cookie, target, users, seconds, folder)
                wait_until_idle(server)
                failed = one.failures + many.failures
                lines.append(
                    f"{backend:<9}{target.name:<22}{one.p50_ms:>8.0f}{one.p95_ms:>8.0f}{many.per_second:>10.1f}"
                    f"{many.p95_ms:>10.0f}{os.getloadavg()[0]:>7.1f}{'  FAILED ' + str(failed) if failed else ''}"
                )
                log.info(lines[-1])
                if failed:
                    log.info("%s", _failures(folder, target))
            return lines
        finally:
            stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=None, help="uvicorn workers (default: SANSHE_WORKERS's)")
    parser.add_argument("--seconds", type=int, default=10, help="length of each locust run")
    parser.add_argument("--users", type=int, default=16, help="concurrent users of the saturation run")
    parser.add_argument("--pages", default="", help="only these targets, comma-separated")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server and drop the schema on the way out
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for quiet in ("httpx", "alembic"):
        logging.getLogger(quiet).setLevel(logging.WARNING)
    names = {n.strip() for n in args.pages.split(",") if n.strip()} or None
    lines = []
    for backend in (b.strip() for b in args.backends.split(",") if b.strip()):
        lines += bench_backend(backend, args.projects, args.workers, args.seconds, args.users, names)
    header = f"{'backend':<9}{'page':<22}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>10}{'p95@load':>10}{'load':>7}"
    log.info(
        "\n%s\n%s\n%s\np50/p95: one user; req/s and p95@load: %d users at once (locust, one process), %d s each;"
        " load: the machine's 1-minute load average after the page's runs.",
        header,
        "-" * len(header),
        "\n".join(lines),
        args.users,
        args.seconds,
    )


if __name__ == "__main__":
    main()
