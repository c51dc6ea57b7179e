"""The README's lifecycle diagrams are the declarations, not a drawing that drifts from them."""

from pathlib import Path

from models.diagrams import with_diagrams
from models.lifecycles import LIFECYCLES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_diagrams_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert with_diagrams(text) == text, "run `make diagrams` to redraw the README's lifecycle section"


def test_every_transition_is_drawn() -> None:
    text = README.read_text(encoding="utf-8")
    for lifecycle in LIFECYCLES:
        for event in lifecycle.events:
            for source in event.sources:
                assert f"    {source} --> {event.target_from(source)}: {event.name}" in text
