"""A leader's share of the questions that waited for them, answered within the SLA."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from core.questions.model import Question, Status
from core.votes.responsiveness import leader_share
from tests.fakes import START

SLA = timedelta(hours=4)
LENA, ANA, SAM = 1, 2, 3
NOW = START + timedelta(days=10)


def question(number: int, *, asker: int = SAM, first: tuple[int, timedelta] | None = None,
             leader: tuple[int, timedelta] | None = None, age: timedelta = timedelta(days=2),
             status: Status = Status.OPEN, resolved_after: timedelta | None = None) -> Question:
    created = NOW - age
    return Question(
        number, 1, number, "question", asker, "?", "console", "main", None, None, status, created, created, created,
        first_response_at=created + first[1] if first else None, first_response_by=first[0] if first else None,
        first_leader_at=created + leader[1] if leader else None, first_leader_by=leader[0] if leader else None,
        resolved_at=created + resolved_after if resolved_after else None)


def test_questions_nobody_answered_in_time_count_against_the_leader() -> None:
    questions = [question(1, first=(LENA, timedelta(hours=1))),
                 question(2, first=(LENA, timedelta(hours=5))),  # late
                 question(3)]  # never
    share = leader_share(questions, LENA, NOW, SLA)
    assert (share.answered, share.waiting) == (1, 3) and share.share == Fraction(1, 3)


def test_a_co_leader_or_member_answering_in_time_takes_nothing_from_the_leader() -> None:
    questions = [question(1, first=(ANA, timedelta(hours=1)), leader=(ANA, timedelta(hours=1))),
                 question(2, first=(SAM + 10, timedelta(hours=2))),
                 question(3, first=(LENA, timedelta(hours=3)))]
    assert leader_share(questions, LENA, NOW, SLA).share == 1
    # Ana covered question 1 but not 3: for her, 3 was answered in time by someone else too.
    assert leader_share(questions, ANA, NOW, SLA).share == 1


def test_a_leader_answering_after_a_member_still_gets_credit_when_in_time() -> None:
    questions = [question(1, first=(SAM + 10, timedelta(hours=1)), leader=(LENA, timedelta(hours=2)))]
    assert (leader_share(questions, LENA, NOW, SLA).answered, leader_share(questions, LENA, NOW, SLA).waiting) == (1, 1)


def test_own_young_and_self_solved_questions_are_not_judged() -> None:
    questions = [question(1, asker=LENA),
                 question(2, age=timedelta(hours=3)),  # the SLA has not run out yet
                 question(3, status=Status.RESOLVED, resolved_after=timedelta(hours=1)),  # solved by the asker
                 question(4, status=Status.CLOSED, resolved_after=timedelta(hours=2))]  # closed as a duplicate
    share = leader_share(questions, LENA, NOW, SLA)
    assert share.waiting == 0 and share.share is None
    assert not share.low(Fraction(1, 2), 1)


def test_low_needs_the_minimum_number_of_questions() -> None:
    questions = [question(n) for n in range(1, 5)]
    share = leader_share(questions, LENA, NOW, SLA)
    assert share.share == 0
    assert not share.low(Fraction(1, 2), minimum=5)
    assert share.low(Fraction(1, 2), minimum=4)
