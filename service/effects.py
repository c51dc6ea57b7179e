"""The one binding of the lifecycles' effect names to functions: above `models/` and `schedules/`, it may see both."""

from types import MappingProxyType

from models import effects
from models.assignments import extend_review
from models.lifecycles import LIFECYCLES
from models.statemachine import Effect, EffectBinding
from schedules import project_effects
from schedules.extensions import move_due_date

_BOUND: dict[str, Effect] = {
    "plan_project_nodes": project_effects.plan_project_nodes,
    "replan_after_resume": project_effects.replan_after_resume,
    "move_due_date": move_due_date,
    "blacklist_organisation": effects.blacklist_organisation,
    "record_failed_acceptance": effects.record_failed_acceptance,
    "record_report_version": effects.record_report_version,
    "record_community_opinion": effects.record_community_opinion,
    "record_review_comment": effects.record_review_comment,
    "record_scores": effects.record_scores,
    "extend_review": extend_review,
}
EFFECTS: EffectBinding = MappingProxyType(_BOUND)


def unbound_effects() -> set[str]:
    """Effect names declared on some event but bound to nothing here (a test keeps this empty)."""
    named = {name for lifecycle in LIFECYCLES for event in lifecycle.events for name in event.effects}
    return named - set(EFFECTS)
