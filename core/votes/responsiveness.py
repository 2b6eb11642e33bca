"""A leader's share of the questions that were waiting for them, answered within the SLA.

Definition (what `leader_share` computes, over the questions asked in the last 30 days):
- a question *counts for* leader L when it was asked by someone else, is old enough to judge
  (asked at least one SLA ago, or already responded to), and was not finished without any
  response before its SLA ran out (closed as a duplicate, or solved by the asker alone);
- L *answered it in time* when L's first message in its thread came within the SLA: L was the
  first responder, or the first leader or expert to respond, within the SLA;
- questions someone else answered in time needed nobody more, so they count neither way;
  what remains is "waiting for the leaders": those L answered in time plus those nobody did;
- L's share = answered in time by L / (answered in time by L + answered in time by nobody),
  and it is judged only when that denominator reaches the community's minimum (default 5).

So co-leaders who cover for each other are not penalised, members and experts who answer
quickly take nothing away from a leader, and a leader is low only when questions went
unanswered past the SLA while others (or they themselves) did not pick them up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from core.questions.model import DONE, Question


@dataclass(frozen=True, slots=True)
class LeaderShare:
    answered: int  # questions L answered within the SLA
    waiting: int  # answered by L in time + answered by nobody in time

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.answered, self.waiting) if self.waiting else None

    def low(self, threshold: Fraction, minimum: int) -> bool:
        share = self.share
        return share is not None and self.waiting >= minimum and share < threshold


def _within(at: datetime | None, question: Question, sla: timedelta) -> bool:
    return at is not None and at - question.created_at <= sla


def leader_share(questions: Sequence[Question], leader: int, now: datetime, sla: timedelta) -> LeaderShare:
    answered = waiting = 0
    for question in questions:
        if question.asker_person_id == leader:
            continue
        if question.first_response_at is None and now - question.created_at < sla:
            continue  # too young to judge
        finished_alone = (question.first_response_at is None and question.status in DONE
                          and question.resolved_at is not None and question.resolved_at - question.created_at <= sla)
        if finished_alone:
            continue
        by_leader = ((question.first_response_by == leader and _within(question.first_response_at, question, sla))
                     or (question.first_leader_by == leader and _within(question.first_leader_at, question, sla)))
        if by_leader:
            answered += 1
            waiting += 1
        elif not _within(question.first_response_at, question, sla):
            waiting += 1
    return LeaderShare(answered, waiting)
