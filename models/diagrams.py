"""The README's lifecycle diagrams, drawn from the declarations: `python -m models.diagrams --write README.md`."""

import sys
from pathlib import Path

from models.lifecycles import LIFECYCLES
from models.roles import ROLE_LABELS_ZH

START, END = "<!-- lifecycles:start -->", "<!-- lifecycles:end -->"


def lifecycle_markdown() -> str:
    parts = [START, ""]
    for lifecycle in LIFECYCLES:
        parts += [f"### {lifecycle.label} (`{lifecycle.name}`)", "", "```mermaid", lifecycle.mermaid(), "```", ""]
        parts += ["| event | 操作 | from | to | who |", "|---|---|---|---|---|"]
        for event in lifecycle.events:
            sources = ", ".join(s for s in lifecycle.states if s in event.sources)
            who = "、".join(ROLE_LABELS_ZH[r] for r in sorted(event.roles))
            reason = "（须填理由）" if event.needs_reason else ""
            parts.append(f"| `{event.name}` | {event.label}{reason} | {sources} | {event.target} | {who} |")
        parts.append("")
    parts.append(END)
    return "\n".join(parts)


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
