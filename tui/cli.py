"""The `famtriage` command: parse, call core, print. No domain rule lives here.

Textual is imported only when the app opens, so scripted commands start fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.errors import FamtriageError

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def _common() -> argparse.ArgumentParser:
    """Options every command takes, before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", default=argparse.SUPPRESS, help="store URL or SQLite path (env FAMTRIAGE_DB)"
    )
    common.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        default=argparse.SUPPRESS,
        help="acting staff member (env FAMTRIAGE_USER)",
    )
    common.add_argument(
        "--org", type=int, default=argparse.SUPPRESS, help="work on one organization"
    )
    return common


COMMAND_MODULES = ("tui.cli_engine", "tui.cli_actions", "tui.cli_exports")
"""Modules that each add their commands with `register(sub, common)`."""


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="famtriage",
        parents=[common],
        description="Find and resolve families that share a login email (FAM-12).",
        epilog="With no command, opens the terminal app. Exit codes: 0 ok, 1 refused, "
        "2 bad usage or input.",
    )
    parser.set_defaults(handler=cmd_tui)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or EXIT_OK
    except FamtriageError as exc:
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted; nothing more was written")
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK


def _error(message: str) -> None:
    lines = message.splitlines() or ["failed"]
    print(f"famtriage: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(f"  {line}", file=sys.stderr)


def opt(args: argparse.Namespace, name: str) -> Any:
    return getattr(args, name, None)


def context(args: argparse.Namespace):
    from core.session import open_context

    return open_context(opt(args, "db"), opt(args, "as_email"), opt(args, "org"))


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
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from core.files import write_private

    write_private(output, text.encode("utf-8"))
    print(f"wrote {output}", file=sys.stderr)


def as_json(document: dict[str, Any] | str) -> str:
    return document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)


def confirm(question: str) -> None:
    """Ask on a terminal; refuse when there is none (scripts pass --yes)."""
    from core.errors import Conflict

    if not sys.stdin.isatty():
        raise Conflict(f"{question} Refused: not a terminal; pass --yes")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise Conflict("cancelled; nothing was changed")


def cmd_tui(args: argparse.Namespace) -> int:
    from tui.app import run_app

    return run_app(context(args))


if __name__ == "__main__":
    sys.exit(main())
