"""Counting ballots: recall (quorum and threshold), approval, and ranked choice (single
transferable vote; with one seat it is instant runoff). Pure functions on exact fractions.

Ties are broken by a lottery announced before voting starts: the candidates' order is drawn
from a random seed whose SHA-256 is published when the ballot opens and the seed itself with
the result (`lottery_order`), so anyone can recompute it and nobody could pick it after seeing
the ballots. Where the lottery decided something, the tally says so.

Single transferable vote, precisely (the tests hold a separate implementation to this text):
- valid ballots are the non-blank ones, V of them; the Droop quota is V // (seats + 1) + 1;
- every ballot starts with weight 1 and counts for its highest-ranked hopeful candidate;
- each round: if the hopefuls are no more than the seats left, they are all elected (in order
  of their tallies, then lottery); else if any hopeful has at least the quota, the highest is
  elected (ties: earlier in the lottery) and the ballots counting for them continue with their
  weight times surplus / tally, where surplus = tally - quota; else the lowest hopeful is
  eliminated (ties: the one latest in the lottery) and its ballots continue at their weight.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction


def lottery_order(seed: str, vote_key: str, candidates: Iterable[int]) -> list[int]:
    """Candidates in lottery order (first = favoured in a tie)."""
    def draw(candidate: int) -> str:
        return hashlib.sha256(f"{vote_key}:{seed}:{candidate}".encode()).hexdigest()

    return sorted(candidates, key=lambda c: (draw(c), c))


def seed_fingerprint(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RecallTally:
    keep: int
    recall: int
    roll: int
    quorum: Fraction
    threshold: Fraction

    @property
    def cast(self) -> int:
        return self.keep + self.recall

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.cast, self.roll) if self.roll else Fraction(0)

    @property
    def quorum_met(self) -> bool:
        return self.roll > 0 and self.turnout >= self.quorum

    @property
    def recall_share(self) -> Fraction:
        return Fraction(self.recall, self.cast) if self.cast else Fraction(0)

    @property
    def recalled(self) -> bool:
        return self.quorum_met and self.cast > 0 and self.recall_share >= self.threshold


def tally_recall(choices: Iterable[str], roll: int, quorum: Fraction, threshold: Fraction) -> RecallTally:
    counts = Counter(choices)
    return RecallTally(counts.get("keep", 0), counts.get("recall", 0), roll, quorum, threshold)


@dataclass(frozen=True, slots=True)
class Tie:
    """The lottery decided between `tied` (equal counts): `favoured` went ahead."""

    tied: tuple[int, ...]
    favoured: tuple[int, ...]
    stage: str  # "seat" (approval), "elect" or "eliminate" (ranked)


@dataclass(frozen=True, slots=True)
class Round:
    tallies: dict[int, Fraction]
    elected: tuple[int, ...] = ()
    eliminated: int | None = None


@dataclass(frozen=True, slots=True)
class ElectionTally:
    winners: tuple[int, ...]
    cast: int
    blank: int
    # Approval: approvals per candidate. Ranked: first preferences per candidate.
    counts: dict[int, Fraction]
    rounds: tuple[Round, ...] = ()
    ties: tuple[Tie, ...] = field(default=())
    quota: Fraction | None = None


def tally_approval(ballots: Sequence[frozenset[int]], candidates: Sequence[int], seats: int,
                   lottery: Sequence[int]) -> ElectionTally:
    """The `seats` candidates with the most approvals; a tie at the last seat goes by lottery."""
    rank = {c: i for i, c in enumerate(lottery)}
    counts: Counter[int] = Counter({c: 0 for c in candidates})
    blank = 0
    for ballot in ballots:
        if not ballot:
            blank += 1
        for candidate in ballot:
            if candidate in counts:
                counts[candidate] += 1
    ordered = sorted(candidates, key=lambda c: (-counts[c], rank[c]))
    winners = tuple(ordered[:seats])
    ties: tuple[Tie, ...] = ()
    if 0 < seats < len(ordered) and counts[ordered[seats - 1]] == counts[ordered[seats]]:
        boundary = counts[ordered[seats - 1]]
        tied = tuple(c for c in ordered if counts[c] == boundary)
        ties = (Tie(tied, tuple(c for c in tied if c in winners), "seat"),)
    return ElectionTally(winners, len(ballots), blank, {c: Fraction(n) for c, n in counts.items()}, ties=ties)


def tally_ranked(ballots: Sequence[Sequence[int]], candidates: Sequence[int], seats: int,
                 lottery: Sequence[int]) -> ElectionTally:
    """Single transferable vote (instant runoff when `seats` is 1), as the module docstring says."""
    rank = {c: i for i, c in enumerate(lottery)}
    known = set(candidates)
    # Identical rankings travel together: 10,000 ballots are far fewer distinct groups.
    groups = Counter(tuple(c for c in ballot if c in known) for ballot in ballots)
    blank = groups.pop((), 0)
    rankings = list(groups)
    sizes = [groups[r] for r in rankings]
    weights = [Fraction(1)] * len(rankings)
    position = [0] * len(rankings)
    hopeful = set(candidates)
    piles: dict[int, list[int]] = {c: [] for c in candidates}

    def place(index: int) -> None:
        ranking, at = rankings[index], position[index]
        while at < len(ranking) and ranking[at] not in hopeful:
            at += 1
        position[index] = at
        if at < len(ranking):
            piles[ranking[at]].append(index)

    def total(candidate: int) -> Fraction:
        by_weight: defaultdict[Fraction, int] = defaultdict(int)
        for index in piles[candidate]:
            by_weight[weights[index]] += sizes[index]
        return sum((w * n for w, n in by_weight.items()), Fraction(0))

    for index in range(len(rankings)):
        place(index)
    valid = sum(sizes)
    quota = Fraction(valid // (seats + 1) + 1)
    first = {c: total(c) for c in candidates}
    elected: list[int] = []
    rounds: list[Round] = []
    ties: list[Tie] = []
    while len(elected) < seats and hopeful:
        tallies = {c: total(c) for c in hopeful}
        if len(hopeful) <= seats - len(elected):
            batch = tuple(sorted(hopeful, key=lambda c: (-tallies[c], rank[c])))
            elected += batch
            rounds.append(Round(tallies, elected=batch))
            break
        over = [c for c in hopeful if tallies[c] >= quota]
        if over:
            best = max(tallies[c] for c in over)
            tied = sorted((c for c in over if tallies[c] == best), key=rank.__getitem__)
            chosen = tied[0]
            if len(tied) > 1:
                ties.append(Tie(tuple(tied), (chosen,), "elect"))
            elected.append(chosen)
            hopeful.discard(chosen)
            rounds.append(Round(tallies, elected=(chosen,)))
            ratio = (tallies[chosen] - quota) / tallies[chosen]
            moving = piles.pop(chosen)
            for index in moving:
                weights[index] *= ratio
                place(index)
        else:
            worst = min(tallies.values())
            tied = sorted((c for c in hopeful if tallies[c] == worst), key=rank.__getitem__)
            out = tied[-1]
            if len(tied) > 1:
                ties.append(Tie(tuple(tied), tuple(c for c in tied if c != out), "eliminate"))
            hopeful.discard(out)
            rounds.append(Round(tallies, eliminated=out))
            for index in piles.pop(out):
                place(index)
    return ElectionTally(tuple(elected), len(ballots), blank, first, tuple(rounds), tuple(ties), quota)
