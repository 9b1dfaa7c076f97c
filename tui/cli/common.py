"""What every command shares: exit codes, options, the session, output and questions.

Everything printed passes through `emit` (stdout), `note` (stderr) or `confirm` (the
question), which escape control and bidi characters (`core.safe_text`; output line by
line, a question as one sentence): customer text never reaches the terminal raw.
Commands also escape (and cut) each value where they lay it out, so widths are right and
a line break inside a value shows as ␊.
JSON is exact, with those characters written as \\uXXXX escapes (`as_json`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from famtriage.core.safe_text import display, display_lines, json_text

if TYPE_CHECKING:
    from famtriage.core.access.context import Context
    from famtriage.core.store.database import Store

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


LARGEST_ID = 2**63 - 1
"""Ids are 64-bit signed integers in the store."""


def record_id(text: str) -> int:
    """An id argument: a whole number the store can hold, refused before any work."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= LARGEST_ID:
        raise argparse.ArgumentTypeError(f"{text} is not an id: ids run from 1 to {LARGEST_ID}")
    return value


def counting(largest: int) -> Callable[[str], int]:
    """An argument type for a count from 0 to `largest` (a seed, a limit, a set's size)."""

    def count(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not 0 <= value <= largest:
            raise argparse.ArgumentTypeError(f"{text} is not between 0 and {largest:,}")
        return value

    return count


def add_command(
    sub,
    common: argparse.ArgumentParser,
    name: str,
    help_text: str,
    handler: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
    parser.set_defaults(handler=handler)
    return parser


def opt(args: argparse.Namespace, name: str) -> Any:
    return getattr(args, name, None)


def context(args: argparse.Namespace, *, filling: bool = False) -> Context:
    """The session of a command; one that fills the store (`filling`: import, demo) is
    not told the store is empty."""
    from famtriage.core.session import open_context

    ctx = open_context(opt(args, "db"), opt(args, "as_email"), opt(args, "org"))
    announce(ctx.store)
    hint = None if filling else ctx.empty_hint()
    if hint is not None:
        note(f"famtriage: {hint}")
    return ctx


def announce(store: Store) -> None:
    """Tell the user, on stderr, what opening the store did (a schema upgrade), and from
    then on each notice as it comes (a snapshot that could not be used or written)."""
    for notice in store.notices:
        note(f"famtriage: {notice}")
    store.on_notice = lambda notice: note(f"famtriage: warning: {notice}")


def note(text: str) -> None:
    """A line (or lines) for the user on stderr, escaped."""
    print(display_lines(text, None), file=sys.stderr)


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (stdout stays clean for pipes); silent when not a tty."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def emit(text: str, output: Path | None = None) -> None:
    """A command's result on stdout (or into `output`), escaped line by line."""
    text = display_lines(text, None)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from famtriage.core.files import write_private

    write_private(output, text.encode("utf-8"))
    note(f"wrote {output}")


def as_json(document: dict[str, Any] | str) -> str:
    """The document as JSON: non-ASCII as itself, control and bidi characters as escapes."""
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    return json_text(text)


def confirm(question: str) -> None:
    """Ask on a terminal; refuse when there is none (scripts pass --yes)."""
    from famtriage.core.errors import Conflict

    if not sys.stdin.isatty():
        raise Conflict(f"{question} Refused: not a terminal; pass --yes")
    answer = input(f"{display(question)} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise Conflict("cancelled; nothing was changed")
