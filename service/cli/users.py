"""`sanshe create-user`: accounts with a role and the region, organisation or expert that bounds their scope."""

from typing import Annotated

import typer

from models.roles import ROLE_LABELS_ZH, Role
from service.auth import command_line_actor
from service.cli.running import AsWhom, database_session, refusals
from service.clock import system_clock
from service.commands.users import AccountCreate, create_account

_ROLES_HELP = "；".join(f"{role.value}={label}" for role, label in ROLE_LABELS_ZH.items())


def create_user_command(
    username: Annotated[str, typer.Argument(help="登录用户名")],
    role: Annotated[Role, typer.Option(help=f"角色：{_ROLES_HELP}")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="至少 8 位")],
    display_name: Annotated[str, typer.Option(help="显示名称")] = "",
    region_id: Annotated[int | None, typer.Option(help="所辖地区编号（市、区、街道、社区账号）")] = None,
    organisation_id: Annotated[int | None, typer.Option(help="所属社工机构编号（社工机构账号）")] = None,
    expert_id: Annotated[int | None, typer.Option(help="专家档案编号（评审专家账号）")] = None,
    as_whom: AsWhom = "admin",
) -> None:
    """新建一个登录账号：角色决定能做什么，地区、机构或专家档案决定能看到什么。"""
    data = AccountCreate(
        username=username,
        password=password,
        role=role,
        display_name=display_name,
        region_id=region_id,
        organisation_id=organisation_id,
        expert_id=expert_id,
    )
    with refusals("创建失败："), database_session() as session:
        actor = command_line_actor(session, as_whom=as_whom)
        user = create_account(session, data=data, actor=actor, now=system_clock())
    typer.echo(f"已创建账号：{user.username}（{user.role_label}）")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
    app.command("create-user")(create_user_command)
