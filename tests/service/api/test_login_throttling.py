"""Sign-in throttling over HTTP: failures per name and per address make the next attempt wait, never for ever.

Each test guards `service.auth.log_in` (the `seconds_to_wait` check before the password is read, and
`forget_failures` on success) and the rules of `models.login_attempt`; without them every attempt is answered
401 or 200, however many failed before.
"""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from models.audit import AuditEvent
from models.login_attempt import ALLOWED_FAILURES, LONGEST_WAIT, FailureKey, account_key, count_attempt, seconds_to_wait
from models.roles import Role
from models.user import User
from tests import factories
from tests.service.api.builders import PASSWORD, Api, user

TOKEN_URL = "/api/v1/login/access-token"
PROBLEM = "application/problem+json"
WRONG = "not-the-password"
PER_ACCOUNT = ALLOWED_FAILURES[FailureKey.ACCOUNT]
PER_ADDRESS = ALLOWED_FAILURES[FailureKey.ADDRESS]


def _log_in(client: TestClient, username: str, password: str) -> Any:
    return client.post(TOKEN_URL, data={"username": username, "password": password})


def _waits(answer: Any) -> int:
    """The refusal of an attempt that must wait: 429, a problem in Chinese, and how many seconds."""
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["code"] == "too_many_sign_in_failures"
    assert "登录失败次数过多" in problem["detail"]
    return int(answer.headers["Retry-After"])


def _fail(client: TestClient, username: str, times: int) -> str:
    """`times` wrong passwords, each refused as a wrong password; the refusal's one text."""
    details = set()
    for _ in range(times):
        answer = _log_in(client, username, WRONG)
        assert answer.status_code == 401, answer.text
        details.add(answer.json()["detail"])
    (detail,) = details
    return detail


def _from(api: Api, address: str) -> TestClient:
    """A client of the same app whose requests come from `address`."""
    return TestClient(api.client.app, client=(address, 50000), raise_server_exceptions=False)


def _account(session: Session) -> User:
    account = user(session, Role.ADMIN)
    session.commit()
    return account


def _audit_rows(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEvent)).one()


def test_the_sixth_attempt_waits_even_with_the_right_password_and_a_success_resets(session: Session, api: Api) -> None:
    account = _account(session)
    _fail(api.client, account.username, PER_ACCOUNT)

    assert _waits(_log_in(api.client, account.username, PASSWORD)) == 1  # 2 ** (5 - 5) seconds

    api.clock.now += timedelta(seconds=1)
    assert _log_in(api.client, account.username, PASSWORD).status_code == 200
    # The success cleared the count (`forget_failures`): five more failures wait 1 s again, not 2 ** (10 - 5).
    _fail(api.client, account.username, PER_ACCOUNT)
    assert _waits(_log_in(api.client, account.username, PASSWORD)) == 1


def test_an_unknown_name_is_refused_and_throttled_alike_and_not_audited(session: Session, api: Api) -> None:
    account = _account(session)
    rows = _audit_rows(session)
    nobody = factories.unique("nobody-")
    other = _from(api, "198.51.100.20")

    assert _fail(other, nobody, PER_ACCOUNT) == _fail(api.client, account.username, PER_ACCOUNT)
    unknown_waits = _log_in(other, nobody, WRONG)
    known_waits = _log_in(api.client, account.username, PASSWORD)
    assert _waits(unknown_waits) == _waits(known_waits) == 1
    assert unknown_waits.json()["detail"] == known_waits.json()["detail"]
    assert _audit_rows(session) == rows + 1  # the account's fifth failure made it wait; none for the unknown name


def test_one_address_against_many_accounts_is_throttled_per_address(session: Session, api: Api) -> None:
    sprayer = _from(api, "203.0.113.5")
    for _ in range(PER_ADDRESS):
        _fail(sprayer, factories.unique("guess-"), 1)
    account = _account(session)

    assert _waits(_log_in(sprayer, account.username, PASSWORD)) == 1  # the address's count, not the account's
    assert _log_in(api.client, account.username, PASSWORD).status_code == 200  # from elsewhere it signs in


def test_an_attacker_locks_a_real_user_out_for_at_most_the_longest_wait(session: Session, api: Api) -> None:
    account = _account(session)
    attacker = _from(api, "203.0.113.66")
    longest = int(LONGEST_WAIT.total_seconds())
    waits: list[int] = []
    for _ in range(40):
        answer = _log_in(attacker, account.username, WRONG)
        if answer.status_code == 401:
            continue
        waits.append(_waits(answer))
        if waits[-1] >= longest:
            break
        api.clock.now += timedelta(seconds=waits[-1])
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, longest]  # doubling, capped by LONGEST_WAIT
    failures = PER_ACCOUNT + len(waits) - 1

    # The real user, from its own address, waits too, but no longer than the cap after the attacker's last try.
    assert _waits(_log_in(api.client, account.username, PASSWORD)) == longest
    assert _waits(_log_in(attacker, account.username, WRONG)) == longest  # a refused attempt does not extend it
    api.clock.now += LONGEST_WAIT
    assert _log_in(api.client, account.username, PASSWORD).status_code == 200

    trail = list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "user", AuditEvent.entity_id == account.id)
            .order_by(col(AuditEvent.id))
        )
    )
    delayed = failures - PER_ACCOUNT + 1
    assert [row.event for row in trail] == ["sign_in_delayed"] * delayed  # one per failure that made it wait
    last = trail[-1]
    assert (last.actor_id, last.to_state) == (account.username, "active")
    assert last.details == {"address": "203.0.113.66", "failures": failures, "wait_until": api.clock.now.isoformat()}


def test_attempts_in_parallel_see_each_other_before_any_password_is_read(session: Session) -> None:
    """Guards `count_attempt` running before the check in `log_in`: a burst cannot all pass the check at once."""
    now = factories.DECLARATION_DAY
    keys = {FailureKey.ACCOUNT: account_key(factories.unique("burst-")), FailureKey.ADDRESS: "203.0.113.77"}
    burst = [count_attempt(session, keys=keys, now=now) for _ in range(PER_ACCOUNT + 1)]  # all in flight

    assert [seconds_to_wait(session, attempt=attempt, now=now) for attempt in burst] == [1] * len(burst)


def test_guessing_the_old_password_of_a_password_change_waits_like_a_sign_in(session: Session, api: Api) -> None:
    """Guards `seconds_to_wait` in `service.commands.users.change_own_password`: with a token in hand the old
    password is guessed no faster than at the sign-in form, and the right one is refused unread while it waits."""
    account = _account(session)
    token = _log_in(api.client, account.username, PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def change(old: str) -> Any:
        body = {"old_password": old, "new_password": "a-new-password-1"}
        return api.client.post("/api/v1/users/me/password", headers=headers, json=body)

    for _ in range(PER_ACCOUNT):
        wrong = change(WRONG)
        assert wrong.status_code == 422 and "原密码不正确" in wrong.json()["detail"], wrong.text
    assert _waits(change(PASSWORD)) >= 1
    assert _waits(_log_in(api.client, account.username, PASSWORD)) >= 1  # the same count as the sign-in form's
