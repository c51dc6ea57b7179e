"""The words of a notice: subject, plain text and HTML from one zh-CN Jinja2 template per kind."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, UndefinedError

from service.mail.facts import facts

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "mail"


class UnrenderableNotice(LookupError):
    """No words can be made of a row: a permanent failure of that notice."""


class UnknownTemplate(UnrenderableNotice):
    """A row names a template that has no file."""


class MissingFact(UnrenderableNotice):
    """A template prints a fact its row lacks (a template walk test keeps writers and templates in step)."""


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    text: str
    html: str


def project_url(public_url: str, project_id: Any) -> str:
    """The project's page in the console; without a project, the console's list of projects."""
    base = public_url.rstrip("/") + "/console/projects"
    return f"{base}/{project_id}" if project_id not in (None, "") else base


def review_url(public_url: str, assignment_id: int) -> str:
    """The review assignment's page in the expert's inbox (评审任务), where it is accepted, declined and scored."""
    return f"{public_url.rstrip('/')}/console/reviews/{assignment_id}"


@dataclass(frozen=True)
class NoticeLink:
    """The console page a notice is about, opened by its recipient: its address and what the mail calls it."""

    url: str
    label: str


# Pages by the entity a row is about (`outbox.entity_type`); any other entity's notice links to its project.
NODE_PAGE, BULLETINS_PAGE = "/console/nodes/{id}", "/console/bulletins"
NODE_ENTITY, REVIEW_ENTITY, BULLETIN_ENTITY = "node", "review_assignment", "programme"


def notice_link(public_url: str, *, entity_type: str, entity_id: int, params: dict[str, Any]) -> NoticeLink:
    """Where one outbox row's reader goes: a review to the expert inbox's page, a node report to its page, a
    bulletin to the bulletins' page, everything else to its project."""
    base = public_url.rstrip("/")
    if entity_type == REVIEW_ENTITY:
        return NoticeLink(review_url(public_url, entity_id), "查看评审任务")
    if entity_type == NODE_ENTITY:
        return NoticeLink(base + NODE_PAGE.format(id=entity_id), "查看节点报告")
    if entity_type == BULLETIN_ENTITY:
        return NoticeLink(base + BULLETINS_PAGE, "查看进展通报")
    return NoticeLink(project_url(public_url, params.get("project_id")), "查看项目")


def render_notice(
    template: str,
    rows: list[dict[str, Any]],
    *,
    recipient_name: str,
    public_url: str,
    part: int = 1,
    parts: int = 1,
    links: Sequence[NoticeLink] | None = None,
) -> RenderedNotice:
    """Render one mail from the params of one row, or of every row of a digest part (the first row's on top).

    `links` are the rows' pages (`notice_link`); without them each row links to its project."""
    if links is None:
        links = [NoticeLink(project_url(public_url, row.get("project_id")), "查看项目") for row in rows]
    rows = [{**row, "url": link.url} for row, link in zip(rows, links, strict=True)]
    projects = {row.get("project_id") for row in rows}
    one_page = len({link.url for link in links}) == 1
    listed = NoticeLink(project_url(public_url, None), "查看项目列表")
    link = links[0] if one_page else listed
    context: dict[str, Any] = {
        **rows[0],
        "rows": rows,
        "recipient_name": recipient_name,
        "digest_part": part,
        "digest_parts": parts,
        "project_url": project_url(public_url, rows[0].get("project_id") if len(projects) == 1 else None),
        "link_url": link.url,
        "link_label": link.label,
    }
    try:
        text_template = _environment(escape_html=False).get_template(f"{template}.j2")
        html_template = _environment(escape_html=True).get_template(f"{template}.j2")
    except TemplateNotFound as exc:
        raise UnknownTemplate(f"没有名为 {template} 的邮件模板（service/templates/mail/{template}.j2）") from exc
    try:
        subject = text_template.render(context, part="subject")
        text = text_template.render(context, part="text")
        html = html_template.render(context, part="html")
    except UndefinedError as exc:
        raise MissingFact(f"邮件模板 {template} 缺少参数：{exc.message}") from exc
    return RenderedNotice(
        subject=re.sub(r"\s+", " ", subject).strip(),  # a header may not hold a line break
        text=text.strip() + "\n",
        html=html,
    )


@lru_cache(maxsize=2)
def _environment(*, escape_html: bool) -> Environment:
    """Two environments over the same files: the HTML part escapes values, the subject and text do not."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=escape_html,
        undefined=StrictUndefined,  # a missing fact is an error, never a blank; optional ones say `default(...)`
        auto_reload=False,
    )
    environment.globals["facts"] = facts
    return environment
