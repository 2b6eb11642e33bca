"""Messages in a question's thread: last activity, first response, the follow-up clock.

The first response is the first message by someone other than the asker that is not a bot;
the first response by a leader or expert is recorded too. Any such response stops the
ladder. When the asker writes again after an answer, the follow-up clock starts: if nobody
replies within the community's follow-up window, the question waits again.

Messages arrive in batches (the ingest queue groups concurrent ones into one transaction),
so everything here works on a batch with a constant number of statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from core.community.model import Community
from core.effects import ThreadUpdate
from core.ports import UnitOfWork
from core.questions.ladder import FOLLOW_UP, LADDER
from core.questions.model import DONE, Question, Status, subject
from core.questions.settings import FOLLOW_UP as FOLLOW_UP_WINDOW
from core.refs import Actor, Platform


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    platform: Platform
    thread_id: str
    author: Actor
    at: datetime


async def record_activity(uow: UnitOfWork, messages: Sequence[ThreadMessage], now: datetime) -> int:
    """Apply a batch of thread messages, in order; returns how many touched a question."""
    questions: dict[tuple[str, str], Question] = {}
    for platform in {m.platform for m in messages}:
        found = await uow.questions.by_threads(platform, [m.thread_id for m in messages if m.platform == platform])
        questions.update({(platform, thread): q for thread, q in found.items()})
    relevant = [m for m in messages if (m.platform, m.thread_id) in questions and not m.author.is_bot
                and questions[(m.platform, m.thread_id)].status not in DONE]
    if not relevant:
        return 0
    # Roles matter only while a question still waits for its first leader or expert response.
    waiting_for_leader = sorted({q.community_id for q in questions.values() if q.first_leader_at is None})
    accounts, experts = await uow.accounts.authors([m.author.account for m in relevant], waiting_for_leader)
    for message in relevant:
        if message.author.account not in accounts:
            accounts[message.author.account] = await uow.accounts.create(message.author, now)
    communities: dict[int, Community | None] = {}
    changed: dict[int, Question] = {}
    opened_before = {q.id: q.status is Status.OPEN for q in questions.values()}
    # Only questions with a clock running (waiting, or a follow-up pending) have timers to stop.
    clocked = {q.id for q in questions.values() if q.status is Status.OPEN or q.follow_up_at is not None}
    for message in relevant:
        key = (message.platform, message.thread_id)
        question = questions[key]
        person = accounts[message.author.account].person_id
        at = min(message.at, now)
        question = replace(question, last_activity_at=max(question.last_activity_at, at))
        if person == question.asker_person_id:
            if question.status is Status.ANSWERED:
                question = replace(question, follow_up_at=at)
        else:
            if question.first_response_at is None:
                question = replace(question, first_response_at=at, first_response_by=person)
            if question.first_leader_at is None and (question.community_id, person) in experts:
                question = replace(question, first_leader_at=at, first_leader_by=person)
            if question.status is Status.OPEN or question.follow_up_at is not None:
                question = replace(question, status=Status.ANSWERED, follow_up_at=None, tier=0)
        questions[key] = question
        changed[question.id] = question
    await uow.questions.save_many(list(changed.values()))
    for question in changed.values():
        if question.thread_id is not None and question.status is Status.ANSWERED \
                and opened_before.get(question.id, False):
            # Forum posts show their state as a tag: "Open" becomes "Answered".
            await uow.outbox.add(ThreadUpdate(question.home, question.thread_id, "answered"),
                                 key=f"answered:{question.id}:{question.waiting_since.isoformat()}")
    # A reply stops every clock; an asker's follow-up without a reply after it starts one.
    replied = [q for q in changed.values() if q.status is Status.ANSWERED and q.follow_up_at is None
               and q.id in clocked]
    await uow.timers.cancel_subjects([LADDER, FOLLOW_UP], [subject(q.id) for q in replied])
    timers = []
    for question in changed.values():
        if question.follow_up_at is None:
            continue
        if question.community_id not in communities:
            communities[question.community_id] = await uow.communities.get(question.community_id)
        community = communities[question.community_id]
        if community is not None:
            window = community.settings.get(FOLLOW_UP_WINDOW)
            timers.append((FOLLOW_UP, subject(question.id), question.follow_up_at + window, None))
    await uow.timers.arm_many(timers)
    return len(relevant)

