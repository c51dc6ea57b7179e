"""Lookups over the keys of a large imported sheet stay under the backends' bound-parameter limits."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.expert import Expert
from models.in_lists import IN_LIST_SLICE, rows_where_in
from models.organisation import Organisation
from tests import factories

MORE_THAN_POSTGRES_TAKES = 70_000  # one IN list of these is over PostgreSQL's 65,535 parameters (issue 11, #10)


def test_a_lookup_over_70000_credit_codes_finds_the_registered_ones(session: Session) -> None:
    """Guards `rows_where_in`'s slicing (models/in_lists.py), which the imports' lookups go through."""
    registered = [factories.organisation(session) for _ in range(3)]
    codes = [f"UNREGISTERED{n:06d}" for n in range(MORE_THAN_POSTGRES_TAKES)]
    codes[1], codes[40_000], codes[-1] = (o.credit_code for o in registered)

    found = rows_where_in(session, select(Organisation), col(Organisation.credit_code), codes)

    assert sorted(o.credit_code for o in found) == sorted(o.credit_code for o in registered)


def test_values_repeated_or_across_slices_find_each_row_once(session: Session) -> None:
    expert = Expert(name=factories.unique("专家"), email=f"{factories.unique('zj')}@Example.cn")
    session.add(expert)
    session.flush()
    assert expert.email is not None
    emails = [f"nobody{n}@example.cn" for n in range(IN_LIST_SLICE)] + [expert.email.lower()] * 3

    found = rows_where_in(session, select(Expert), func.lower(Expert.email), emails)

    assert [e.id for e in found] == [expert.id]
