"""Mapping offsets in the normalised text back to the text as written, in little memory.

Normalising changes few characters: most map one to one, a few vanish (soft hyphens) or grow
(ligatures), and hashtags get spaces put in. A list with one original offset per character cost a
Python int per character, which made long texts slow; this map keeps only where the mapping
changes and finds an offset with a bisection.
"""

from __future__ import annotations

from bisect import bisect_right


class Segments:
    """Norm offset -> original offset for a text whose characters were replaced, dropped or expanded."""

    __slots__ = ("starts", "origins", "steps")

    def __init__(self) -> None:
        """Start with the identity: norm offset 0 is original offset 0, and so on."""
        self.starts = [0]  # norm offset where each segment starts
        self.origins = [0]  # the original offset of that first character
        self.steps = [1]  # 1: the segment copies the original; 0: it all comes from one character

    def add(self, start: int, origin: int, step: int) -> None:
        """Make norm offsets from `start` on map to `origin`, `origin + step`, ..., unless they already do."""
        last = len(self.starts) - 1
        if step == 1 and self.steps[last] == 1 and self.origins[last] + start - self.starts[last] == origin:
            return  # the segment before already continues this way
        if self.starts[last] == start:  # the segment before is empty: replace it
            self.origins[last], self.steps[last] = origin, step
            return
        self.starts.append(start)
        self.origins.append(origin)
        self.steps.append(step)

    def __getitem__(self, offset: int) -> int:
        """Return the original offset of the character at a norm offset."""
        at = bisect_right(self.starts, offset) - 1
        return self.origins[at] + (offset - self.starts[at]) * self.steps[at]

    def spaced(self, cuts: list[int], length: int) -> Segments:
        """Return the map for this text (`length` long) with a space put before each of the sorted cuts.

        Each space maps to the character after it, so that no span can start before its word.
        """
        out = Segments()
        ends = self.starts[1:] + [length]
        moved = taken = 0  # spaces put in so far, and cuts used
        for start, origin, step, end in zip(self.starts, self.origins, self.steps, ends):
            out.add(start + moved, origin, step)
            while taken < len(cuts) and cuts[taken] < end:
                cut = cuts[taken]
                at = origin + (cut - start) * step
                out.add(cut + moved, at, 0)  # the space
                moved += 1
                out.add(cut + moved, at, step)  # the rest of the segment, after the space
                taken += 1
        return out
