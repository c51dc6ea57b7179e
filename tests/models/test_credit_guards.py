"""When a blacklist entry binds: from its first to its last day inclusive, never once lifted."""

from datetime import UTC, date, datetime

from models.organisation import CreditEntry, CreditKind


def _entry(**fields: object) -> CreditEntry:
    return CreditEntry(
        kind=CreditKind.BLACKLIST, reason="冒名顶替", recorded_at=datetime(2022, 1, 1, tzinfo=UTC), **fields
    )


def test_a_blacklist_entry_binds_within_its_period_until_lifted() -> None:
    entry = _entry(starts_on=date(2022, 3, 1), ends_on=date(2022, 8, 31))
    assert [entry.in_force(day) for day in (date(2022, 2, 28), date(2022, 3, 1), date(2022, 8, 31))] == [
        False,
        True,
        True,
    ]
    assert not entry.in_force(date(2022, 9, 1))
    open_ended = _entry(starts_on=date(2022, 3, 1))
    assert open_ended.in_force(date(2030, 1, 1)) and open_ended.state == "recorded" and open_ended.version == 1
    open_ended.lifted_at = datetime(2022, 6, 1, tzinfo=UTC)
    assert not open_ended.in_force(date(2022, 6, 2)) and (open_ended.state, open_ended.version) == ("lifted", 2)
