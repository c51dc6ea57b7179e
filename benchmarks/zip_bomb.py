"""Zip bombs posted to the import route: each must be refused in well under a second without a memory spike.

Run: `.venv/bin/python -m benchmarks.zip_bomb` (goal: < 1 s and < 50 MB traced peak per bomb). Builds the
45 KB workbook of empty rows claiming the whole sheet (finding 2 of issue 11: 18 s and 629 MB before reading
streamed) and a workbook whose sheet unzips to hundreds of times its size, posts each to
`POST /api/v1/imports/organisations` through the app on a fresh SQLite database, and prints the answer, the
time, the peak of Python allocations while it was answered (tracemalloc, a second run) and the process's
peak RSS so far. A well-formed 1,000-row workbook is posted first for comparison.
"""

import argparse
import logging
import resource
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO

from fastapi.testclient import TestClient
from sqlmodel import Session

from benchmarks.sweep import database
from models.roles import Role
from service.app import create_app
from service.auth import create_access_token, create_user
from service.excel import kinds
from service.settings import Settings
from tests.service.excel.builders import credit_code, workbook
from tests.service.excel.zip_bombs import empty_rows, high_ratio

log = logging.getLogger("benchmarks.zip_bomb")
NOW = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [column.header for column in kinds.ORGANISATION_COLUMNS]
TITLE = kinds.SHEET_TITLES[kinds.ORGANISATIONS]
MB = 1024 * 1024


def well_formed(rows: int) -> bytes:
    return workbook(
        HEADERS,
        *[[f"机构{n}", credit_code(), "是", "2018-03-01", "是", "是", f"org{n}@example.cn"] for n in range(rows)],
        title=TITLE,
    )


def cases(empty: int) -> dict[str, bytes]:
    return {
        "1,000 well-formed rows (for comparison)": well_formed(1_000),
        f"{empty:,} empty rows claiming A1:XFD1048576": empty_rows(HEADERS, empty=empty, title=TITLE),
        "1,048,575 identical empty rows (high ratio)": high_ratio(HEADERS, title=TITLE),
    }


def unzipped(data: bytes) -> int:
    return sum(member.file_size for member in zipfile.ZipFile(BytesIO(data)).infolist())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def post(client: TestClient, token: str, data: bytes) -> Callable[[], tuple[int, str]]:
    def send() -> tuple[int, str]:
        answer = client.post(
            f"/api/v1/imports/{kinds.ORGANISATIONS}",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": ("机构.xlsx", data, XLSX)},
        )
        body = answer.json()
        return answer.status_code, str(body.get("code", f"created {body.get('created')}"))

    return send


def bench(empty: int) -> list[str]:
    lines = []
    with database("sqlite") as engine:
        settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            secret_key="benchmark-secret-key-of-thirty-two-bytes",
            scheduler_enabled=False,
        )
        with Session(engine) as session:
            admin = create_user(session, username="bench-admin", password="bench-password", role=Role.ADMIN, now=NOW)
            session.commit()
            token = create_access_token(admin, settings=settings, now=NOW)
        app = create_app(settings=settings, engine=engine, clock=lambda: NOW)
        with TestClient(app) as client:
            for name, data in cases(empty).items():
                send = post(client, token, data)
                started = time.perf_counter()
                status, code = send()
                elapsed = time.perf_counter() - started
                tracemalloc.start()
                send()  # again, traced (tracemalloc slows a run); the rows of the first are refused as known
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                lines.append(
                    f"{name:<46} {len(data) / 1024:7.0f} KB → {unzipped(data) / MB:6.1f} MB unzipped  "
                    f"{status} {code:<20} {elapsed * 1000:7.0f} ms  traced peak {peak / MB:6.1f} MB  "
                    f"RSS peak so far {peak_rss_mb():6.0f} MB"
                )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--empty-rows", type=int, default=15_000, help="empty rows of the first bomb (≈45 KB)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("httpx", "alembic", "service"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for line in bench(args.empty_rows):
        log.info(line)


if __name__ == "__main__":
    main()
