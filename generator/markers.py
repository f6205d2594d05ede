"""The composer's private-use markers, in one place. Text handed to the Word template carries
what it cannot say in plain characters — where a footnote goes, where italic and bold start and
end, a star the writer escaped — as code points of Unicode's Private Use Area (U+E000…), which
no department types and Word never receives: the composer replaces every one of them after
rendering (``compose.footnotes`` the notes, ``compose.emphasis`` the emphasis), and
``stars.strip`` removes the emphasis marks from plain text. Text that
arrives with such a code point of its own must be neutralised before it gets here."""
from __future__ import annotations

NOTE_OPEN, NOTE_CLOSE = "\ue000", "\ue001"          # around a footnote's number: «\ue000 3 \ue001»
I_ON, I_OFF, B_ON, B_OFF = "\ue010", "\ue011", "\ue012", "\ue013"   # italic and bold, on and off
EMPHASIS = I_ON + I_OFF + B_ON + B_OFF
STAR = "\ue014"                                     # an escaped star (``\*``), until the markup is read
ALL = NOTE_OPEN + NOTE_CLOSE + EMPHASIS + STAR
