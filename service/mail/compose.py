"""From claimed outbox rows to the mails that carry them: a digest's rows share one mail."""

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.errors import HeaderParseError
from email.generator import BytesGenerator
from email.headerregistry import Address, BaseHeader
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from functools import lru_cache

from service.mail.invitation import INVITATION_TEMPLATES, review_invitation
from service.mail.outbox_leases import ClaimedNotice
from service.mail.rendering import NoticeLink, UnrenderableNotice, notice_link, render_notice, review_url


class Undeliverable(Exception):
    """No mail can ever carry these rows (no address, a malformed one, no template or a fact missing): permanent."""


@dataclass(frozen=True)
class OutgoingMail:
    notices: tuple[ClaimedNotice, ...]
    message: EmailMessage
    envelope_sender: str
    envelope_recipient: str

    def as_bytes(self) -> bytes:
        """The message as it goes on the wire (CRLF, 7-bit: RFC 2047 headers, base64 parts)."""
        buffer = io.BytesIO()
        BytesGenerator(buffer, policy=POLICY).flatten(self.message)
        return buffer.getvalue()


def group_into_mails(notices: Sequence[ClaimedNotice]) -> list[tuple[ClaimedNotice, ...]]:
    """Rows of the same part of a digest (digest_key, address) make one mail; every other row is a mail of its own."""
    groups: dict[tuple[str, ...], list[ClaimedNotice]] = {}
    for notice in notices:
        if notice.digest_key is not None:
            # The claim's identity of a digest part: the same key, address (as stored) and part number.
            key: tuple[str, ...] = ("digest", notice.digest_key, str(notice.recipient_address), str(notice.digest_part))
        else:
            key = ("row", str(notice.id))
        groups.setdefault(key, []).append(notice)
    return [tuple(sorted(group, key=lambda n: n.id)) for group in groups.values()]


def parse_sender(value: str) -> Address:
    """The configured sender, e.g. `三社联动平台 <noreply@sanshe.local>`."""
    name, address = parseaddr(value)
    return recipient(name, address)


def recipient(name: str, address: str | None) -> Address:
    if address is None or not address.strip():
        raise Undeliverable("没有收件地址：请先在管理平台中为收件方填写电子邮箱")
    try:
        parsed = Address(display_name=name, addr_spec=address.strip())
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise Undeliverable(f"收件地址格式不正确：{address!r}") from exc
    if not parsed.username or not parsed.domain:
        raise Undeliverable(f"收件地址格式不正确：{address!r}")
    return parsed


def compose(notices: Sequence[ClaimedNotice], *, sender: Address, public_url: str, now: datetime) -> OutgoingMail:
    """One message for the rows of one group; the first row's Message-ID names it, on every attempt.

    A part of a larger digest says which part it is ("第 2 部分，共 3 部分") in its subject and body.
    """
    first = notices[0]
    to = recipient(first.recipient_name, first.recipient_address)
    try:
        rendered = render_notice(
            first.template,
            [n.params for n in notices],
            recipient_name=first.recipient_name,
            public_url=public_url,
            part=first.digest_part or 1,
            parts=first.digest_parts or 1,
            links=[links_of(n, public_url) for n in notices],
        )
    except UnrenderableNotice as exc:
        raise Undeliverable(str(exc)) from exc
    alternative = _container(
        "multipart/alternative", _part("text/plain", rendered.text), _part("text/html", rendered.html)
    )
    invitation = _invitation(first, sender=sender, to=to, public_url=public_url, now=now)
    if invitation is None:
        message = alternative
    else:
        attachment = _part("text/calendar", invitation, params='; method="REQUEST"')
        attachment["Content-Disposition"] = _header("Content-Disposition", 'attachment; filename="invite.ics"')
        message = _container("multipart/mixed", alternative, attachment)
    message["Subject"] = rendered.subject
    message["From"] = _header("From", str(sender))
    message["To"] = _header("To", str(to))
    message["Date"] = format_datetime(now)
    message["Message-ID"] = first.message_id if first.message_id.startswith("<") else f"<{first.message_id}>"
    message["Auto-Submitted"] = _header("Auto-Submitted", "auto-generated")
    message["X-Sanshe-Template"] = _header("X-Sanshe-Template", first.template)
    message["MIME-Version"] = _header("MIME-Version", "1.0")
    return OutgoingMail(tuple(notices), message, sender.addr_spec, to.addr_spec)


