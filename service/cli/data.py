"""`sanshe` commands of data exchange: `import KIND FILE.xlsx` and `export …` (lists, audit trails, templates)."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import select

from models.programme import Programme
from models.programme_spec import ProgrammeSpec
from service.auth import command_line_actor
from service.cli.running import AsWhom, OrganisationCode, command_now, database_session, echo_progress, fail, refusals
from service.commands.imports import ImportKind, WorkbookImport, import_file
from service.commands.uploads import Upload
from service.excel.exporting import export_audit_trail, export_rows
from service.excel.importing import ImportRejected
from service.excel.kinds import KINDS, SHEET_TITLES
from service.excel.listings import PARTY_LISTINGS, ProjectFilter, project_listing
from service.excel.reading import describe
from service.excel.templates import template_workbook

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
    as_whom: AsWhom = "admin",
    organisation: OrganisationCode = None,
) -> None:
    """从 Excel 导入社工机构、社会工作者、评审专家或项目申报：任何一处有错则全部不导入，并逐行列出错误。"""
    if kind not in KINDS:
        fail(f"没有名为“{kind}”的导入类型，可选：{'、'.join(KINDS)}")
    with refusals(), database_session() as session, file.open("rb") as stream:
        actor = command_line_actor(session, as_whom=as_whom, credit_code=organisation)
        data = WorkbookImport(ImportKind(kind), Upload(file.name, stream))
        try:
            result = import_file(session, data=data, actor=actor, now=command_now(session), progress=echo_progress)
        except ImportRejected as exc:
            fail("\n".join([f"{file.name}：{exc.message}", *(describe(error) for error in exc.errors)]))
    typer.echo(f"导入完成（{SHEET_TITLES[kind]}）：新增 {result.created} 条，更新 {result.updated} 条。")


def export_projects(
    out: OutFile,
    programme: Annotated[str | None, typer.Option(help="试点批次代码，如 lanzhou-2022")] = None,
    district: Annotated[str | None, typer.Option(help="区（县）名称，如 城关区")] = None,
    state: Annotated[str | None, typer.Option(help="项目状态代码，如 in_progress")] = None,
) -> None:
    """导出试点项目列表（可按批次、区、状态筛选）。"""
    with refusals(), database_session() as session:
        listing = project_listing(session, ProjectFilter(programme, district, state))
    _write(out, export_rows(listing.title, listing.columns, listing.rows), len(listing.rows))


def _party_export(kind: str) -> Callable[[Path], None]:
    def command(out: OutFile) -> None:
        with database_session() as session:
            listing = PARTY_LISTINGS[kind](session)
        _write(out, export_rows(listing.title, listing.columns, listing.rows), len(listing.rows))

    command.__name__ = f"export_{kind.replace('-', '_')}"
    return command


def export_audit(
    entity_type: Annotated[str, typer.Argument(help="project | node | review_assignment")],
    entity_id: Annotated[int, typer.Argument(help="编号")],
    out: OutFile,
) -> None:
    """导出一个项目、节点报告或评审任务的审计记录。"""
    with refusals(), database_session() as session:
        data = export_audit_trail(session, entity_type, entity_id)
    _write(out, data, None)


def export_template(
    kind: Annotated[str, typer.Argument(help="organisations | social-workers | experts | declarations")],
    out: OutFile,
    programme: Annotated[str | None, typer.Option(help="申报模板须指定试点批次代码：预算科目各占一列")] = None,
) -> None:
    """导出空白导入模板（含“填写说明”工作表）。"""
    if kind not in KINDS:
        fail(f"没有名为“{kind}”的导入类型，可选：{'、'.join(KINDS)}")
    spec: ProgrammeSpec | None = None
    if programme is not None:
        with database_session() as session:
            found = session.exec(select(Programme).where(Programme.code == programme)).first()
            if found is None:
                fail(f"没有代码为“{programme}”的试点批次，请先 sanshe load-programme")
            spec = found.parsed_spec()
    _write(out, template_workbook(kind, spec), None)


def _write(out: Path, data: bytes, count: int | None) -> None:
    out.write_bytes(data)
    typer.echo(f"已写入 {out}" + (f"（{count} 行）" if count is not None else ""))
