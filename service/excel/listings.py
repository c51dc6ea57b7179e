"""The lists the command line exports: projects, organisations, social workers and experts.

The parties' columns carry the import headers, so an exported list can be edited and imported again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from models.errors import OutOfScope
from models.expert import Expert
from models.lifecycles import PROJECT
from models.organisation import Organisation
from models.programme import Programme
from models.project import Project
from models.region import Region
from models.social_worker import SocialWorker
from service.excel import kinds
from service.excel.cells import QUALIFICATION_LABELS_ZH

PROJECTS = "projects"


@dataclass(frozen=True)
class Listing:
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class ProjectFilter:
    programme_code: str | None = None
    district: str | None = None
    state: str | None = None


def project_listing(session: Session, where: ProjectFilter) -> Listing:
    query = (
        select(Project, Programme.code, Organisation.name, Organisation.credit_code)
        .join(Programme, col(Programme.id) == Project.programme_id)
        .join(Organisation, col(Organisation.id) == Project.organisation_id)
    )
    if where.programme_code:
        query = query.where(Programme.code == where.programme_code)
    if where.state:
        if where.state not in PROJECT.states:
            raise OutOfScope(f"没有名为“{where.state}”的项目状态，可选：{'、'.join(PROJECT.states)}")
        query = query.where(Project.state == where.state)
    found = session.exec(query.order_by(col(Project.id))).all()
    communities = {p.community_id for p, *_ in found}
    paths = {r.id: r.path for r in session.exec(select(Region).where(col(Region.id).in_(communities)))}
    ancestor_ids = {int(part) for path in paths.values() for part in path.strip("/").split("/") if part}
    names = {r.id: r.name for r in session.exec(select(Region).where(col(Region.id).in_(ancestor_ids)))}
    rows = []
    for project, programme_code, organisation_name, credit_code in found:
        chain = [names[int(part)] for part in paths[project.community_id].strip("/").split("/") if part]
        district, street, community = chain[-3:] if len(chain) >= 3 else [""] * (3 - len(chain)) + chain
        if where.district and district != where.district:
            continue
        rows.append(
            {
                "id": project.id,
                "programme": programme_code,
                "district": district,
                "street": street,
                "community": community,
                "organisation": organisation_name,
                "credit_code": credit_code,
                "title": project.title,
                "state": PROJECT.states.get(project.state, project.state),
                "total_fen": project.total_fen,
                "created_at": project.created_at,
            }
        )
    columns = [
        ("id", "编号"),
        ("programme", "试点批次代码"),
        ("district", "区（县）"),
        ("street", "街道（乡镇）"),
        ("community", "社区"),
        ("organisation", "申报机构"),
        ("credit_code", "统一社会信用代码"),
        ("title", "项目名称"),
        ("state", "状态"),
        ("total_fen", "项目总经费（元）"),
        ("created_at", "申报时间"),
    ]
    return Listing("试点项目", columns, rows)


def organisation_listing(session: Session) -> Listing:
    columns = [
        ("id", "编号"),
        ("name", kinds.ORG_NAME.header),
        ("credit_code", kinds.ORG_CREDIT_CODE.header),
        ("registered_with_civil_affairs", kinds.ORG_REGISTERED.header),
        ("registered_on", kinds.ORG_REGISTERED_ON.header),
        ("sound_governance", kinds.ORG_GOVERNANCE.header),
        ("financial_rules_and_bank_account", kinds.ORG_FINANCES.header),
        ("contact_email", kinds.ORG_EMAIL.header),
    ]
    rows = [o.model_dump() for o in session.exec(select(Organisation).order_by(col(Organisation.id)))]
    return Listing(kinds.SHEET_TITLES[kinds.ORGANISATIONS], columns, rows)


def social_worker_listing(session: Session) -> Listing:
    columns = [
        ("id", "编号"),
        ("name", kinds.WORKER_NAME.header),
        ("employer_code", kinds.WORKER_EMPLOYER.header),
        ("employer", "所属机构"),
        ("qualification", kinds.WORKER_QUALIFICATION.header),
        ("degree", kinds.WORKER_DEGREE.header),
    ]
    query = (
        select(SocialWorker, Organisation)
        .join(Organisation, col(Organisation.id) == SocialWorker.employer_id, isouter=True)
        .order_by(col(SocialWorker.id))
    )
    rows = [
        {
            "id": worker.id,
            "name": worker.name,
            "employer_code": employer.credit_code if employer else None,
            "employer": employer.name if employer else None,
            "qualification": QUALIFICATION_LABELS_ZH[worker.qualification],
            "degree": worker.social_work_degree,
        }
        for worker, employer in session.exec(query)
    ]
    return Listing(kinds.SHEET_TITLES[kinds.SOCIAL_WORKERS], columns, rows)


def expert_listing(session: Session) -> Listing:
    columns = [
        ("id", "编号"),
        ("name", kinds.EXPERT_NAME.header),
        ("email", kinds.EXPERT_EMAIL.header),
        ("field_of_expertise", kinds.EXPERT_FIELD.header),
        ("employer_name", kinds.EXPERT_EMPLOYER.header),
    ]
    rows = [e.model_dump() for e in session.exec(select(Expert).order_by(col(Expert.id)))]
    return Listing(kinds.SHEET_TITLES[kinds.EXPERTS], columns, rows)


PARTY_LISTINGS: dict[str, Callable[[Session], Listing]] = {
    kinds.ORGANISATIONS: organisation_listing,
    kinds.SOCIAL_WORKERS: social_worker_listing,
    kinds.EXPERTS: expert_listing,
}
