"""A filter's `<option>`s: every label escaped, the chosen value selected as the query string carries it."""

from enum import StrEnum

from service.console.select_options import options_html


class Level(StrEnum):
    DISTRICT = "district"
    STREET = "street"


def test_the_chosen_id_from_the_query_string_is_selected_and_every_label_escaped() -> None:
    html = options_html([(7, '城关区 <b>"一"</b>'), (12, "七里河区")], "12")
    assert html == (
        '<option value="7">城关区 &lt;b&gt;&#34;一&#34;&lt;/b&gt;</option><option value="12" selected>七里河区</option>'
    )


def test_nothing_is_selected_without_a_choice_and_an_enum_compares_by_its_value() -> None:
    assert " selected" not in options_html([(1, "甲"), (2, "乙")], None)
    assert " selected" not in options_html([(1, "甲")], "")
    assert options_html([(Level.DISTRICT, "区"), (Level.STREET, "街道")], "street").endswith(
        '<option value="street" selected>街道</option>'
    )
