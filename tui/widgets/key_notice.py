"""One line that says what a screen is busy with, and which keys it ignored and why.

A key that cannot apply now (an action is running, or what it would act on is not shown
yet) is never lost in silence: the screen's key gate refuses it and this line counts it.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

from famtriage.core.formatting import counted, sentence
from famtriage.core.safe_text import display


def key_name(event: events.Key) -> str:
    """A key as the footer writes it: the character for printable keys, else its name."""
    if event.character is not None and event.character.isprintable():
        return event.character
    return event.key


class KeyNotice(Static):
    """`busy` shows work in progress; `dropped` adds an ignored key; `clear` forgets them."""

    DEFAULT_CSS = """
    KeyNotice { height: auto; padding: 0 1; }
    KeyNotice.-dropped { color: $warning; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.display = False
        self.work = ""
        self.keys: list[str] = []
        self.why = ""

    def busy(self, work: str) -> None:
        self.work = work
        self._draw()

    def dropped(self, event: events.Key, why: str) -> None:
        if why != self.why:  # another reason: counted on its own
            self.keys = []
        self.keys.append(key_name(event))
        self.why = why
        self._draw()

    def clear(self) -> None:
        if self.keys:
            self.keys, self.why = [], ""
            self._draw()

    @property
    def ignored(self) -> int:
        return len(self.keys)

    def _draw(self) -> None:
        text = Text()
        if self.work:
            text.append(f"⏳ {display(self.work)}", style="bold")
        if self.keys:
            n = len(self.keys)
            shown = ", ".join(self.keys[-8:]) + (", …" if n > 8 else "")
            if self.work:
                text.append("\n")
            text.append(sentence(f"Ignored {counted(n, 'key')} ({display(shown)}): {self.why}"))
        self.set_class(bool(self.keys), "-dropped")
        self.display = bool(self.work or self.keys)
        self.update(text)
