"""Counting, checked against independent references on random ballots (hypothesis):
approval by brute force over every possible set of winners, instant runoff by the textbook
round-by-round count, and single transferable vote by a plain per-ballot implementation of
the rules as core/votes/tally.py states them."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.votes.tally import lottery_order, seed_fingerprint, tally_approval, tally_ranked, tally_recall


# -- references ------------------------------------------------------------------------------
def approval_reference(ballots: Sequence[frozenset[int]], candidates: Sequence[int], seats: int,
                       lottery: Sequence[int]) -> frozenset[int]:
    """Every set of winners tried: most approvals in total; among equals, the set the lottery
    favours most (smallest sum of lottery positions)."""
    rank = {c: i for i, c in enumerate(lottery)}
    size = min(seats, len(candidates))

    def score(chosen: tuple[int, ...]) -> tuple[int, int]:
        approvals = sum(1 for ballot in ballots for c in chosen if c in ballot)
        return approvals, -sum(rank[c] for c in chosen)

    return frozenset(max(itertools.combinations(candidates, size), key=score))


def irv_reference(ballots: Sequence[Sequence[int]], candidates: Sequence[int], lottery: Sequence[int]) -> int:
    """Textbook instant runoff: a majority of the continuing ballots wins; else the last is out."""
    rank = {c: i for i, c in enumerate(lottery)}
    hopeful = list(candidates)
    while True:
        if len(hopeful) == 1:
            return hopeful[0]
        counts = dict.fromkeys(hopeful, 0)
        for ballot in ballots:
            top = next((c for c in ballot if c in counts), None)
            if top is not None:
                counts[top] += 1
        continuing = sum(counts.values())
        best = max(counts, key=lambda c: counts[c])
        if 2 * counts[best] > continuing:
            return best
        lowest = min(counts.values())
        hopeful.remove(max((c for c in hopeful if counts[c] == lowest), key=rank.__getitem__))


def stv_reference(ballots: Sequence[Sequence[int]], candidates: Sequence[int], seats: int,
                  lottery: Sequence[int]) -> tuple[int, ...]:
    rank = {c: i for i, c in enumerate(lottery)}
    valid = [tuple(b) for b in ballots if b]
    weights = [Fraction(1)] * len(valid)
    quota = len(valid) // (seats + 1) + 1
    hopeful = list(candidates)
    elected: list[int] = []

    def current(ballot: tuple[int, ...]) -> int | None:
        return next((c for c in ballot if c in hopeful), None)

    while len(elected) < seats and hopeful:
        tallies = {c: Fraction(0) for c in hopeful}
        for ballot, weight in zip(valid, weights, strict=True):
            top = current(ballot)
            if top is not None:
                tallies[top] += weight
        if len(hopeful) <= seats - len(elected):
            elected += sorted(hopeful, key=lambda c: (-tallies[c], rank[c]))
            break
        reached = [c for c in hopeful if tallies[c] >= quota]
        if reached:
            chosen = min(reached, key=lambda c: (-tallies[c], rank[c]))
            ratio = (tallies[chosen] - quota) / tallies[chosen]
            for index, ballot in enumerate(valid):
                if current(ballot) == chosen:
                    weights[index] *= ratio
            elected.append(chosen)
            hopeful.remove(chosen)
        else:
            hopeful.remove(max(hopeful, key=lambda c: (-tallies[c], rank[c])))
    return tuple(elected)


# -- strategies ------------------------------------------------------------------------------
@st.composite
def elections(draw: st.DrawFn, ranked: bool) -> tuple[list[int], int, list[int], list]:  # type: ignore[type-arg]
    count = draw(st.integers(1, 6))
    candidates = list(range(1, count + 1))
    seats = draw(st.integers(1, min(3, count)))
    lottery = draw(st.permutations(candidates))
    if ranked:
        ballot = st.permutations(candidates).flatmap(lambda p: st.integers(0, len(p)).map(lambda k: tuple(p[:k])))
    else:
        ballot = st.frozensets(st.sampled_from(candidates))
    ballots = draw(st.lists(ballot, max_size=40))
    return candidates, seats, list(lottery), ballots


@settings(max_examples=300, deadline=None)
@given(elections(ranked=False))
def test_approval_matches_a_brute_force_count(election: tuple[list[int], int, list[int], list]) -> None:  # type: ignore[type-arg]
    candidates, seats, lottery, ballots = election
    result = tally_approval(ballots, candidates, seats, lottery)
    assert frozenset(result.winners) == approval_reference(ballots, candidates, seats, lottery)
    assert result.counts == {c: sum(1 for b in ballots if c in b) for c in candidates}
    assert result.blank == sum(1 for b in ballots if not b) and result.cast == len(ballots)


@settings(max_examples=300, deadline=None)
@given(elections(ranked=True))
def test_one_seat_ranked_choice_is_instant_runoff(election: tuple[list[int], int, list[int], list]) -> None:  # type: ignore[type-arg]
    candidates, _, lottery, ballots = election
    result = tally_ranked(ballots, candidates, 1, lottery)
    assert result.winners == (irv_reference(ballots, candidates, lottery),)


@settings(max_examples=300, deadline=None)
@given(elections(ranked=True))
def test_ranked_choice_matches_a_per_ballot_single_transferable_vote(
        election: tuple[list[int], int, list[int], list]) -> None:  # type: ignore[type-arg]
    candidates, seats, lottery, ballots = election
    result = tally_ranked(ballots, candidates, seats, lottery)
    assert result.winners == stv_reference(ballots, candidates, seats, lottery)
    assert len(set(result.winners)) == len(result.winners) == min(seats, len(candidates))
    quota = len([b for b in ballots if b]) // (seats + 1) + 1
    first = {c: sum(1 for b in ballots if b and b[0] == c) for c in candidates}
    assert {c for c in candidates if first[c] >= quota} <= set(result.winners)


def test_unanimous_rankings_elect_the_top_of_the_list() -> None:
    ballots = [(3, 1, 2, 4)] * 7
    assert tally_ranked(ballots, [1, 2, 3, 4], 2, [1, 2, 3, 4]).winners == (3, 1)


def test_instant_runoff_transfers_votes_from_the_eliminated() -> None:
    # ana (1) leads the first round, but cy's (3) voter prefers bo (2): bo wins.
    ballots = [(1,)] * 3 + [(2, 1)] * 3 + [(3, 2)]
    result = tally_ranked(ballots, [1, 2, 3], 1, [1, 2, 3])
    assert result.winners == (2,)
    assert result.rounds[0].eliminated == 3 and result.ties == ()


def test_a_tie_for_the_last_seat_goes_to_the_lottery_and_is_reported() -> None:
    ballots = [frozenset({1, 2}), frozenset({1, 3}), frozenset({2, 3})]
    result = tally_approval(ballots, [1, 2, 3], 1, lottery=[3, 1, 2])
    assert result.winners == (3,)
    [tie] = result.ties
    assert set(tie.tied) == {1, 2, 3} and tie.favoured == (3,)
    assert tally_approval(ballots, [1, 2, 3], 1, lottery=[2, 3, 1]).winners == (2,)


def test_an_elimination_tie_removes_the_candidate_last_in_the_lottery() -> None:
    ballots = [(1,)] * 2 + [(2, 1)] + [(3, 1)]
    result = tally_ranked(ballots, [1, 2, 3], 1, [1, 2, 3])
    assert result.rounds[0].eliminated == 3 and result.winners == (1,)
    assert result.ties[0].stage == "eliminate" and set(result.ties[0].tied) == {2, 3}


def test_the_lottery_is_fixed_by_its_seed_and_checkable() -> None:
    order = lottery_order("c0ffee", "1:2", [1, 2, 3, 4, 5])
    assert order == lottery_order("c0ffee", "1:2", [5, 4, 3, 2, 1])
    orders = {tuple(lottery_order(seed, "1:2", [1, 2, 3, 4, 5])) for seed in ("a", "b", "c", "d", "e", "f")}
    assert len(orders) > 1  # a different seed, a different draw
    # Anyone can check the revealed seed against the fingerprint published at the opening.
    assert seed_fingerprint("c0ffee") == hashlib.sha256(b"c0ffee").hexdigest()


@pytest.mark.parametrize(("choices", "roll", "recalled", "why"), [
    (["recall"] * 3 + ["keep"] * 2, 5, True, "exactly 60% for recall meets the 60% threshold"),
    (["recall"] * 2 + ["keep"] * 2, 5, False, "50% is below the threshold"),
    (["recall"] * 2, 10, False, "20% turnout is below the 30% quorum, however one-sided"),
    (["recall"] * 3, 10, True, "exactly 30% turnout meets the quorum"),
    ([], 5, False, "nobody voted"),
    ([], 0, False, "an empty roll decides nothing"),
])
def test_recall_needs_both_quorum_and_threshold(choices: list[str], roll: int, recalled: bool, why: str) -> None:
    result = tally_recall(choices, roll, Fraction(30, 100), Fraction(60, 100))
    assert result.recalled is recalled, why


def test_recall_shares_are_exact_not_floats() -> None:
    # Two thirds of the votes against a 66.67% threshold: 0.6666… is less than 0.6667.
    assert not tally_recall(["recall", "recall", "keep"], 3, Fraction(0), Fraction("66.67") / 100).recalled
    assert tally_recall(["recall", "recall", "keep"], 3, Fraction(0), Fraction(2, 3)).recalled
