"""A one-line text box that never holds a control or bidi character.

Keys cannot type one, but a paste can (an engineer copies a customer's value from
elsewhere), and Textual's Input draws its value as is: `ESC ] 0 ; … BEL` would retitle
the terminal. Every value this box takes, typed, pasted or set, drops the characters
the display rule escapes (`core.safe_text`); none of them belongs in an email, a filter
or a file name.
"""

from __future__ import annotations

from textual.widgets import Input

from famtriage.core.safe_text import without_escaped


class TextBox(Input):
    """Input without control or bidi characters (dropped as they arrive)."""

    def validate_value(self, value: str) -> str:
        return without_escaped(value)
