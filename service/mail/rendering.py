"""The words of a notice: subject, plain text and HTML from one zh-CN Jinja2 template per kind."""

import re
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


def render_notice(
    template: str,
    rows: list[dict[str, Any]],
    *,
    recipient_name: str,
    public_url: str,
    part: int = 1,
    parts: int = 1,
) -> RenderedNotice:
    """Render one mail from the params of one row, or of every row of a digest part (the first row's on top)."""
    rows = [{**row, "url": project_url(public_url, row.get("project_id"))} for row in rows]
    projects = {row.get("project_id") for row in rows}
    context: dict[str, Any] = {
        **rows[0],
        "rows": rows,
        "recipient_name": recipient_name,
        "digest_part": part,
        "digest_parts": parts,
        "project_url": rows[0]["url"] if len(projects) == 1 else project_url(public_url, None),
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
