"""`sanshe place add|edit`: places and their notice addresses, added and edited `--as` a user."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from pydantic import ValidationError

from models.region import SETTLEMENT_LABELS_ZH, Settlement
from models.region_tree import split_path
from service.auth import command_line_actor
from service.cli.running import AsWhom, command_now, database_session, fail, refusals
from service.commands.regions import RegionCreate, RegionUpdate, add_region, edit_region, place_named
from service.queries.places import RegionNode

PlacePath = Annotated[str, typer.Argument(help="用“/”分隔的区划路径，从本市以下写起，如 城关区/张掖路街道/金塔巷社区")]
Email = Annotated[str | None, typer.Option("--email", help="联系邮箱（该区划办事机构接收系统通知）")]
_SETTLEMENT_HELP = "；".join(f"{s.value}={label}" for s, label in SETTLEMENT_LABELS_ZH.items())
SettlementOption = Annotated[Settlement | None, typer.Option(help=f"城乡类别：{_SETTLEMENT_HELP}")]
Area = Annotated[int | None, typer.Option("--service-area", help="服务面积（平方米）")]


def add_command(
    path: PlacePath,
    email: Email = None,
    settlement: SettlementOption = None,
    service_area: Area = None,
    as_whom: AsWhom = "admin",
) -> None:
    """添加区划：路径的最后一级为新区划，其上一级须已存在（且在您的管辖范围内）。"""
    names = split_path(path)
    if not names:
        fail("添加失败：请填写区划路径")
    *above, name = names
    with refusals("添加失败："), _valid_input("添加失败："), database_session() as session:
        actor = command_line_actor(session, as_whom=as_whom)
        parent = place_named(session, path="/".join(above), actor=actor)
        assert parent.id is not None
        data = RegionCreate(
            parent_id=parent.id,
            name=name,
            contact_email=email,
            settlement=settlement,
            service_area_m2=service_area,
        )
        added = add_region(session, data=data, actor=actor, now=command_now(session))
    _echo("已添加", added)


def edit_command(
    path: PlacePath,
    name: Annotated[str | None, typer.Option(help="新名称")] = None,
    email: Email = None,
    settlement: SettlementOption = None,
    service_area: Area = None,
    expected_version: Annotated[int | None, typer.Option(help="读取时的版本号（不填则取当前版本）")] = None,
    as_whom: AsWhom = "admin",
) -> None:
    """修改区划的名称、联系邮箱、城乡类别或服务面积；每次修改都记入审计记录。"""
    with refusals("修改失败："), _valid_input("修改失败："), database_session() as session:
        actor = command_line_actor(session, as_whom=as_whom)
        place = place_named(session, path=path, actor=actor)
        assert place.id is not None
        data = RegionUpdate(
            expected_version=expected_version or place.version,
            name=name,
            contact_email=email,
            settlement=settlement,
            service_area_m2=service_area,
        )
        edited = edit_region(session, region_id=place.id, data=data, actor=actor, now=command_now(session))
    _echo("已修改", edited)


@contextmanager
def _valid_input(prefix: str) -> Iterator[None]:
    """A value the use case's input refuses (an e-mail address without @) is named in Chinese, exit code 2."""
    try:
        yield
    except ValidationError as exc:
        fail(prefix + "；".join(f"{'.'.join(map(str, e['loc']))}：{e['msg']}" for e in exc.errors()))


def _echo(done: str, place: RegionNode) -> None:
    settlement = f"，{place.settlement_label}" if place.settlement_label else ""
    email = place.contact_email or "未填联系邮箱"
    typer.echo(f"{done}{place.level_label}：{place.name}（编号 {place.id}，{email}{settlement}，版本 {place.version}）")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
    places = typer.Typer(
        help="区划与联系方式：添加、修改（从 Excel 导入用 sanshe import places）。", no_args_is_help=True
    )
    places.command("add")(add_command)
    places.command("edit")(edit_command)
    app.add_typer(places, name="place")
