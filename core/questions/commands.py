"""`ask`, `idea`, `solved`, `questions [open|stale|mine|all]`, `questions snooze|close`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from core.commands.context import Context
from core.commands.spec import Access, arg, command, rest
from core.commands.threads import thread_attacher
from core.community.commands import CONFIG_CHANGED
from core.community.model import Community
from core.community.settings import SLA
from core.durations import format_duration, humanize
from core.effects import OpenThread, Reply, ThreadUpdate
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, UserError
from core.links import thread_link
from core.ports import UnitOfWork
from core.questions.ladder import LADDER, arm_ladder, rung_due, stop_clocks
from core.questions.model import DONE, Question, Status, subject
from core.questions.settings import ARCHIVE_SOLVED
from core.refs import mention
from core.text import clean, preview

# Discord messages hold 2,000 characters; the question plus its framing must fit in one.
QUESTION_LIMIT = 1800
MAX_SNOOZE = timedelta(days=30)
# Open questions whose clocks follow a new SLA in one change (far more than a community has).
MAX_REARM = 10_000


@dataclass(frozen=True, kw_only=True)
class Ask:
    text: str = rest("Your question")


@dataclass(frozen=True, kw_only=True)
class Idea:
    text: str = rest("Your idea")


@command("ask", Ask, summary="Ask the community a question; leaders are nudged if it waits too long",
         examples=("ask How do you pace yourself on work days?",))
async def ask(cmd: Ask, ctx: Context) -> Reply:
    return await _raise(ctx, cmd.text, "question")


@command("idea", Idea, summary="Share an idea with the community; it gets the same response clock",
         examples=("idea A monthly call with a sleep physician",))
async def idea(cmd: Idea, ctx: Context) -> Reply:
    return await _raise(ctx, cmd.text, "idea")


async def _raise(ctx: Context, raw: str, kind: str) -> Reply:
    where, home, community = ctx.where, ctx.home, ctx.community
    if where is None or home is None:
        raise UserError(f"Ask in the home of {community.name}, so that others can answer.")
    text = clean(raw, field=kind, limit=QUESTION_LIMIT, multiline=True)
    if where.thread_id is not None:
        existing = await ctx.uow.questions.by_threads(where.platform, [where.thread_id])
        if existing:
            raise Conflict(f"This thread is already {existing[where.thread_id].label}.")
    person = await ctx.person_id()
    question = await ctx.uow.questions.add(Question(
        0, community.id, 0, kind, person, text, home.platform, home.room_id, home.space_id, where.thread_id,
        Status.OPEN, ctx.now, ctx.now, ctx.now))
    await arm_ladder(ctx.uow, question, community)
    sla = humanize(community.settings.get(SLA))
    if where.thread_id is not None:
        return Reply(f"Thanks — this is {question.label}. Leaders aim to answer within {sla}.")
    return Reply(
        f"**{question.label.capitalize()}** from {mention(ctx.actor.account, ctx.actor.display_name)}:\n{text}\n\n"
        f"_Reply in this thread. Leaders aim to answer within {sla}._",
        thread=OpenThread(f"question:{question.id}", preview(text, 90), ("Open",), question.number),
    )


@thread_attacher("question")
async def attach_thread(uow: UnitOfWork, question_id: str, thread_id: str) -> None:
    """Record the thread an adapter opened for a question (see OpenThread)."""
    question = await uow.questions.get(int(question_id))
    if question is not None and question.thread_id is None:
        await uow.questions.save(replace(question, thread_id=thread_id))


async def follow_new_times(ctx: Context, community: Community) -> None:
    """A new SLA or escalation ladder applies to the questions already waiting: each one's next
    rung is re-armed by the new times (a rung already overdue fires at the next sweep)."""
    waiting = await ctx.uow.questions.listing(community.id, [Status.OPEN], limit=MAX_REARM)
    rungs: list[tuple[str, str, datetime, Mapping[str, Any] | None]] = []
    for question in waiting:
        if question.tier >= 3:
            continue  # the ladder has run its course
        tier = question.tier + 1
        due = rung_due(question, community, tier)
        if question.snoozed_until is not None and due < question.snoozed_until:
            due = question.snoozed_until
        rungs.append((LADDER, subject(question.id), due, {"tier": tier}))
    await ctx.uow.timers.arm_many(rungs)


for _key in ("sla", "escalation"):
    CONFIG_CHANGED.setdefault(_key, []).append(follow_new_times)


@dataclass(frozen=True, kw_only=True)
class Solved:
    number: int | None = arg("The question's number (not needed in its thread)", type="int", required=False,
                             suggest="open_questions")
    answer: str = rest("Which answer solved it", required=False)


@command("solved", Solved, summary="Mark a question solved (the asker or a leader)",
         examples=("solved", "solved 4 Lena's pacing plan worked"))
async def solved(cmd: Solved, ctx: Context) -> Reply:
    question = await _find(ctx, cmd.number)
    if question.status in DONE:
        raise Conflict(f"{question.label.capitalize()} is already {question.status.value}.")
    if question.asker_person_id != await ctx.person_id() and not (ctx.is_leader or ctx.is_staff):
        raise PermissionDenied("Only the person who asked or a leader can mark it solved.")
    answer = clean(cmd.answer or "", field="answer", limit=500, required=False)
    done = replace(question, status=Status.RESOLVED, resolved_at=ctx.now, follow_up_at=None,
                   answer=answer or None)
    await ctx.uow.questions.save(done)
    await stop_clocks(ctx.uow, [done])
    if question.thread_id is not None:
        await ctx.emit(ThreadUpdate(question.home, question.thread_id, "solved",
                                    archive=ctx.community.settings.get(ARCHIVE_SOLVED)))
    named = f" The answer: {answer}" if answer else ""
    return Reply(f"{question.label.capitalize()} is solved. Thank you, everyone who helped!{named}")


@dataclass(frozen=True, kw_only=True)
class CloseQuestion:
    number: int = arg("The question's number", type="int", suggest="open_questions")
    reason: str = rest("Why (shown to the asker)", required=False)


@command("questions close", CloseQuestion, access=Access.LEADER,
         summary="Close a question without an answer (duplicates, off-topic)")
async def close(cmd: CloseQuestion, ctx: Context) -> Reply:
    question = await _find(ctx, cmd.number)
    if question.status in DONE:
        raise Conflict(f"{question.label.capitalize()} is already {question.status.value}.")
    reason = clean(cmd.reason or "", field="reason", limit=300, required=False)
    done = replace(question, status=Status.CLOSED, resolved_at=ctx.now, follow_up_at=None)
    await ctx.uow.questions.save(done)
    await stop_clocks(ctx.uow, [done])
    if question.thread_id is not None:
        await ctx.emit(ThreadUpdate(question.home, question.thread_id, "closed"))
    return Reply(f"{question.label.capitalize()} is closed" + (f": {reason}" if reason else "."))


@dataclass(frozen=True, kw_only=True)
class SnoozeQuestion:
    number: int = arg("The question's number", type="int", suggest="open_questions")
    duration: str = arg("For how long, e.g. 4h", type="duration", suggest="durations")


@command("questions snooze", SnoozeQuestion, access=Access.LEADER,
         summary="Hold back nudges about a question for a while", examples=("questions snooze 4 4h",), private=True)
async def snooze(cmd: SnoozeQuestion, ctx: Context) -> Reply:
    question = await _find(ctx, cmd.number)
    length: timedelta = cmd.duration  # type: ignore[assignment]
    if length > MAX_SNOOZE:
        raise InvalidInput("You can snooze a question for at most 30 days.")
    if question.status in DONE:
        raise Conflict(f"{question.label.capitalize()} is already {question.status.value}.")
    until = ctx.now + length
    await ctx.uow.questions.save(replace(question, snoozed_until=until))
    if question.status is Status.OPEN:
        tier = question.tier + 1 if question.tier < 3 else 3
        await arm_ladder(ctx.uow, question, ctx.community, tier, not_before=until)
    return Reply(f"No nudges about {question.label} for {format_duration(length)}.", private=True)


@dataclass(frozen=True, kw_only=True)
class ListQuestions:
    which: str = arg("Which questions", required=False, choices=("open", "stale", "mine", "all"))


@command("questions", ListQuestions, access=Access.PUBLIC, readonly=True,
         summary="List questions: open (default), stale, mine or all", private=True)
async def listing(cmd: ListQuestions, ctx: Context) -> Reply:
    community, which = ctx.community, cmd.which or "open"
    sla = community.settings.get(SLA)
    if which == "stale":
        found = await ctx.uow.questions.stale(community.id, ctx.now - sla, ctx.now)
    elif which == "mine":
        if ctx.account_or_none is None:
            return Reply("You have not asked anything yet.", private=True)
        found = await ctx.uow.questions.listing(community.id, list(Status), asker=ctx.account_or_none.person_id)
    elif which == "all":
        found = await ctx.uow.questions.listing(community.id, list(Status), limit=50)
    else:
        found = await ctx.uow.questions.listing(community.id, [Status.OPEN, Status.ANSWERED])
    if not found:
        return Reply(f"No {which} questions in {community.name}." if which != "mine" else
                     "You have not asked anything yet.", private=True)
    lines = [f"{which.capitalize()} questions in **{community.name}**:"]
    for question in found:
        state = "waiting past the SLA" if question.is_stale(ctx.now, sla) else question.status.value
        link = thread_link(question.home, question.thread_id)
        where = f" — [open]({link})" if link else ""
        kind = " (idea)" if question.kind == "idea" else ""
        lines.append(f"- #{question.number}{kind} · {state} · {humanize(ctx.now - question.created_at)} · "
                     f"“{preview(question.text, 70)}”{where}")
    return Reply("\n".join(lines), private=True)


async def _find(ctx: Context, number: int | None) -> Question:
    if number is not None:
        question = await ctx.uow.questions.by_number(ctx.community.id, number)
        if question is None:
            raise NotFound(f"There is no question #{number} in {ctx.community.name}.")
        return question
    where = ctx.where
    if where is not None and where.thread_id is not None:
        found = await ctx.uow.questions.by_threads(where.platform, [where.thread_id])
        if where.thread_id in found:
            return found[where.thread_id]
    raise UserError("Which question? Give its number, or use the command in the question's thread.")
