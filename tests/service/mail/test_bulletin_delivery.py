"""A published bulletin reaches each office through the real dispatcher and a real SMTP server."""

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from models.outbox import OutboxMessage, OutboxStatus
from models.parties import Party
from models.recipients import office_name
from models.region import Region
from schedules.bulletin import BULLETIN_TEMPLATE, parse_period, publish_bulletin
from service.mail.catcher import CatcherProcess
from tests import factories
from tests.schedules.builders import morning, started_project
from tests.service.mail.builders import caught, dispatch, rows

PUBLISHED = morning(date(2023, 1, 3))


def test_a_published_bulletin_arrives_at_the_district_bureau_and_the_street_office(
    session: Session, catcher: CatcherProcess, tmp_path: Path
) -> None:
    programme = factories.lanzhou(session)
    cast = started_project(session, programme=programme, district_name="七里河区")
    community = session.get(Region, cast.community.id)
    assert community is not None and community.parent_id is not None
    street = session.get(Region, community.parent_id)
    assert street is not None and street.parent_id is not None
    district = session.get(Region, street.parent_id)
    assert district is not None

    result = publish_bulletin(
        session,
        programme_code=programme.code,
        period=parse_period("2022-Q4"),
        as_of=date(2022, 12, 31),
        now=PUBLISHED,
        files_dir=tmp_path,
    )
    queued = list(
        session.execute(
            select(OutboxMessage).where(
                OutboxMessage.template == BULLETIN_TEMPLATE, OutboxMessage.entity_id == programme.id
            )
        ).scalars()
    )
    report = dispatch(session, catcher, now=PUBLISHED)

    assert result.notices == len(queued) == 2 and report.sent >= 2
    offices = {
        Party.DISTRICT_BUREAU.value: (office_name(Party.DISTRICT_BUREAU, district.name), district.contact_email),
        Party.STREET_OFFICE.value: (office_name(Party.STREET_OFFICE, street.name), street.contact_email),
    }
    for row in rows(session, [r.id for r in queued]):
        assert row.status is OutboxStatus.SENT and row.sent_at == PUBLISHED
        (mail,) = caught(catcher, {row.message_id})
        assert mail["Subject"] == f"【三社联动】{programme.name}（2022-Q4）进展通报已发布"
        (to,) = mail["To"].addresses
        assert (to.display_name, to.addr_spec) == offices[row.recipient_party]
        text = mail.get_body(("plain",))
        assert text is not None
        assert "七里河区" in text.get_content() and "逾期未交的节点" in text.get_content()
