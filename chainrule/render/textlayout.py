"""Breaking text for a terminal: math at the places it reads well, words at spaces.

Shared by the document builders that lay lines out for a width and by the plain writer.

    >>> wrap_math("a + b + c", 5)
    ['a + b + c']
"""

from __future__ import annotations

import bisect

__all__ = ["wrap_math"]


def wrap_math(text: str, width: int) -> list[str]:
    """Break Unicode math into lines of at most ``width`` where it reads well: after a "·"
    or before a " + " / " − ", outside brackets if possible, else as few levels deep as
    possible."""
    if len(text) <= width or width < 20:
        return [text]
    breaks: list[tuple[int, int]] = []   # (where a new line may start, bracket depth)
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            if ch == "(" and text[i - 1:i] == ")":
                breaks.append((i, depth))  # between juxtaposed brackets: (a + b)(c + d)
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "·":
            breaks.append((i + 1, depth))
        elif ch == "/" and depth == 0:
            breaks.append((i, depth))   # a quotient: the denominator starts the next line
        elif ch in "+−" and text[i - 1:i] == " " and text[i + 1:i + 2] == " ":
            breaks.append((i, depth))
    positions = [pos for pos, _ in breaks]
    lines: list[str] = []
    start = 0
    while len(text) - start > width:
        lo = bisect.bisect_right(positions, start)
        hi = bisect.bisect_right(positions, start + width)
        if hi > lo:
            fits = breaks[lo:hi]
            shallow = min(d for _, d in fits)
            cut = max(pos for pos, d in fits if d == shallow)
        elif lo < len(positions):
            cut = positions[lo]
        else:
            break
        piece = text[start:cut].rstrip()
        if text[cut - 1:cut + 1] == ")(":  # juxtaposed brackets: say it is a product
            piece += "·"
        lines.append(piece)
        start = cut
    lines.append(text[start:].strip())
    return lines
