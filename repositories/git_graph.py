"""Ancestry questions answered in memory from the parent graph `git log` already streamed,
so finding a merged PR's commits needs no further git process."""

import heapq


def generations(parents: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Generation numbers (1 + the highest parent's): an ancestor's is always lower."""
    generation: dict[str, int] = {}
    # git log lists children first, so walking it backwards mostly meets parents first.
    for start in reversed(list(parents)):
        stack = [start]
        while stack:
            sha = stack[-1]
            if sha in generation:
                stack.pop()
                continue
            known = [p for p in parents[sha] if p in parents]
            pending = [p for p in known if p not in generation]
            if pending:
                stack.extend(pending)
                continue
            generation[sha] = 1 + max((generation[p] for p in known), default=0)
            stack.pop()
    return generation


def commits_only_in(
    parents: dict[str, tuple[str, ...]], generation: dict[str, int], *, tip: str, base: str
) -> list[str]:
    """Commits reachable from `tip` and not from `base` (git's base..tip), walking both in
    generation order so the walk stops where the two histories meet."""
    uninteresting: dict[str, bool] = {}
    heap: list[tuple[int, str]] = []
    interesting_queued = 0

    def push(sha: str, is_uninteresting: bool) -> None:
        nonlocal interesting_queued
        if sha not in parents:
            return
        previous = uninteresting.get(sha)
        if previous is None:
            uninteresting[sha] = is_uninteresting
            heapq.heappush(heap, (-generation[sha], sha))
            interesting_queued += not is_uninteresting
        elif is_uninteresting and not previous:
            uninteresting[sha] = True
            interesting_queued -= 1

    push(base, True)
    push(tip, False)
    found = []
    while interesting_queued and heap:
        _, sha = heapq.heappop(heap)
        is_uninteresting = uninteresting[sha]
        if not is_uninteresting:
            interesting_queued -= 1
            found.append(sha)
        for parent in parents[sha]:
            push(parent, is_uninteresting)
    return found
