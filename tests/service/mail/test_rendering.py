"""Every notice kind has zh-CN words, a project link and survives odd parameters; no server, no database."""

import email
import email.policy
from datetime import UTC, date, datetime
from typing import Any

import pytest
from icalendar import Calendar

from models.lifecycles import LIFECYCLES
from service.mail.compose import Undeliverable, compose, group_into_mails, parse_sender
from service.mail.outbox_leases import ClaimedNotice
from service.mail.rendering import render_notice
from tests.service.mail.builders import PUBLIC_URL, SENDER

SWEEP_TEMPLATES = ["node_reminder", "node_overdue", "review_reminder", "review_overdue", "bulletin_published"]
TEMPLATES = sorted(
    {notice.template for lifecycle in LIFECYCLES for event in lifecycle.events for notice in event.notices}
    | {"review_assigned", "review_extended"}
    | set(SWEEP_TEMPLATES)
)
NOW = datetime(2022, 11, 7, 1, 0, tzinfo=UTC)


def notice(
    id: int,
    template: str,
    params: dict[str, Any],
    *,
    address: str | None = "jie@example.cn",
    digest: str | None = None,
    entity_type: str = "project",
) -> ClaimedNotice:
    return ClaimedNotice(
        id, template, entity_type, 5, "东岗街道办事处", address, params, f"<n{id}@sanshe.local>", digest, 1
    )


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_chinese_words_and_the_project_link(template: str) -> None:
    params = {"project_id": 42, "project_title": "邻里守望计划", "due_date": "2022-11-30", "reason": "材料不全"}
    rendered = render_notice(template, [params], recipient_name="东岗街道办事处", public_url=PUBLIC_URL)
    assert rendered.subject.startswith("【三社联动】") and "{" not in rendered.subject
    assert "\n" not in rendered.subject
    for part in (rendered.text, rendered.html):
        assert "东岗街道办事处" in part
        assert f"{PUBLIC_URL}/console/projects/42" in part
        assert "邻里守望计划" in part


def test_sweep_rows_show_what_is_there_and_escape_html() -> None:
    rows: list[dict[str, Any]] = [
        {
            "project_id": 1,
            "project_title": "长者<关爱>",
            "node_title": "第一季度报告",
            "due_date": "2022-11-01",
            "working_days_late": 3,
            "rung_code": "late-1",
            "extra_note": "需电话督办",
        },
        {"node_title": "中期报告"},  # nothing else: still a line, under a placeholder project
    ]
    rendered = render_notice("node_overdue", rows, recipient_name="东岗街道办事处", public_url=PUBLIC_URL)
    assert "节点逾期通知（2 项）" in rendered.subject
    assert "已逾期（工作日）：3" in rendered.text and "extra_note：需电话督办" in rendered.text
    assert "（未注明项目）" in rendered.text and "中期报告" in rendered.text
    assert "长者&lt;关爱&gt;" in rendered.html and "长者<关爱>" in rendered.text
    assert f"{PUBLIC_URL}/console/projects/1" in rendered.html


def test_headers_are_rfc2047_encoded_and_decode_back() -> None:
    mail = compose(
        [notice(1, "project_suspended", {"project_id": 3, "project_title": "邻里守望"})],
        sender=parse_sender(SENDER),
        public_url=PUBLIC_URL,
        now=NOW,
    )
    raw = mail.message.as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "【三社联动】项目暂停实施：邻里守望"
    assert parsed["To"].addresses[0].display_name == "东岗街道办事处"
    assert parsed["From"].addresses[0].display_name == "三社联动平台"
    assert parsed["Message-ID"] == "<n1@sanshe.local>"


def test_the_wire_format_is_exactly_email_policy_smtp() -> None:
    for template, params in (
        ("project_suspended", {"project_title": "邻里守望" * 12}),
        ("review_assigned", {"project_title": "邻里", "due_date": "2022-09-01"}),
    ):
        mail = compose(
            [notice(1, template, params, entity_type="review_assignment")],
            sender=parse_sender(SENDER),
            public_url=PUBLIC_URL,
            now=NOW,
        )
        assert mail.as_bytes() == mail.message.as_bytes(policy=email.policy.SMTP)
        assert mail.as_bytes() == mail.as_bytes()  # folding from the cache gives the same bytes
        assert mail.as_bytes().isascii() and b"\r\n" in mail.as_bytes()


def test_digest_groups_by_digest_key_and_address() -> None:
    a = [notice(i, "node_overdue", {"node_title": f"节点{i}"}, digest="sweep-1") for i in (1, 2, 3)]
    other_office = notice(4, "node_overdue", {}, digest="sweep-1", address="other@example.cn")
    alone = [notice(5, "project_started", {}), notice(6, "project_started", {})]
    groups = group_into_mails([a[1], other_office, *alone, a[0], a[2]])
    assert sorted(tuple(n.id for n in g) for g in groups) == [(1, 2, 3), (4,), (5,), (6,)]


@pytest.mark.parametrize("address", [None, "", "not an address", "a@", "x@example.cn\r\nBcc: y@example.cn"])
def test_no_or_malformed_address_is_undeliverable(address: str | None) -> None:
    with pytest.raises(Undeliverable):
        compose(
            [notice(1, "project_started", {}, address=address)],
            sender=parse_sender(SENDER),
            public_url=PUBLIC_URL,
            now=NOW,
        )


def test_unknown_template_is_undeliverable() -> None:
    with pytest.raises(Undeliverable, match="没有名为 no_such_notice 的邮件模板"):
        compose([notice(1, "no_such_notice", {})], sender=parse_sender(SENDER), public_url=PUBLIC_URL, now=NOW)


def test_review_assignment_carries_an_invitation_with_the_due_date() -> None:
    params = {"project_id": 3, "project_title": "邻里守望", "due_date": "2022-09-01", "sequence": 2}
    mail = compose(
        [notice(1, "review_extended", params, entity_type="review_assignment")],
        sender=parse_sender(SENDER),
        public_url=PUBLIC_URL,
        now=NOW,
    )
    parsed = email.message_from_bytes(mail.message.as_bytes(), policy=email.policy.default)
    (part,) = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == date(2022, 9, 1)
    assert str(event["uid"]) == "review-assignment-5@sanshe.local" and event.decoded("sequence") == 2
