"""`sanshe` commands of the notifications: the dev mail catcher and the dispatcher."""

import asyncio
import logging
from typing import Annotated

import typer
from sqlmodel import Session

from models.database import make_engine
from service.cli.running import command_now, echo_progress
from service.mail.catcher import catcher_dir, run_catcher
from service.mail.dispatcher import DispatchOptions, DispatchReport, clock_from, dispatch_due
from service.mail.transport import SmtpConfig, SmtpPool
from service.settings import get_settings


def mail_catcher(
    host: Annotated[str | None, typer.Option(help="监听地址（默认 SANSHE_SMTP_HOST）")] = None,
    port: Annotated[int | None, typer.Option(help="监听端口（默认 SANSHE_SMTP_PORT，即 8025）")] = None,
    refuse: Annotated[list[str] | None, typer.Option(help="对这些收件地址回复 550（演示永久失败）")] = None,
) -> None:
    """在前台运行开发用邮件接收器（aiosmtpd），收到的邮件存为 .eml，可在管理平台查看。"""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    directory = catcher_dir(settings)
    host, port = host or settings.smtp_host, port or settings.smtp_port
    typer.echo(f"邮件接收器监听 {host}:{port}，邮件保存在 {directory}（Ctrl+C 退出）")
    run_catcher(host, port, directory, refuse or ())


def _echo_dispatch_progress(total: DispatchReport) -> None:
    echo_progress(total.progress_line())


def dispatch(
    batch_size: Annotated[int, typer.Option(help="每批认领的通知数")] = 200,
    connections: Annotated[int, typer.Option(help="同时使用的 SMTP 连接数")] = 4,
) -> None:
    """发送发件箱中到期的通知一次（不经 Prefect），并报告结果。"""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    engine = make_engine(settings.database_url)
    options = DispatchOptions.from_settings(settings, batch_size=batch_size)

    async def run() -> DispatchReport:
        async with SmtpPool(SmtpConfig.from_settings(settings), size=connections) as pool:
            with Session(engine, expire_on_commit=False) as session:
                clock = clock_from(command_now(session))
                return await dispatch_due(
                    session, pool, options=options, clock=clock, after_batch=_echo_dispatch_progress
                )

    report = asyncio.run(run())
    engine.dispose()
    typer.echo(
        f"发出 {report.mails} 封邮件：{report.sent} 条通知已发送，{report.retried} 条稍后重试，{report.failed} 条失败"
    )
    if report.unreachable:
        typer.echo(
            f"邮件服务器 {settings.smtp_host}:{settings.smtp_port} 无法连接，{report.waiting} 条通知已保留"
            "（不计尝试次数），稍后重试。",
            err=True,
        )
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
    app.command("mail-catcher")(mail_catcher)
    app.command("dispatch")(dispatch)
