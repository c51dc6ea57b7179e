"""`sanshe` commands of data exchange: `import KIND FILE.xlsx` and `export …` (lists, audit trails, templates)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlmodel import Session, select

from models.database import make_engine, session_scope
from models.errors import DomainError
from models.organisation import Organisation
from models.programme import Programme
from models.programme_spec import ProgrammeSpec
from models.roles import Actor, Role
from models.user import User
from service.auth import actor_of
from service.clock import system_clock
from service.excel.exporting import export_audit_trail, export_rows
from service.excel.importing import ImportRejected, import_workbook
from service.excel.kinds import KINDS, SHEET_TITLES
from service.excel.listings import PARTY_LISTINGS, ProjectFilter, project_listing
from service.excel.reading import describe
from service.excel.templates import template_workbook
from service.settings import get_settings

CLI_USER = "cli"
OutFile = Annotated[Path, typer.Option("--out", "-o", help="写入的 .xlsx 文件", dir_okay=False)]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
    app.command("import")(import_command)
    exports = typer.Typer(help="导出 Excel：项目、机构、社工、专家列表，审计记录，导入模板。", no_args_is_help=True)
    exports.command("projects")(export_projects)
    for kind in PARTY_LISTINGS:
        exports.command(kind, help=f"导出全部{SHEET_TITLES[kind]}（表头与导入模板一致，可修改后再导入）。")(
            _party_export(kind)
        )
    exports.command("audit")(export_audit)
    exports.command("template")(export_template)
    app.add_typer(exports, name="export")


def import_command(
    kind: Annotated[str, typer.Argument(help="organisations | social-workers | experts | declarations")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="要导入的 .xlsx 文件")],
    as_whom: Annotated[
        str, typer.Option("--as", help="以哪个用户名或角色导入（默认 admin；角色如 city_coordinator、organisation）")
    ] = "admin",
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="以社工机构身份导入时，本机构的统一社会信用代码")
    ] = None,
) -> None:
    """从 Excel 导入社工机构、社会工作者、评审专家或项目申报：任何一处有错则全部不导入，并逐行列出错误。"""
    if kind not in KINDS:
        _fail(f"没有名为“{kind}”的导入类型，可选：{'、'.join(KINDS)}")
    with _session() as session:
        actor = _actor(session, as_whom, organisation)
        try:
            report = import_workbook(session, kind, file.read_bytes(), actor=actor, now=system_clock())
        except ImportRejected as exc:
            lines = [describe(error) for error in exc.errors]
            _fail("\n".join([f"{file.name}：{exc.message}", *lines]))
        except DomainError as exc:
            _fail(exc.message)
    typer.echo(f"导入完成（{SHEET_TITLES[kind]}）：新增 {report.created} 条，更新 {report.updated} 条。")


def export_projects(
    out: OutFile,
    programme: Annotated[str | None, typer.Option(help="试点批次代码，如 lanzhou-2022")] = None,
    district: Annotated[str | None, typer.Option(help="区（县）名称，如 城关区")] = None,
    state: Annotated[str | None, typer.Option(help="项目状态代码，如 in_progress")] = None,
) -> None:
    """导出试点项目列表（可按批次、区、状态筛选）。"""
    with _session() as session:
        try:
            listing = project_listing(session, ProjectFilter(programme, district, state))
        except DomainError as exc:
            _fail(exc.message)
    _write(out, export_rows(listing.title, listing.columns, listing.rows), len(listing.rows))


def _party_export(kind: str) -> Callable[[Path], None]:
    def command(out: OutFile) -> None:
        with _session() as session:
            listing = PARTY_LISTINGS[kind](session)
        _write(out, export_rows(listing.title, listing.columns, listing.rows), len(listing.rows))

    command.__name__ = f"export_{kind.replace('-', '_')}"
    return command


def export_audit(
    entity_type: Annotated[str, typer.Argument(help="project | node_report | review_assignment")],
    entity_id: Annotated[int, typer.Argument(help="编号")],
    out: OutFile,
) -> None:
    """导出一个项目、节点报告或评审任务的审计记录。"""
    with _session() as session:
        try:
            data = export_audit_trail(session, entity_type, entity_id)
        except DomainError as exc:
            _fail(exc.message)
    _write(out, data, None)


def export_template(
    kind: Annotated[str, typer.Argument(help="organisations | social-workers | experts | declarations")],
    out: OutFile,
    programme: Annotated[str | None, typer.Option(help="申报模板须指定试点批次代码：预算科目各占一列")] = None,
) -> None:
    """导出空白导入模板（含“填写说明”工作表）。"""
    if kind not in KINDS:
        _fail(f"没有名为“{kind}”的导入类型，可选：{'、'.join(KINDS)}")
    spec: ProgrammeSpec | None = None
    if programme is not None:
        with _session() as session:
            found = session.exec(select(Programme).where(Programme.code == programme)).first()
            if found is None:
                _fail(f"没有代码为“{programme}”的试点批次，请先 sanshe load-programme")
            spec = found.parsed_spec()
    _write(out, template_workbook(kind, spec), None)


def _actor(session: Session, as_whom: str, credit_code: str | None) -> Actor:
    """A user name acts as that user; a role name (admin by default) acts as the command line in that role."""
    user = session.exec(select(User).where(User.username == as_whom)).first()
    if user is not None:
        if user.disabled:
            _fail(f"用户 {as_whom} 已停用")
        return actor_of(user)
    try:
        role = Role(as_whom)
    except ValueError:
        _fail(f"“{as_whom}”既不是用户名也不是角色，角色可选：{'、'.join(r.value for r in Role)}")
    if role is not Role.ORGANISATION:
        return Actor(CLI_USER, role, "命令行")
    if credit_code is None:
        _fail("以社工机构角色导入时须用 --organisation 指定本机构的统一社会信用代码（或用 --as 用户名）")
    found = session.exec(select(Organisation).where(Organisation.credit_code == credit_code.strip().upper())).first()
    if found is None:
        _fail(f"系统中没有统一社会信用代码为 {credit_code} 的社工机构")
    return Actor(CLI_USER, role, found.name, organisation_id=found.id)


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def _write(out: Path, data: bytes, count: int | None) -> None:
    out.write_bytes(data)
    typer.echo(f"已写入 {out}" + (f"（{count} 行）" if count is not None else ""))


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code=2)
