"""The README's lifecycle diagrams, drawn from the declarations: `python -m models.diagrams --write README.md`."""

import sys
from pathlib import Path

from models.lifecycles import LIFECYCLES, REGISTERS
from models.roles import ROLE_LABELS_ZH
from models.statemachine import Action

START, END = "<!-- lifecycles:start -->", "<!-- lifecycles:end -->"


def lifecycle_markdown() -> str:
    parts = [START, ""]
    for lifecycle in LIFECYCLES:
        parts += [f"### {lifecycle.label} (`{lifecycle.name}`)", "", "```mermaid", lifecycle.mermaid(), "```", ""]
        parts += ["| event | 操作 | from | to | who |", "|---|---|---|---|---|"]
        for creation in lifecycle.creations:
            parts.append(_row(creation, "（新建）", lifecycle.initial))
        for event in lifecycle.events:
            sources = ", ".join(s for s in lifecycle.states if s in event.sources)
            parts.append(_row(event, sources, event.target or "（状态不变）"))
        parts.append("")
    parts += ["### 登记与载入 (registers)", "", "| register | action | 操作 | who |", "|---|---|---|---|"]
    for register in REGISTERS:
        for creation in register.creations:
            parts.append(f"| `{register.name}` | `{creation.name}` | {creation.label} | {_who(creation)} |")
    parts += ["", END]
    return "\n".join(parts)


def _who(action: Action) -> str:
    return "、".join(ROLE_LABELS_ZH[r] for r in sorted(action.roles))


def _row(action: Action, sources: str, target: str) -> str:
    reason = "（须填理由）" if action.needs_reason else ""
    return f"| `{action.name}` | {action.label}{reason} | {sources} | {target} | {_who(action)} |"


def with_diagrams(readme: str) -> str:
    """The README with its lifecycle section replaced by the current declarations."""
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return before + lifecycle_markdown() + after


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        path = Path(sys.argv[2])
        path.write_text(with_diagrams(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(lifecycle_markdown() + "\n")
