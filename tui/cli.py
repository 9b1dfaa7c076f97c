"""The `famtriage` command: parse, call core, print. No domain rule lives here.

Textual is imported only when the app opens, so scripted commands start fast.
"""

from __future__ import annotations

import argparse
import json
import os
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
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="store URL or SQLite path (env FAMTRIAGE_DB)")
    common.add_argument("--as", dest="as_email", metavar="EMAIL", default=argparse.SUPPRESS,
                        help="acting staff member (env FAMTRIAGE_USER)")
    common.add_argument("--org", type=int, default=argparse.SUPPRESS,
                        help="work on one organization")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="famtriage", parents=[common],
        description="Find and resolve families that share a login email (FAM-12).",
        epilog="With no command, opens the terminal app. Exit codes: 0 ok, 1 refused, "
               "2 bad usage or input.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text)

    p = command("demo", "(re)build the store with the sample data, or a synthetic set")
    p.add_argument("--families", type=int, help="build a synthetic set of N families")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, help="write the set as Parquet files to DIR instead")
    p.add_argument("--yes", action="store_true", help="replace a non-empty store without asking")

    p = command("import", "load an export folder or workbook (all or nothing)")
    p.add_argument("path", type=Path)
    p.add_argument("--replace", action="store_true",
                   help="swap an organization the store already holds for this export")

    p = command("report", "the FAM-12 report: families sharing a primary login email")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")
    p.add_argument("--scope", choices=["primary", "all-logins"], default="primary")
    p.add_argument("--from", dest="from_dir", type=Path,
                   help="read an export folder directly, without importing it")

    p = command("search", "every family with this email (or part of it) on any guardian")
    p.add_argument("email")
    p.add_argument("--json", action="store_true")

    p = command("family", "one family's guardians, students and history")
    p.add_argument("family_id", type=int)
    p.add_argument("--json", action="store_true")

    p = command("plan", "the recommendation for every FAM-12 group")
    p.add_argument("--json", action="store_true")
    p.add_argument("--scope", choices=["primary", "all-logins"], default="primary")

    p = command("readiness", "login-readiness of each organization")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = COMMANDS.get(args.command or "tui")
    try:
        return handler(args) or EXIT_OK
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


def _opt(args: argparse.Namespace, name: str) -> Any:
    return getattr(args, name, None)


def _context(args: argparse.Namespace):
    from core.session import open_context

    return open_context(_opt(args, "db"), _opt(args, "as_email"), _opt(args, "org"))


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


def _emit(text: str, output: Path | None = None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from core.files import write_private

    write_private(output, text.encode("utf-8"))
    print(f"wrote {output}", file=sys.stderr)


def _json(document: dict[str, Any] | str) -> str:
    return document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)


def cmd_tui(args: argparse.Namespace) -> int:
    from tui.app import run_app

    return run_app(_context(args))


def cmd_demo(args: argparse.Namespace) -> int:
    from core import demo
    from core.session import open_store

    if args.out is not None:
        with progress("generating") as on_progress:
            demo.write_export(demo.synthetic(args.families or 1000, args.seed), args.out,
                              on_progress)
        print(f"wrote a {args.families or 1000}-family export to {args.out}", file=sys.stderr)
        return EXIT_OK
    store = open_store(_opt(args, "db"))
    if not store.is_empty() and not args.yes:
        _confirm(f"Replace everything in {store.url} with demo data?")
    with progress("building the demo store") as on_progress:
        summary = demo.rebuild_store(store, args.families, args.seed, on_progress)
    print(f"demo store ready: {summary.rows['families']} families in "
          f"{len(summary.orgs)} organization(s) at {store.url}", file=sys.stderr)
    return EXIT_OK


def _confirm(question: str) -> None:
    from core.errors import Conflict

    if not sys.stdin.isatty():
        raise Conflict(f"{question} Refused: not a terminal; pass --yes")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise Conflict("cancelled; nothing was changed")


def cmd_import(args: argparse.Namespace) -> int:
    from core.importer import import_export

    ctx = _context(args)
    ctx.actor.require("admin")
    with progress("importing") as on_progress:
        summary = import_export(ctx.store, args.path, replace=args.replace,
                                on_progress=on_progress)
    counts = ", ".join(f"{n} {t}" for t, n in summary.rows.items() if n)
    print(f"imported organization(s) {', '.join(map(str, summary.orgs))}: {counts}",
          file=sys.stderr)
    return EXIT_OK


def _report(args: argparse.Namespace, scope: str):
    from core.reporting import report_for_context, report_from_export

    if _opt(args, "from_dir") is not None:
        return report_from_export(args.from_dir, scope, _opt(args, "org"))
    return report_for_context(_context(args), scope)


def cmd_report(args: argparse.Namespace) -> int:
    report = _report(args, args.scope)
    if args.format == "json":
        from core.documents import report_document

        _emit(report_document(report), args.output)
    else:
        from tui.text_tables import report_text

        _emit(report_text(report), args.output)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    report = _report(args, args.scope)
    if args.json:
        from core.documents import plan_document

        _emit(plan_document(report))
    else:
        from tui.text_tables import plan_text

        _emit(plan_text(report))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from core.documents import search_document
    from core.search import search_families

    hits = search_families(_context(args), args.email)
    if args.json:
        _emit(_json(search_document(args.email, hits)))
        return EXIT_OK
    if not hits:
        _emit(f"No family has an email matching {args.email!r}.")
        return EXIT_OK
    lines = []
    for h in hits:
        lines.append(f"#{h.family_id}  org {h.org_id}  {h.family_name or '(no name)'}  "
                     f"[{h.status}, {h.match} match]")
        for g in h.guardians:
            mark = "primary  " if g.is_primary else "secondary"
            lines.append(f"    {mark}  {g.name or '(no name)'}  <{g.email or ''}>")
    _emit("\n".join(lines))
    return EXIT_OK


def cmd_family(args: argparse.Namespace) -> int:
    from core.documents import family_document
    from core.family import family_detail

    detail = family_detail(_context(args), args.family_id)
    if args.json:
        _emit(_json(family_document(detail)))
        return EXIT_OK
    from tui.family_text import family_text

    _emit(family_text(detail))
    return EXIT_OK


def cmd_readiness(args: argparse.Namespace) -> int:
    from core.documents import readiness_document
    from core.readiness import readiness

    ctx = _context(args)
    ctx.actor.require("reports.fam12")
    orgs = readiness(ctx)
    if args.json:
        _emit(_json(readiness_document(orgs)))
        return EXIT_OK
    lines = ["ORG  NAME                          FAMILIES  GROUPS LEFT  LOGIN CONFLICTS  READY"]
    for o in orgs:
        lines.append(f"{o.org_id:<4} {o.name[:29]:<29} {o.families:>9}  {o.groups_left:>11}  "
                     f"{o.login_conflicts:>15}  {'yes' if o.ready else 'no'}")
    _emit("\n".join(lines))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "tui": cmd_tui, "demo": cmd_demo, "import": cmd_import, "report": cmd_report,
    "search": cmd_search, "family": cmd_family, "plan": cmd_plan, "readiness": cmd_readiness,
}

if __name__ == "__main__":
    sys.exit(main())
