"""Refused uploads leave nothing behind; expired tokens and disabled accounts are turned away as problems."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.node import Node, NodeReportVersion
from models.roles import Role
from service.files import ATTACHMENT
from tests.service.api.builders import PASSWORD, Api, side, user

V1 = "/api/v1"
PROBLEM = "application/problem+json"


def _stored(files_dir: Path) -> list[Path]:
    return [p for p in files_dir.rglob("*") if p.is_file()] if files_dir.exists() else []


def _rows(session: Session, node: Node) -> tuple[int, int, int]:
    session.expire_all()
    fresh = session.get(Node, node.id)
    assert fresh is not None
    versions = session.exec(select(func.count()).select_from(NodeReportVersion)).one()
    audits = session.exec(select(func.count()).select_from(AuditEvent)).one()
    return versions, audits, fresh.version


REFUSED = [  # (file name, content, status, code, words the detail must hold)
    ("报告.pdf", b"%PDF-1.4\n" + b"0" * ATTACHMENT.max_bytes, 413, "upload_too_large", "超过 20 MB"),
    ("报告.exe", b"MZ\x90\x00 not a report", 415, "unsupported_media_type", "类型不受支持"),
    ("报告.pdf", b"\x89PNG\r\n\x1a\n a picture named .pdf", 415, "unsupported_media_type", "内容与扩展名"),
]


def test_refused_attachments_store_nothing(session: Session, api: Api) -> None:
    world = side(session)
    organisation = api.headers(world.users[Role.ORGANISATION])
    url = f"{V1}/nodes/{world.node.id}/attachments"
    before = _rows(session, world.node)
    for filename, content, status, code, words in REFUSED:
        refused = api.client.post(url, headers=organisation, files={"file": (filename, content, "application/pdf")})
        assert refused.status_code == status, refused.text
        assert refused.headers["content-type"] == PROBLEM
        problem = refused.json()
        assert problem["code"] == code and problem["status"] == status and words in problem["detail"], problem
        assert _stored(api.settings.files_dir) == [] and _rows(session, world.node) == before

    accepted = api.client.post(
        url, headers=organisation, files={"file": ("报告.pdf", b"%PDF-1.4 ok", "application/pdf")}
    )
    assert accepted.status_code == 201, accepted.text
    assert [p.relative_to(api.settings.files_dir).as_posix() for p in _stored(api.settings.files_dir)] == [
        accepted.json()["path"]
    ]


def test_expired_token_is_refused(session: Session, api: Api) -> None:
    account = user(session, Role.ADMIN)
    headers = api.headers(account)
    assert api.client.get(f"{V1}/users/me", headers=headers).status_code == 200
    api.clock.now += timedelta(minutes=api.settings.access_token_minutes)
    expired = api.client.get(f"{V1}/users/me", headers=headers)
    assert expired.status_code == 401 and expired.headers["content-type"] == PROBLEM
    assert expired.json()["code"] == "not_authenticated" and "过期" in expired.json()["detail"]
    assert api.client.get(f"{V1}/users/me", headers=api.headers(account)).status_code == 200  # a fresh token works


def test_disabled_user_is_refused(session: Session, api: Api) -> None:
    account = user(session, Role.ADMIN)
    headers = api.headers(account)
    login = {"username": account.username, "password": PASSWORD}
    assert api.client.post(f"{V1}/login/access-token", data=login).status_code == 200
    account.disabled = True
    session.flush()
    for response in (
        api.client.get(f"{V1}/projects", headers=headers),
        api.client.post(f"{V1}/login/access-token", data=login),
    ):
        assert response.status_code == 401 and response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "not_authenticated" and "停用" in response.json()["detail"]
