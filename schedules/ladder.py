"""The escalation ladder of a programme: who is told about a node, and on which working day.

A rung with an offset of N <= 0 is a reminder N working days before the due date; a positive offset fires
N working days after it (the node is then N working days late). Review assignments climb the same
offsets, told first to the expert and then to the coordinator.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from models.parties import Party
from models.programme_spec import EscalationLadder, ProgrammeSpec
from schedules.calendar import WorkingCalendar

NODE_REMINDER, NODE_OVERDUE = "node_reminder", "node_overdue"
REVIEW_REMINDER, REVIEW_OVERDUE = "review_reminder", "review_overdue"


def rung_label(offset_working_days: int) -> str:
    """What a reader is told of a rung (the code stays for machines): 到期前3个工作日提醒, 逾期5个工作日."""
    if offset_working_days < 0:
        return f"到期前{-offset_working_days}个工作日提醒"
    if offset_working_days == 0:
        return "到期当日提醒"
    return f"逾期{offset_working_days}个工作日"


@dataclass(frozen=True)
class LadderRung:
    index: int
    code: str
    offset_working_days: int
    notify: tuple[Party, ...]
    template: str

    @property
    def is_reminder(self) -> bool:
        return self.offset_working_days <= 0

    @property
    def label(self) -> str:
        return rung_label(self.offset_working_days)


@dataclass(frozen=True)
class Ladder:
    rungs: tuple[LadderRung, ...]

    def fires_on(self, rung: LadderRung, due: date, calendar: WorkingCalendar) -> date:
        """The working day a rung fires for a node due on `due`."""
        return calendar.add_working_days(due, rung.offset_working_days)

    def next_from(self, index: int, due: date, calendar: WorkingCalendar) -> tuple[int | None, date | None]:
        """The rung at `index` (or none when the ladder is spent) and the day it fires."""
        if index >= len(self.rungs):
            return None, None
        return index, self.fires_on(self.rungs[index], due, calendar)

    def first_unclaimed(
        self, claimed: set[str], due: date, calendar: WorkingCalendar
    ) -> tuple[int | None, date | None]:
        """After a new due date: the first rung not yet sent, so that no rung is sent twice."""
        for rung in self.rungs:
            if rung.code not in claimed:
                return rung.index, self.fires_on(rung, due, calendar)
        return None, None

    def to_fire(
        self, index: int, due: date, as_of: date, calendar: WorkingCalendar
    ) -> tuple[list[LadderRung], int | None, date | None]:
        """Rungs due by `as_of` from `index` on, and the rung that comes next.

        A sweep that missed days catches up on every late rung; a reminder whose due date has already
        passed is skipped, since the first late rung says more. A rung whose day lies past the last year a date
        can hold (a due date stored before input dates were bounded) never fires: it does not stop the sweep.
        """
        firing: list[LadderRung] = []
        while index < len(self.rungs):
            rung = self.rungs[index]
            try:
                day: date | None = self.fires_on(rung, due, calendar)
            except (ValueError, OverflowError):  # "year 10000 is out of range": counting past date.max
                day = None
            if day is None or day > as_of:
                return firing, index, day
            if not (rung.is_reminder and as_of > due):
                firing.append(rung)
            index += 1
        return firing, None, None


def caught_up(firing: Sequence[LadderRung]) -> list[tuple[LadderRung, bool]]:
    """The rungs one sweep claims, each with whether it is skipped: catching up after missed sweeps, only the
    highest is told, the lower ones are claimed for nobody (told once, at the rung that says how late it is)."""
    return [(rung, rung is not firing[-1]) for rung in firing]


def node_ladder(spec: ProgrammeSpec) -> Ladder:
    """The programme's ladder for node reports, as written in its file."""
    return ladder_of(spec.escalation_ladder)


def review_ladder(spec: ProgrammeSpec) -> Ladder:
    """Review assignments: the reminder and the first late rung go to the expert, later rungs to the coordinator."""
    rungs = []
    late_seen = False
    for i, r in enumerate(spec.escalation_ladder.rungs):
        if r.offset_working_days <= 0 or not late_seen:
            notify: tuple[Party, ...] = (Party.EXPERT,)
            late_seen = late_seen or r.offset_working_days > 0
        else:
            notify = (Party.CITY_COORDINATOR,)
        rungs.append(_rung(i, r.code, r.offset_working_days, notify, REVIEW_REMINDER, REVIEW_OVERDUE))
    return Ladder(tuple(rungs))


def _rung(index: int, code: str, offset: int, notify: tuple[Party, ...], reminder: str, overdue: str) -> LadderRung:
    return LadderRung(index, code, offset, notify, reminder if offset <= 0 else overdue)


def ladder_of(ladder: EscalationLadder) -> Ladder:
    """A bare ladder spec (as in a programme file) as node-report rungs."""
    return Ladder(
        tuple(
            _rung(i, r.code, r.offset_working_days, tuple(r.notify), NODE_REMINDER, NODE_OVERDUE)
            for i, r in enumerate(ladder.rungs)
        )
    )