def _invitation(notice: ClaimedNotice, *, sender: Address, to: Address, public_url: str, now: datetime) -> str | None:
    if notice.template not in INVITATION_TEMPLATES or notice.entity_type != "review_assignment":
        return None
    try:
        due_date = date.fromisoformat(str(notice.params["due_date"]))
    except (KeyError, ValueError):
        return None  # the mail still says what it can; no calendar entry without a date
    return review_invitation(
        assignment_id=notice.entity_id,
        project_title=str(notice.params.get("project_title", "")),
        due_date=due_date,
        sequence=int(notice.params.get("sequence", 0)),
        organizer=(sender.display_name or sender.addr_spec, sender.addr_spec),
        attendee=(to.display_name or to.addr_spec, to.addr_spec),
        url=review_url(public_url, notice.entity_id),
        now=now,
    )


def links_of(notice: ClaimedNotice, public_url: str) -> NoticeLink:
    """The page the row is about, under the configured public address."""
    return notice_link(public_url, entity_type=notice.entity_type, entity_id=notice.entity_id, params=notice.params)


class SmtpPolicy(EmailPolicy):
    """`email.policy.SMTP` (CRLF, RFC 2047) that folds each distinct header once: most repeat mail to mail."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "message-id" and str(value).isascii():
            # Never folded: receivers compare it as written, and ours run longer than a line.
            return f"{name}: {value}{self.linesep}".encode("ascii")
        if not hasattr(value, "name"):  # raw text, not a parsed header object: fold as usual
            return super().fold_binary(name, value)
        # The generator clones the policy for every part, so the key holds the settings, not the object.
        key = (name, str(value), self.linesep, self.max_line_length, self.utf8, self.cte_type)
        folded = _FOLDED.get(key)
        if folded is None:
            if len(_FOLDED) >= 4096:
                _FOLDED.clear()
            folded = _FOLDED[key] = super().fold_binary(name, value)
        return folded

    def header_max_count(self, name: str) -> int | None:
        """Asked on every header set; the registry answers by building a class each time, so remember it."""
        count = _MAX_COUNT.get(name.lower(), _UNKNOWN)
        if count is _UNKNOWN:
            count = _MAX_COUNT[name.lower()] = super().header_max_count(name)
        return count  # type: ignore[return-value]


_UNKNOWN = object()
_MAX_COUNT: dict[str, object] = {}
_FOLDED: dict[tuple[object, ...], bytes] = {}
POLICY = SmtpPolicy(linesep="\r\n")  # the settings of email.policy.SMTP


# The MIME tree is built by hand rather than with set_content(): that parses every header of every part
# anew, which was most of a mail's cost. The headers that never change are parsed once and shared.
@lru_cache(maxsize=512)
def _header(name: str, value: str) -> BaseHeader:
    return POLICY.header_factory(name, value)  # type: ignore[no-any-return]


def _part(content_type: str, text: str, *, params: str = "") -> EmailMessage:
    """A UTF-8 text part in base64: safe through any relay, 8BITMIME or not."""
    part = EmailMessage(policy=POLICY)
    part["Content-Type"] = _header("Content-Type", f'{content_type}; charset="utf-8"{params}')
    part["Content-Transfer-Encoding"] = _header("Content-Transfer-Encoding", "base64")
    part.set_payload(base64.encodebytes(text.encode("utf-8")).decode("ascii"))
    return part


def _container(content_type: str, *parts: EmailMessage) -> EmailMessage:
    """A multipart with a fixed boundary: every part is base64, which can never hold a line starting `--=_`."""
    container = EmailMessage(policy=POLICY)
    boundary = f"=_sanshe_{content_type.split('/')[1]}"
    container["Content-Type"] = _header("Content-Type", f'{content_type}; boundary="{boundary}"')
    container.set_payload(list(parts))
    return container
