"""Bad input to `transition`: each is a distinct, clear error, and the database is left unchanged."""

from collections.abc import Callable

import pytest
from sqlmodel import Session

from models.errors import (
    DomainError,
    OutOfScope,
    ReasonRequired,
    RoleNotAllowed,
    RulesFailed,
    StaleVersion,
    UnknownEvent,
    VersionRequired,
)
from models.roles import Actor, Role
from models.transition import UnboundEffect
from models.transition import transition as bare_transition
from service.transitions import transition
from tests import factories
from tests.database_snapshot import row_counts
from tests.factories import DECLARATION_DAY, Cast
from tests.models.lifecycle_paths import drive_project


def _refused(session: Session, cast: Cast, error: type[DomainError], attempt: Callable[[], object]) -> DomainError:
    before = row_counts(session)
    state, version = cast.project.state, cast.project.version
    with pytest.raises(error) as raised:
        attempt()
    session.expire_all()
    assert row_counts(session) == before
    assert (cast.project.state, cast.project.version) == (state, version)
    assert raised.value.message
    return raised.value


def test_wrong_role(session: Session) -> None:
    cast = factories.cast(session)
    error = _refused(
        session,
        cast,
        RoleNotAllowed,
        lambda: transition(
            session, cast.project, "submit", actor=cast.actor(Role.COMMUNITY), expected_version=1, now=DECLARATION_DAY
        ),
    )
    assert error.status == 403
    assert "社区居委会无权执行“提交申报”" in error.message


def test_wrong_scope_is_not_found(session: Session) -> None:
    cast = factories.cast(session)
    outsider = Actor("x", Role.DISTRICT_BUREAU, region_id=factories.district(session, cast.programme, "西固区").id)
    error = _refused(
        session,
        cast,
        OutOfScope,
        lambda: transition(
            session, cast.project, "confirm_eligibility", actor=outsider, expected_version=1, now=DECLARATION_DAY
        ),
    )
    assert error.status == 404


def test_other_organisation_is_out_of_scope(session: Session) -> None:
    cast = factories.cast(session)
    other = factories.organisation(session)
    _refused(
        session,
        cast,
        OutOfScope,
        lambda: transition(
            session,
            cast.project,
            "submit",
            actor=Actor("o", Role.ORGANISATION, organisation_id=other.id),
            expected_version=1,
            now=DECLARATION_DAY,
        ),
    )


def test_stale_version(session: Session) -> None:
    cast = factories.cast(session)
    drive_project(session, cast, ["submit"])
    error = _refused(
        session,
        cast,
        StaleVersion,
        lambda: transition(
            session,
            cast.project,
            "confirm_eligibility",
            actor=cast.actor(Role.DISTRICT_BUREAU),
            expected_version=1,
            now=DECLARATION_DAY,
        ),
    )
    assert error.status == 409 and "版本" in error.message


def test_unknown_event(session: Session) -> None:
    cast = factories.cast(session)
    error = _refused(
        session,
        cast,
        UnknownEvent,
        lambda: transition(
            session,
            cast.project,
            "approve_everything",
            actor=cast.actor(Role.CITY_COORDINATOR),
            expected_version=1,
            now=DECLARATION_DAY,
        ),
    )
    assert "approve_everything" in error.message


def test_reason_required(session: Session) -> None:
    cast = factories.cast(session)
    _refused(
        session,
        cast,
        ReasonRequired,
        lambda: transition(
            session,
            cast.project,
            "withdraw",
            actor=cast.actor(Role.ORGANISATION),
            expected_version=1,
            now=DECLARATION_DAY,
            reason="   ",
        ),
    )


def test_submission_outside_the_declaration_window(session: Session) -> None:
    cast = factories.cast(session)
    late = DECLARATION_DAY.replace(month=9, day=1)
    error = _refused(
        session,
        cast,
        RulesFailed,
        lambda: transition(
            session, cast.project, "submit", actor=cast.actor(Role.ORGANISATION), expected_version=1, now=late
        ),
    )
    assert [v.code for v in error.violations] == ["phase.declaration"]  # type: ignore[attr-defined]


def test_ineligible_declaration_names_every_failed_rule(session: Session) -> None:
    cast = factories.cast(session, community_service_area_m2=250, street_leader_consent_file=None)
    drive_project(session, cast, ["submit"])
    error = _refused(
        session,
        cast,
        RulesFailed,
        lambda: transition(
            session,
            cast.project,
            "confirm_eligibility",
            actor=cast.actor(Role.DISTRICT_BUREAU),
            expected_version=2,
            now=DECLARATION_DAY,
        ),
    )
    assert {v.code for v in error.violations} == {"community.service_area", "community.street_leader_consent"}  # type: ignore[attr-defined]
    assert "250 平方米，低于 300 平方米" in error.message


def test_missing_version_is_refused(session: Session) -> None:
    cast = factories.cast(session)
    actor = cast.actor(Role.ORGANISATION)
    error = _refused(
        session,
        cast,
        VersionRequired,
        lambda: transition(session, cast.project, "submit", actor=actor, expected_version=None, now=DECLARATION_DAY),
    )
    assert error.status == 422 and "expected_version" in error.message


def test_an_unbound_effect_fails_loudly_and_writes_nothing(session: Session) -> None:
    cast = factories.cast(session)
    drive_project(session, cast, ["submit", "confirm_eligibility", "open_review", "select", "contract"])
    before = row_counts(session)
    with pytest.raises(UnboundEffect, match="plan_project_nodes"):
        bare_transition(
            session,
            cast.project,
            "start",
            actor=cast.actor(Role.CITY_COORDINATOR),
            expected_version=cast.project.version,
            now=DECLARATION_DAY,
            effects={},
        )
    assert row_counts(session) == before and cast.project.state == "contracted"
