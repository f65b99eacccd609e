"""Every majority rule, ties and the two-thirds rule, against hand-computed expectations."""

from __future__ import annotations

import pytest

from ecabinet.models.voting import MajorityRule, PollKind
from ecabinet.voting import compute_result

A, C = PollKind.approval, PollKind.choice
PRESENT, MEMBERS, TWO_THIRDS = MajorityRule.present, MajorityRule.members, MajorityRule.two_thirds

# (kind, rule, counts, members, present, tie_break, chair_choice) ->
#     (body, needed, passed, decided, tie, chair_decided)
CASES = [
    # More than half of the 7 present: 4 needed. 4 approve: passes.
    ((A, PRESENT, [4, 2, 1], 9, 7, False, None), (7, 4, True, 0, False, False)),
    # 3-3 among 7 present: a tie, 3 < 4, fails.
    ((A, PRESENT, [3, 3, 1], 9, 7, False, None), (7, 4, False, None, True, False)),
    # The same 4 approvals measured against all 9 members: 5 needed, fails.
    ((A, MEMBERS, [4, 2, 1], 9, 7, False, None), (9, 5, False, None, False, False)),
    ((A, MEMBERS, [5, 1, 1], 9, 7, False, None), (9, 5, True, 0, False, False)),
    # Abstentions count as votes cast but never as approval.
    ((A, PRESENT, [3, 0, 4], 9, 7, False, None), (7, 4, False, None, False, False)),
    # Two thirds of 9 members is 6 exactly; of 10 it is 6.67, so 7.
    ((A, TWO_THIRDS, [6, 1, 0], 9, 7, False, None), (9, 6, True, 0, False, False)),
    ((A, TWO_THIRDS, [5, 2, 0], 9, 7, False, None), (9, 6, False, None, False, False)),
    ((A, TWO_THIRDS, [7, 3, 0], 10, 10, False, None), (10, 7, True, 0, False, False)),
    ((A, TWO_THIRDS, [6, 4, 0], 10, 10, False, None), (10, 7, False, None, False, False)),
    # Two thirds ignores who is present: 7 of 12 present all approving is not 8 of 12.
    ((A, TWO_THIRDS, [7, 0, 0], 12, 7, False, None), (12, 8, False, None, False, False)),
    # An even split of all 10 members: the chair's side prevails when enabled...
    ((A, MEMBERS, [5, 5, 0], 10, 10, True, 0), (10, 6, True, 0, True, True)),
    # ...not when the chair voted against, nor when the rule is off.
    ((A, MEMBERS, [5, 5, 0], 10, 10, True, 1), (10, 6, False, None, True, False)),
    ((A, MEMBERS, [5, 5, 0], 10, 10, False, 0), (10, 6, False, None, True, False)),
    # Half of the 4 present with the chair among them.
    ((A, PRESENT, [2, 2, 0], 5, 4, True, 0), (4, 3, True, 0, True, True)),
    # Fewer than half approving is no split, chair or not.
    ((A, PRESENT, [2, 3, 0], 6, 6, True, 0), (6, 4, False, None, False, False)),
    # Nobody present, nobody voting: nothing passes.
    ((A, PRESENT, [0, 0, 0], 5, 0, False, None), (0, 1, False, None, False, False)),
    # Choosing among three plans: the leader wins with more than half of those present.
    ((C, PRESENT, [5, 3, 1], 9, 9, False, None), (9, 5, True, 0, False, False)),
    ((C, PRESENT, [2, 5, 2], 9, 9, False, None), (9, 5, True, 1, False, False)),
    # A plurality short of the majority decides nothing.
    ((C, PRESENT, [4, 3, 2], 9, 9, False, None), (9, 5, False, None, False, False)),
    # Two plans level at the top: a tie, no decision.
    ((C, MEMBERS, [4, 4, 1], 9, 9, False, None), (9, 5, False, None, True, False)),
]


@pytest.mark.parametrize(("given", "expected"), CASES)
def test_poll_rules(given: tuple, expected: tuple) -> None:  # type: ignore[type-arg]
    kind, rule, counts, members, present, tie_break, chair_choice = given
    result = compute_result(kind=kind, rule=rule, counts=counts, members=members,
                            present=present, tie_break_chair=tie_break,
                            chair_choice=chair_choice)
    got = (result["body"], result["needed"], result["passed"], result["decided_option"],
           result["tie"], result["chair_decided"])
    assert got == expected
    assert result["voted"] == sum(counts) and result["counts"] == counts


@pytest.mark.parametrize("kind", [A, C])
def test_without_the_quorum_nothing_is_decided(kind: PollKind) -> None:
    # Every approval there is, but the meeting could not decide: no quorum in the room.
    result = compute_result(kind=kind, rule=PRESENT, counts=[3, 0, 0], members=9, present=3,
                            quorum=False)
    assert (result["passed"], result["decided_option"], result["quorum"]) == (False, None, False)
    assert result["counts"] == [3, 0, 0]
    held = compute_result(kind=kind, rule=PRESENT, counts=[3, 0, 0], members=9, present=3)
    assert (held["passed"], held["quorum"]) == (True, True)
