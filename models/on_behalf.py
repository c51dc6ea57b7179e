"""Paper entry (纸质材料代录): a bureau enters what an organisation or a community sent on paper, acting on
behalf of that party.

Who may is each event's `on_behalf_roles` (`models.lifecycles`); whether a programme allows it at all is its
`paper_entry` setting. The audit row names both: the bureau's user and role, and the party it acted for.
"""

from sqlmodel import Session

from models.errors import OutOfScope, RoleNotAllowed, RulesFailed, RuleViolation
from models.organisation import Organisation
from models.programme import Programme
from models.region import Region
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.scope import can_see, project_of
from models.statemachine import Action, Event


def on_behalf_actor(session: Session, *, actor: Actor, event: Action, entity: object, entity_label: str) -> Actor:
    """The party `event` belongs to, as `actor` acts for it; refused unless the event and the programme allow it."""
    if not isinstance(event, Event) or actor.role not in event.on_behalf_roles:
        raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}不能代为执行“{event.label}”")
    if not can_see(session, actor, entity):
        raise OutOfScope(f"{entity_label}不存在或不在您的管辖范围内")
    project = project_of(session, entity)
    programme = session.get(Programme, project.programme_id)
    assert programme is not None
    if not programme.parsed_spec().paper_entry:
        message = f"本批次（{programme.name}）不允许代录纸质材料，“{event.label}”须由当事方在系统中办理"
        raise RulesFailed([RuleViolation("on_behalf.not_permitted", message)])
    (party_role,) = event.roles
    organisation = session.get(Organisation, project.organisation_id)
    community = session.get(Region, project.community_id)
    assert organisation is not None and community is not None
    if party_role is Role.ORGANISATION:
        scope, party = {"organisation_id": organisation.id}, f"社工机构：{organisation.name}"
    else:
        assert party_role is Role.COMMUNITY, f"{event.name}: paper entry for {party_role} is not modelled"
        scope, party = {"region_id": community.id}, f"社区：{community.name}"
    return Actor(actor.user_id, party_role, display_name=actor.display_name, on_behalf_of=party, **scope)
