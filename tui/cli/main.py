"""The `famtriage` command: parse, call core, print. No domain rule lives here.

Textual is imported only when the app opens, so scripted commands start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from famtriage.core.errors import FamtriageError
from famtriage.core.safe_text import display
from famtriage.tui.cli import actions, engine, reports
from famtriage.tui.cli.common import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, context, record_id


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
        "--org", type=record_id, default=argparse.SUPPRESS, help="work on one organization"
    )
    return common


COMMAND_MODULES = (engine, actions, reports)
"""Modules that each add their commands with `register(sub, common)`."""


class OneLineParser(argparse.ArgumentParser):
    """Usage errors in one line (argparse prints the whole usage first): the command,
    what is wrong, and where to read more. Subcommands inherit the class."""

    def error(self, message: str) -> NoReturn:
        """The message escaped: argparse quotes what was typed (an unknown argument)."""
        self.exit(EXIT_USAGE, f"{self.prog}: {display(message)} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = OneLineParser(
        prog="famtriage",
        parents=[common],
        description="Find and resolve families that share a login email (FAM-12).",
        epilog="With no command, opens the terminal app. Exit codes: 0 ok, 1 refused, "
        "2 bad usage or input.",
    )
    parser.add_argument("--version", action="version", version=f"famtriage {_version()}")
    parser.set_defaults(handler=cmd_tui)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub, common)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("famtriage")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    try:
        code = args.handler(args) or EXIT_OK
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        return code
    except FamtriageError as exc:
        _error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted; nothing more was written")
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # files name themselves; the output does not (`> /dev/full`)
        if exc.filename:
            _error(f"{exc.filename}: {exc.strerror or exc}")
        else:
            _error(f"{_output_name()}: cannot write: {exc.strerror or exc}")
            _discard_output()
        return EXIT_REFUSED
    except Exception as exc:  # a bug or a driver's error: still one line, never a traceback
        if os.environ.get("FAMTRIAGE_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        _error(
            f"unexpected error ({type(exc).__name__}): {first}; nothing more was written "
            "(FAMTRIAGE_DEBUG=1 shows the traceback)"
        )
        return EXIT_REFUSED


def _output_name() -> str:
    """Where stdout goes, as a path when the system can tell (Linux: /proc)."""
    try:
        return os.readlink(f"/proc/self/fd/{sys.stdout.fileno()}")
    except (OSError, ValueError):
        return "standard output"


def _discard_output() -> None:
    """Point stdout at /dev/null, so what is still buffered does not fail again at exit."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


def _error(error: FamtriageError | str) -> None:
    """One line on stderr, escaped: errors may quote customer data (a line feed in it
    shows as ␊). An import's problems are listed one per line."""
    from famtriage.core.source.origin import ImportProblems

    message = str(error) or "failed"
    many = isinstance(error, ImportProblems)
    lines = [display(line) for line in message.split("\n")] if many else [display(message)]
    print(f"famtriage: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(f"  {line}", file=sys.stderr)


def cmd_tui(args: argparse.Namespace) -> int:
    from famtriage.tui.app import run_app

    return run_app(context(args))


if __name__ == "__main__":
    sys.exit(main())
