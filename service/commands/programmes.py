"""Loading a programme file, from the API or the CLI: install it, and when its dates changed, re-plan open nodes.

A coordinator loads only the programmes of its own region (`models.region_tree.place_in_scope`, the rule by which it
keeps that region's places): another region's programme is not found, and a new one's region must lie in its own.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from sqlmodel import Session, col, select

from models.authority import authorize
from models.errors import OutOfScope
from models.lifecycles import PROGRAMME_REGISTER
from models.programme import Programme
from models.programme_loader import install_programme, parse_programme
from models.programme_spec import ProgrammeSpec
from models.region import Region
from models.region_tree import place_in_scope
from models.roles import Actor, Role
from schedules.replanning import NodeMove, replan_programme
from service.commands.progress import Progress, quiet
from service.commands.uploads import Upload
from service.files import PROGRAMME_FILE, read_upload
from service.queries.places import ProgrammeDetail, programme_detail


@dataclass(frozen=True)
class ProgrammeLoad:
    """A programme file (YAML) to install or update."""

    file: Upload


class ProgrammeLoaded(ProgrammeDetail):
    """The installed programme, and the open nodes its changed dates moved (none for a new programme)."""

    dates_changed: bool = False  # the dates nodes are planned from differ from those loaded before
    replanned_nodes: int = 0
    moves: list[NodeMove] = []


def load_programme(
    session: Session, *, data: ProgrammeLoad, actor: Actor, now: datetime, progress: Progress = quiet
) -> ProgrammeLoaded:
    """Role first, then size and type, then every field, then the region; committed with the re-planned nodes."""
    authorize(session, actor=actor, subject=PROGRAMME_REGISTER, action="load")
    name = PurePosixPath(data.file.filename).name or "programme.yaml"
    text = read_upload(data.file.stream, filename=name, rule=PROGRAMME_FILE).decode("utf-8")
    spec = parse_programme(text, filename=name)
    progress(f"已校验 {name}：{spec.name}（{spec.code}）")
    before = session.exec(select(Programme).where(Programme.code == spec.code)).first()
    _refuse_outside_region(session, actor=actor, before=before, spec=spec)
    old_plan = _planning_inputs(before.parsed_spec()) if before is not None else None
    programme = install_programme(session, spec, now=now)
    progress("已写入试点批次、区划与各区名额")
    moves: list[NodeMove] = []
    dates_changed = old_plan is not None and old_plan != _planning_inputs(spec)
    if dates_changed:
        progress("正在重新排定实施中项目的未完成节点…")
        moves = replan_programme(session, programme, actor=actor, now=now, reason=f"试点批次日期调整（{name}）")
    session.commit()
    assert programme.id is not None
    detail = programme_detail(session, programme_id=programme.id)
    return ProgrammeLoaded(**detail.model_dump(), dates_changed=dates_changed, replanned_nodes=len(moves), moves=moves)


def _refuse_outside_region(session: Session, *, actor: Actor, before: Programme | None, spec: ProgrammeSpec) -> None:
    """The programme loaded before, and the region the file names, both within the actor's region (404 otherwise)."""
    if actor.role is Role.ADMIN:
        return  # installs any programme, over a new region too
    if before is not None:
        loaded = session.get(Region, before.region_id)
        if loaded is None or not place_in_scope(session, actor, loaded):
            raise OutOfScope("试点批次不存在或不在您的管辖范围内")
    top = session.exec(select(Region).where(Region.name == spec.region.name, col(Region.parent_id).is_(None))).first()
    if top is None or not place_in_scope(session, actor, top):
        raise OutOfScope(f"地区“{spec.region.name}”不存在或不在您的管辖范围内")


def _planning_inputs(spec: ProgrammeSpec) -> tuple[object, ...]:
    """What node due dates are computed from: when it changes, open nodes are planned again."""
    return (spec.phases, tuple(spec.report_schedule))
