"""How leaderboard ranks are given: standard competition ranking ("1224").

Members with equal points share a rank, and the member after them is ranked as if the tie had been broken:
points 20, 20, 18 rank 1, 1, 3. A member's rank is therefore one more than the number of members with more
points, which is all a storage backend has to count for a member outside the listed top.
"""

from __future__ import annotations

from collections.abc import Sequence


def competition_ranks(points: Sequence[int]) -> list[int]:
    """The ranks of a leaderboard listed from the top, given its points in listing order (highest first).

    The list must start at the top of the board and be ordered by points, highest first (the order among equal
    points is the caller's listing order and does not change ranks). Raises ``ValueError`` if it is not.
    """
    ranks: list[int] = []
    for position, value in enumerate(points, start=1):
        if not ranks:
            ranks.append(position)
            continue
        previous = points[position - 2]
        if value > previous:
            raise ValueError(f"points must be listed highest first: {previous} is followed by {value}")
        ranks.append(ranks[-1] if value == previous else position)
    return ranks


def rank_of(members_with_more: int) -> int:
    """A member's rank given how many members have more points than they do (not how many tie with them)."""
    if members_with_more < 0:
        raise ValueError(f"a count of members cannot be negative: {members_with_more}")
    return 1 + members_with_more
