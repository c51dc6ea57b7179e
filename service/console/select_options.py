"""The `<option>`s of a console `<select>`: (value, label) pairs, the chosen value selected, written in one pass.

A filter can offer hundreds of choices (the project list's organisations: 425 in the 100k benchmark); a template
loop over them cost more than the page's queries. Values compare as text, as a query string carries them; an enum
compares by its value."""

from collections.abc import Iterable
from enum import Enum

from markupsafe import Markup, escape


def _as_text(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def options_html(pairs: Iterable[tuple[object, object]], chosen: object = None) -> Markup:
    """`<option value="…" selected>…</option>` for each pair, escaped; none selected when `chosen` is None."""
    chosen_text = None if chosen is None else _as_text(chosen)
    written = []
    for value, label in pairs:
        text = _as_text(value)
        selected = " selected" if text == chosen_text else ""
        written.append(f'<option value="{escape(text)}"{selected}>{escape(label)}</option>')
    return Markup("".join(written))
