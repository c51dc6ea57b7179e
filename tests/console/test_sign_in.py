"""Signing in to the console over HTTP: the cookie's flags, the API's throttling, CSRF on the sign-in form itself,
and a password change that ends the old session."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from models.login_attempt import ALLOWED_FAILURES, FailureKey
from models.roles import Role
from tests.service.api.builders import PASSWORD, Api
from tests.service.api.builders import user as new_user

LOGIN = "/console/login"


def form_token(client: TestClient, path: str = LOGIN) -> str:
    """The CSRF token a page's forms carry, as the browser reads it."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> object:
    token = form_token(client)
    return client.post(
        LOGIN, data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )


def test_session_cookies_are_http_only_lax_and_secure_in_production(session: Session, api: Api) -> None:
    """Guards `_cookie_flags` in service/console/session.py (the production client is `api`, mode production)."""
    account = new_user(session, Role.ADMIN)
    session.flush()
    page = api.client.get(LOGIN)
    csrf_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in csrf_cookie and "SameSite=lax" in csrf_cookie and "Secure" in csrf_cookie
    key = re.search(r"sanshe_csrf=([^;]+)", csrf_cookie)
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
    assert key and token
    api.client.cookies.set("sanshe_csrf", key.group(1))  # a Secure cookie: the client keeps it for https only
    signed_in = api.client.post(
        LOGIN,
        data={"username": account.username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console/"
    session_cookie = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith("sanshe_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie and "Secure" in session_cookie


def test_console_sign_in_meets_the_apis_throttling(session: Session, dev_api: Api) -> None:
    """The console calls `log_in`: after the allowed failures even the right password waits, said in Chinese."""
    account = new_user(session, Role.ADMIN)
    session.flush()
    for _ in range(ALLOWED_FAILURES[FailureKey.ACCOUNT]):
        refused = sign_in(dev_api.client, account.username, "wrong-password")
        assert refused.status_code == 401 and "用户名或密码错误" in refused.text  # type: ignore[attr-defined]
    waiting = sign_in(dev_api.client, account.username)
    assert waiting.status_code == 429  # type: ignore[attr-defined]
    assert "登录失败次数过多" in waiting.text and waiting.headers["retry-after"]  # type: ignore[attr-defined]
    assert "sanshe_session" not in dev_api.client.cookies


def test_the_sign_in_form_without_its_token_is_refused(session: Session, dev_api: Api) -> None:
    """Guards `dependencies=[CsrfChecked]` on the sign-in route: a page of another site cannot sign a browser in."""
    account = new_user(session, Role.ADMIN)
    session.flush()
    dev_api.client.get(LOGIN)
    refused = dev_api.client.post(
        LOGIN, data={"username": account.username, "password": PASSWORD}, follow_redirects=False
    )
    assert refused.status_code == 403 and "安全校验未通过" in refused.text
    assert "sanshe_session" not in dev_api.client.cookies


def test_the_root_redirects_to_sign_in_or_to_the_work_list(session: Session, dev_api: Api) -> None:
    account = new_user(session, Role.ADMIN)
    session.flush()
    assert dev_api.client.get("/", follow_redirects=False).headers["location"] == LOGIN
    assert dev_api.client.get("/console/", follow_redirects=False).headers["location"].startswith(f"{LOGIN}?next=")
    assert sign_in(dev_api.client, account.username).status_code == 303  # type: ignore[attr-defined]
    assert dev_api.client.get("/", follow_redirects=False).headers["location"] == "/console/"
    assert "我的待办" in dev_api.client.get("/console/").text


def test_sign_in_goes_on_only_to_a_console_page(session: Session, dev_api: Api) -> None:
    """Guards `_safe_next` in service/console/sign_in.py: a sign-in link cannot send the user to another site."""
    account = new_user(session, Role.ADMIN)
    session.flush()
    for target, landing in [
        ("/console/projects/1", "/console/projects/1"),
        ("https://evil.example/console/", "/console/"),
        ("//evil.example/console/", "/console/"),
    ]:
        token = form_token(dev_api.client)
        signed_in = dev_api.client.post(
            LOGIN,
            data={"username": account.username, "password": PASSWORD, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert signed_in.headers["location"] == landing


def test_a_password_change_ends_the_old_session_and_keeps_this_one(session: Session, dev_api: Api) -> None:
    account = new_user(session, Role.ADMIN)
    session.flush()
    sign_in(dev_api.client, account.username)
    old_session = dev_api.client.cookies["sanshe_session"]
    token = form_token(dev_api.client, "/console/password")
    fields = {"old_password": PASSWORD, "new_password": "brand-new-secret", "csrf_token": token}
    mismatch = dev_api.client.post("/console/password", data={**fields, "new_password_again": "something-else"})
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.text
    changed = dev_api.client.post(
        "/console/password", data={**fields, "new_password_again": "brand-new-secret"}, follow_redirects=False
    )
    assert changed.status_code == 303, changed.text
    assert dev_api.client.get("/console/", follow_redirects=False).status_code == 200  # the new cookie works
    stale = TestClient(dev_api.client.app, cookies={"sanshe_session": old_session})
    assert stale.get("/console/", follow_redirects=False).headers["location"].startswith(LOGIN)


def test_one_time_password_users_are_sent_to_change_it_first(session: Session, dev_api: Api) -> None:
    account = new_user(session, Role.ADMIN)
    account.must_change_password = True
    session.flush()
    signed_in = sign_in(dev_api.client, account.username)
    assert signed_in.headers["location"] == "/console/password"  # type: ignore[attr-defined]
    assert dev_api.client.get("/console/", follow_redirects=False).headers["location"] == "/console/password"
    assert "您正在使用一次性密码" in dev_api.client.get("/console/password").text


def test_an_unknown_console_address_answers_a_chinese_page(session: Session, dev_api: Api) -> None:
    answer = dev_api.client.get("/console/no-such-page")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "页面不存在" in answer.text and 'lang="zh-CN"' in answer.text
