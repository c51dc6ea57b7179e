"""`sanshe create-user` and `sanshe user …`: accounts created, disabled, re-enabled, reset, imported `--as` a user."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from models.roles import ROLE_LABELS_ZH, Role
from service.auth import command_line_actor
from service.cli.running import AsWhom, command_now, database_session, fail, refusals
from service.commands.uploads import Upload
from service.commands.users import (
    AccountChange,
    AccountCreate,
    account_named,
    create_account,
    disable_account,
    enable_account,
    import_accounts,
    reset_password,
)
from service.excel.reading import ImportRejected, describe

_ROLES_HELP = "；".join(f"{role.value}={label}" for role, label in ROLE_LABELS_ZH.items())
Username = Annotated[str, typer.Argument(help="登录用户名")]
Reason = Annotated[str | None, typer.Option(help="理由（记入审计记录）")]


def create_user_command(
    username: Username,
    role: Annotated[Role, typer.Option(help=f"角色：{_ROLES_HELP}")],
    password: Annotated[
        str | None, typer.Option(help="至少 8 位；不填则生成一次性密码（显示一次，首次登录须修改）")
    ] = None,
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
        user = create_account(session, data=data, actor=actor, now=command_now(session))
    typer.echo(f"已创建账号：{user.username}（{user.role_label}）")
    if user.one_time_password:
        typer.echo(f"一次性密码：{user.one_time_password}（仅显示这一次，首次登录须修改）")


Result = TypeVar("Result")


def _on_account(act: Callable[..., Result], *, username: str, reason: str | None, as_whom: str, refusal: str) -> Result:
    """One account action of the use cases, on the account the user name names, as `--as` says."""
    with refusals(refusal), database_session() as session:
        actor = command_line_actor(session, as_whom=as_whom)
        user_id = account_named(session, username=username)
        return act(session, user_id=user_id, data=AccountChange(reason=reason), actor=actor, now=command_now(session))


def disable_command(username: Username, reason: Reason = None, as_whom: AsWhom = "admin") -> None:
    """停用账号：不能再登录，已签发的登录凭据立即失效。"""
    _on_account(disable_account, username=username, reason=reason, as_whom=as_whom, refusal="停用失败：")
    typer.echo(f"已停用账号：{username}")


def enable_command(username: Username, reason: Reason = None, as_whom: AsWhom = "admin") -> None:
    """重新启用已停用的账号。"""
    _on_account(enable_account, username=username, reason=reason, as_whom=as_whom, refusal="启用失败：")
    typer.echo(f"已重新启用账号：{username}")


def reset_password_command(username: Username, reason: Reason = None, as_whom: AsWhom = "admin") -> None:
    """重置密码：生成一次性密码（仅显示一次），用户下次登录须先修改。"""
    reset = _on_account(reset_password, username=username, reason=reason, as_whom=as_whom, refusal="重置失败：")
    typer.echo(f"已重置 {username} 的密码，一次性密码：{reset.one_time_password}（仅显示这一次，登录后须修改）")


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="要导入的 .xlsx 文件")],
    as_whom: AsWhom = "admin",
) -> None:
    """从 Excel 批量新建账号：任何一处有错则全部不导入；每个新账号的一次性密码只显示这一次。"""
    with refusals("导入失败："), database_session() as session, file.open("rb") as stream:
        actor = command_line_actor(session, as_whom=as_whom)
        try:
            result = import_accounts(session, file=Upload(file.name, stream), actor=actor, now=command_now(session))
        except ImportRejected as exc:
            fail("\n".join([f"{file.name}：{exc.message}", *(describe(error) for error in exc.errors)]))
    typer.echo(f"导入完成（登录账号）：新增 {result.created} 个。一次性密码仅显示这一次，首次登录须修改：")
    for account in result.accounts:
        typer.echo(f"  {account.username}\t{account.role_label}\t{account.one_time_password}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
    app.command("create-user")(create_user_command)
    accounts = typer.Typer(help="登录账号：停用、重新启用、重置密码、从 Excel 导入。", no_args_is_help=True)
    accounts.command("disable")(disable_command)
    accounts.command("enable")(enable_command)
    accounts.command("reset-password")(reset_password_command)
    accounts.command("import")(import_command)
    app.add_typer(accounts, name="user")
