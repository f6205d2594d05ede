"""The narrative's emphasis grammar: ``*nghiêng*``, ``**đậm**``, ``\\*`` for a literal star; a
star used as people use it (``(*)`` after an estimate, ``* `` before a bullet, ``7*7``, a star
never closed) is a star too (``_pairs``). Part of the narrative layer: checking a workbook's
stars (``unclosed``) needs no Word XML.

The markup becomes private-use markers in the text handed to the template (``to_markers``);
``compose.emphasis`` turns them into ``w:i`` / ``w:b`` after rendering. A star that opens but
is never closed prints as typed, with a warning when the workbook is checked (``unclosed``).
"""
from __future__ import annotations

import re

from .markers import B_OFF, B_ON, I_OFF, I_ON, NOTE_CLOSE, NOTE_OPEN, STAR
from .markers import EMPHASIS as MARKS

TOKEN = re.compile(r"\*\*|\*")


OPENS_AFTER = "([{\"'«“‘"      # an opening star may touch these before the first letter: *(ước tính)*
CLOSES_BEFORE = ")]}\"'»”’.,;:!?%…"   # a closing star may follow these after the last letter


def _neighbour(text: str, i: int, step: int) -> str:
    """The character next to position ``i`` going ``step`` (-1 before, +1 after), footnote
    markers skipped; a space at either end of the text."""
    while 0 <= i < len(text):
        ch = text[i]
        if step < 0 and ch == NOTE_CLOSE:
            i = text.rfind(NOTE_OPEN, 0, i) - 1
        elif step > 0 and ch == NOTE_OPEN:
            i = text.find(NOTE_CLOSE, i) + 1 or len(text)
        else:
            return ch
    return " "


def _pairs(text: str):
    """(stars that are markup, stars that open emphasis but are never closed), as matches.

    A star is markup only as people use it: it opens when a letter or digit follows it (or an
    opening bracket or quote), it closes when one precedes it (or a closing mark), and an
    opening star without its closing one in the same text is no emphasis. So ``(*)`` after
    an estimate, ``* `` starting a bullet and ``7*7`` print as typed; ``*nghiêng*`` is italic."""
    markup, open_at = [], {"*": None, "**": None}
    for m in TOKEN.finditer(text):
        before, after = _neighbour(text, m.start() - 1, -1), _neighbour(text, m.end(), 1)
        if before.isalnum() and after.isalnum():
            continue   # 7*7
        can_open = after.isalnum() or (after in OPENS_AFTER and _neighbour(text, m.end() + 1, 1).isalnum())
        can_close = before.isalnum() or (before in CLOSES_BEFORE and not before.isspace())
        kind = m.group(0)
        if open_at[kind] is not None and can_close:
            markup += [open_at[kind], m]
            open_at[kind] = None
        elif can_open:
            open_at[kind] = m   # an earlier opening star left open prints as typed
    return sorted(markup, key=lambda m: m.start()), [m for m in open_at.values() if m is not None]


def unclosed(text: str) -> str | None:
    """A warning (Vietnamese) when a star that could open emphasis has no closing star, so it
    prints as typed; None when every star is either paired or plainly a star."""
    text = text.replace("\\*", STAR)
    _, left = _pairs(text)
    if not left:
        return None
    m = min(left, key=lambda m: m.start())
    word = "chữ đậm" if m.group(0) == "**" else "chữ nghiêng"
    shown = text[m.start():m.start() + 24].split("\n")[0].replace(STAR, "\\*")
    return (f"«{m.group(0)}» ở «{shown}…» mở {word} nhưng không có «{m.group(0)}» đóng trong cùng đoạn: "
            f"báo cáo in nguyên dấu sao (muốn {word} thì thêm «{m.group(0)}» ngay sau chữ cuối; "
            f"muốn in dấu sao thì viết «\\*»)")


def to_markers(text: str) -> str:
    """``*a* **b** \\*`` -> markers around a and b, and a literal star; every other star as typed."""
    text = text.replace("\\*", STAR)
    out, bold, italic, pos = [], False, False, 0
    for m in _pairs(text)[0]:
        out.append(text[pos:m.start()])
        if m.group(0) == "**":
            out.append(B_OFF if bold else B_ON)
            bold = not bold
        else:
            out.append(I_OFF if italic else I_ON)
            italic = not italic
        pos = m.end()
    out.append(text[pos:])
    return "".join(out).replace(STAR, "*")


def strip(text: str) -> str:
    """The text without the emphasis markers (``markers``) ``to_markers`` put in."""
    return re.sub(f"[{MARKS}]", "", text)
