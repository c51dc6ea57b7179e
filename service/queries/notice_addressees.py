"""Who a notice is addressed to today: found again from what it is about, so a corrected address is the one used.

An outbox row keeps the name and address it was queued with. A resend after the address was fixed (on the place,
organisation or expert) goes to the address kept there now; the holder also tells the console where to fix it.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from models.expert import Expert
from models.lifecycles import NODE, PROJECT, REVIEW_ASSIGNMENT
from models.node import Node
from models.organisation import Organisation
from models.outbox import OutboxMessage
from models.parties import Party
from models.project import Project
from models.recipients import Recipient, expert_recipient, organisation_recipient, party_region, region_recipient
from models.region import Region
from models.review import ReviewAssignment
from schedules.bulletin import BULLETIN_ENTITY, bulletin_office_id


class Holder(StrEnum):
    """Where a recipient's address is kept."""

    REGION = "region"
    ORGANISATION = "organisation"
    EXPERT = "expert"


@dataclass(frozen=True)
class Addressee:
    recipient: Recipient
    holder: Holder
    holder_id: int | None  # None: the region tree has no such office yet


def notice_addressee(session: Session, notice: OutboxMessage) -> Addressee | None:
    """The notice's recipient as the register names it now; None when what it is about is gone."""
    try:
        party = Party(notice.recipient_party)
    except ValueError:
        return None
    if notice.entity_type == BULLETIN_ENTITY:
        office_id = bulletin_office_id(notice.dedupe_key)
        if office_id is None:
            return None
        return _regional(party, session.get(Region, office_id))
    if party is Party.EXPERT:
        about_assignment = notice.entity_type == REVIEW_ASSIGNMENT.name
        assignment = session.get(ReviewAssignment, notice.entity_id) if about_assignment else None
        expert = session.get(Expert, assignment.expert_id) if assignment is not None else None
        return Addressee(expert_recipient(expert), Holder.EXPERT, expert.id) if expert is not None else None
    project = _project(session, notice)
    if project is None:
        return None
    if party is Party.ORGANISATION:
        organisation = session.get(Organisation, project.organisation_id)
        if organisation is None:
            return None
        recipient = organisation_recipient(organisation.name, organisation.contact_email)
        return Addressee(recipient, Holder.ORGANISATION, organisation.id)
    return _regional(party, party_region(session, project, party))


def _regional(party: Party, region: Region | None) -> Addressee:
    return Addressee(region_recipient(party, region), Holder.REGION, region.id if region is not None else None)


def _project(session: Session, notice: OutboxMessage) -> Project | None:
    entity: Project | Node | ReviewAssignment | None = None
    if notice.entity_type == PROJECT.name:
        entity = session.get(Project, notice.entity_id)
    elif notice.entity_type == NODE.name:
        entity = session.get(Node, notice.entity_id)
    elif notice.entity_type == REVIEW_ASSIGNMENT.name:
        entity = session.get(ReviewAssignment, notice.entity_id)
    if entity is None or isinstance(entity, Project):
        return entity
    return session.get(Project, entity.project_id)
