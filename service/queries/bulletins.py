"""Published bulletins (节点工作完成情况通报) as the offices that receive them read and download them.

A bulletin is the .xlsx `schedules.bulletin` keeps per (programme, period). It is circulated whole: every district
bureau and street office of the programme's city reads every district's row, as a paper 通报 is circulated to all,
and it names projects and nodes, never persons. Another city's bulletins are not found.
"""

from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlmodel import Session, select

from models.errors import OutOfScope, RulesFailed
from models.programme import Programme
from models.region import Region
from models.roles import Actor, Role
from schedules.bulletin import Period, bulletin_file, parse_period

BULLETIN_READERS = (Role.CITY_COORDINATOR, Role.DISTRICT_BUREAU, Role.STREET_OFFICE)  # and the administrator
BULLETINS_PATH = "/api/v1/bulletins"


class BulletinPublic(BaseModel):
    programme_id: int
    programme_code: str
    period: str
    first: date
    last: date
    size: int
    generated_at: datetime
    download_url: str


def programme_in_scope(session: Session, actor: Actor, programme: Programme) -> bool:
    """The programme's city contains the actor's office, or the actor's region contains the city."""
    if actor.role is Role.ADMIN:
        return True
    own, city = session.get(Region, actor.region_id or 0), session.get(Region, programme.region_id)
    return own is not None and city is not None and (own.path.startswith(city.path) or city.path.startswith(own.path))


def scoped_programme(session: Session, *, actor: Actor, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None or not programme_in_scope(session, actor, programme):
        raise OutOfScope("试点批次不存在或不在您的管辖范围内")
    return programme


def bulletin_public(programme: Programme, period: Period, path: Path) -> BulletinPublic:
    assert programme.id is not None
    stat = path.stat()
    return BulletinPublic(
        programme_id=programme.id,
        programme_code=programme.code,
        period=period.label,
        first=period.first,
        last=period.last,
        size=stat.st_size,
        generated_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
        download_url=f"{BULLETINS_PATH}/{programme.id}/{period.label}",
    )


def _published(files_dir: Path, programme: Programme) -> list[tuple[Period, Path]]:
    """The periods whose file this programme has (a longer code's files do not parse as a period of this one)."""
    found = []
    for path in (files_dir / "bulletins").glob(f"{programme.code}-*.xlsx"):
        label = path.name.removeprefix(f"{programme.code}-").removesuffix(".xlsx")
        try:
            period = parse_period(label)
        except RulesFailed:
            continue
        if bulletin_file(files_dir, programme.code, period) == path:
            found.append((period, path))
    return found


def list_bulletins(
    session: Session, *, actor: Actor, programme_id: int | None, files_dir: Path
) -> list[BulletinPublic]:
    """Every bulletin of the programmes in the actor's scope, the latest period first."""
    query = select(Programme).order_by(Programme.code)  # type: ignore[arg-type]
    if programme_id is not None:
        query = query.where(Programme.id == programme_id)
    found = [
        bulletin_public(programme, period, path)
        for programme in session.exec(query).all()
        if programme_in_scope(session, actor, programme)
        for period, path in _published(files_dir, programme)
    ]
    return sorted(found, key=lambda b: (b.first, b.last, b.programme_code), reverse=True)


def bulletin_download(
    session: Session, *, actor: Actor, programme_id: int, period: str, files_dir: Path
) -> tuple[bytes, str]:
    """The workbook and the name it is saved under."""
    programme = scoped_programme(session, actor=actor, programme_id=programme_id)
    try:
        parsed = parse_period(period)
    except RulesFailed as exc:
        raise OutOfScope("该期通报不存在") from exc
    path = bulletin_file(files_dir, programme.code, parsed)
    if not path.is_file():
        raise OutOfScope("该期通报尚未生成")
    return path.read_bytes(), f"{programme.name}节点工作完成情况通报（{parsed.label}）.xlsx"


def publishable_quarters(programme: Programme, today: date) -> list[Period]:
    """The quarters a bulletin can be published for: from the quarter the programme opens to the one it closes in,
    those begun by `today`; the latest first (the current quarter counts as of today)."""
    phases = programme.parsed_spec().phases
    first, last = phases.declaration.start, min(phases.acceptance.end, today)
    found, year, quarter = [], first.year, (first.month - 1) // 3 + 1
    while date(year, 3 * quarter - 2, 1) <= last:
        found.append(parse_period(f"{year}-Q{quarter}"))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return found[::-1]


def programmes_in_scope(session: Session, *, actor: Actor) -> list[Programme]:
    """The programmes whose bulletins the actor reads (and, a coordinator, publishes)."""
    found = session.exec(select(Programme).order_by(Programme.code)).all()  # type: ignore[arg-type]
    return [programme for programme in found if programme_in_scope(session, actor, programme)]
