"""Sending a failed notice again once its cause is fixed: back to pending, with the same Message-ID, addressed anew.

The row keeps the address it was queued with; the resend goes to the recipient's address as kept now (the place,
organisation or expert corrected since), so fixing the address and pressing 重新发送 is all it takes.
"""

from datetime import datetime

from sqlmodel import Session

from models.authority import authorize
from models.errors import EventNotAllowedInState
from models.lifecycles import NOTICE_REGISTER
from models.outbox import OutboxMessage, OutboxStatus
from models.roles import Actor
from service.mail.failures import requeue_failed
from service.queries.notice_addressees import notice_addressee
from service.queries.notices import NoticePublic, get_notice

STATUS_ZH = {OutboxStatus.PENDING: "待发送", OutboxStatus.SENT: "已发送", OutboxStatus.FAILED: "发送失败"}


REQUEUE = "requeue"


def requeue_notice(session: Session, *, notice_id: int, actor: Actor, now: datetime) -> NoticePublic:
    """Only a failed notice goes back to the queue; the dispatcher's next run sends it. Committed."""
    authorize(session, actor=actor, subject=NOTICE_REGISTER, action=REQUEUE)
    notice = get_notice(session, actor=actor, notice_id=notice_id)  # another region's: not found
    if requeue_failed(session, [notice_id], now=now) != 1:
        raise EventNotAllowedInState(f"通知当前状态为“{STATUS_ZH[notice.status]}”，只有发送失败的通知可以重新发送")
    readdress(session, notice)
    session.commit()
    session.refresh(notice)
    return NoticePublic.model_validate(notice, from_attributes=True)


def readdress(session: Session, notice: OutboxMessage) -> None:
    """Name and address as the recipient's register holds them now; kept as they were when it cannot tell."""
    addressee = notice_addressee(session, notice)
    if addressee is None:
        return
    recipient = addressee.recipient
    if recipient.address != notice.recipient_address:
        # A digest part is claimed by (key, address): under a new address the row starts a part of its own.
        notice.digest_part = notice.digest_parts = None
    notice.recipient_name, notice.recipient_address = recipient.name, recipient.address
    session.add(notice)
