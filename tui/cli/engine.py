"""The engine's commands: demo data, import, FAM-12 report and plan, search, family,
readiness."""

from __future__ import annotations

import argparse
from pathlib import Path

from famtriage.core.formatting import counted
from famtriage.core.report.scopes import SCOPES
from famtriage.core.safe_text import display
from famtriage.core.store.tablespec import ROW_NOUNS
from famtriage.tui.cli.common import (
    EXIT_OK,
    add_command,
    as_json,
    confirm,
    context,
    counting,
    emit,
    note,
    opt,
    progress,
    record_id,
)
from famtriage.tui.cli.reports import add_file_options

MAX_DEMO_FAMILIES = 10_000_000
"""Beyond this a synthetic set would not fit in memory on an engineer's machine."""


def register(sub, common: argparse.ArgumentParser) -> None:
    p = add_command(
        sub,
        common,
        "demo",
        "(re)build the store with the sample data, or a synthetic set",
        cmd_demo,
    )
    p.add_argument(
        "--families",
        type=counting(MAX_DEMO_FAMILIES),
        help="build a synthetic set of N families",
    )
    p.add_argument("--seed", type=counting(2**32 - 1), default=1)
    p.add_argument("--out", type=Path, help="write the set as Parquet files to DIR instead")
    p.add_argument("--yes", action="store_true", help="replace a non-empty store without asking")

    p = add_command(
        sub, common, "import", "load an export folder or workbook (all or nothing)", cmd_import
    )
    p.add_argument("path", type=Path)
    p.add_argument(
        "--replace",
        action="store_true",
        help="swap an organization the store already holds for this export",
    )
    p.add_argument("--yes", action="store_true", help="replace without asking")

    p = add_command(
        sub,
        common,
        "report",
        "the FAM-12 report: families sharing a primary login email",
        cmd_report,
    )
    p.add_argument("--format", choices=["table", "csv", "xlsx", "pdf", "json"], default="table")
    add_file_options(p)
    p.add_argument("--scope", choices=list(SCOPES), default="primary")
    p.add_argument(
        "--from",
        dest="from_dir",
        type=Path,
        help="read an export folder directly, without importing it",
    )

    p = add_command(
        sub,
        common,
        "search",
        "every family with this email (or part of it) on any guardian",
        cmd_search,
    )
    p.add_argument("email", help='an email or part of one; "#ID" finds that family, any status')
    p.add_argument("--json", action="store_true")

    p = add_command(
        sub, common, "family", "one family's guardians, students and history", cmd_family
    )
    p.add_argument("family_id", type=record_id)
    p.add_argument("--json", action="store_true")

    p = add_command(sub, common, "plan", "the recommendation for every FAM-12 group", cmd_plan)
    p.add_argument("--json", action="store_true")
    p.add_argument("--scope", choices=list(SCOPES), default="primary")

    add_command(
        sub,
        common,
        "upgrade",
        "bring the store's schema to this version (on PostgreSQL, as the schema's owner)",
        cmd_upgrade,
    )

    p = add_command(sub, common, "readiness", "login-readiness of each organization", cmd_readiness)
    p.add_argument("--json", action="store_true")


def cmd_demo(args: argparse.Namespace) -> int:
    from famtriage.core.sample import synthetic as demo

    if args.out is not None:
        with progress("generating") as on_progress:
            demo.write_export(
                demo.synthetic(args.families or 1000, args.seed), args.out, on_progress
            )
        note(f"wrote a {args.families or 1000:,}-family export to {args.out}")
        return EXIT_OK
    ctx = context(args, filling=True)
    demo.require_rebuild(ctx)
    if not ctx.store.is_empty() and not args.yes:
        confirm(f"Replace everything in {ctx.store.url}, every organization, with demo data?")
    with progress("building the demo store") as on_progress:
        summary = demo.rebuild_store(ctx, args.families, args.seed, on_progress)
    note(
        f"demo store ready: {counted(summary.rows['families'], 'family', 'families')} in "
        f"{counted(len(summary.orgs), 'organization')} at {ctx.store.url}"
    )
    return EXIT_OK


def cmd_upgrade(args: argparse.Namespace) -> int:
    from famtriage.core.store.config import resolve_db
    from famtriage.core.store.database import Store

    target, _ = resolve_db(opt(args, "db"))
    note(f"famtriage: {Store.connect(target).upgrade()}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from famtriage.core.source.importer import held_orgs, import_tables
    from famtriage.core.source.reader import locate, read_located

    ctx = context(args, filling=True)
    ctx.actor.require("admin")
    sources = locate(args.path)
    tables = read_located(sources)
    held = held_orgs(ctx.store, tables) if args.replace else {}
    if held and not args.yes:
        names = ", ".join(f"{org} ({name})" for org, name in held.items())
        confirm(f"Replace every family and staff member of organization(s) {names}?")
    with progress("importing") as on_progress:
        summary = import_tables(
            ctx.store,
            tables,
            replace=args.replace,
            actor=ctx.actor,
            on_progress=on_progress,
            sources=sources,
        )
    counts = ", ".join(counted(n, *ROW_NOUNS[t]) for t, n in summary.rows.items() if n)
    orgs = "organization" if len(summary.orgs) == 1 else "organizations"
    note(f"imported {orgs} {', '.join(map(str, summary.orgs))}: {counts}")
    return EXIT_OK


def _report(args: argparse.Namespace, scope: str):
    if opt(args, "from_dir") is not None:
        from famtriage.core.source.direct import report_from_export

        return report_from_export(args.from_dir, scope, opt(args, "org"))
    from famtriage.core.report.current import report_for_context

    return report_for_context(context(args), scope)


def cmd_report(args: argparse.Namespace) -> int:
    """Run FAM-12 (recorded as a task) and print or write it in any format; a file is
    written as an export task of it."""
    from famtriage.tui.cli.reports import check_output, run_report, write_report

    check_output(args)
    ran = run_report(args)
    try:
        return write_report(ran.report, ran.meta, args, ran.ctx, ran.record)
    finally:
        ran.join()


def cmd_plan(args: argparse.Namespace) -> int:
    report = _report(args, args.scope)
    if args.json:
        from famtriage.core.report.documents import plan_document

        emit(plan_document(report))
    else:
        from famtriage.tui.cli.text_tables import plan_text

        emit(plan_text(report))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from famtriage.core.report.documents import search_document
    from famtriage.core.report.search import search_families

    result = search_families(context(args), args.email)
    if args.json:
        emit(as_json(search_document(result)))
        return EXIT_OK
    if not result.hits:
        emit(f"No family has an email matching {args.email!r}.")
        return EXIT_OK
    lines = [result.summary[0].upper() + result.summary[1:] + ":"]
    for h in result.hits:
        lines.append(
            f"#{h.family_id}  org {h.org_id}  {display(h.family_name or '(no name)')}  "
            f"[{h.status}, {h.match} match]"
        )
        for g in h.guardians:
            mark = "primary  " if g.is_primary else "secondary"
            lines.append(
                f"    {mark}  {display(g.name or '(no name)')}  <{display(g.email or '')}>"
            )
    emit("\n".join(lines))
    return EXIT_OK


def cmd_family(args: argparse.Namespace) -> int:
    from famtriage.core.report.documents import family_document
    from famtriage.core.report.family import family_detail

    detail = family_detail(context(args), args.family_id)
    if args.json:
        emit(as_json(family_document(detail)))
        return EXIT_OK
    from famtriage.tui.cli.family_text import family_text

    emit(family_text(detail))
    return EXIT_OK


def cmd_readiness(args: argparse.Namespace) -> int:
    from famtriage.core.report.documents import readiness_document
    from famtriage.core.report.readiness import readiness

    ctx = context(args)
    with progress("reading the store") as on_progress:
        orgs = readiness(ctx, on_progress)
    if args.json:
        emit(as_json(readiness_document(orgs)))
        return EXIT_OK
    lines = [
        f"{'ORG':<4} {'NAME':<29} {'FAMILIES':>9}  {'GROUPS LEFT':>11}  "
        f"{'LOGIN CONFLICTS':>15}  READY"
    ]
    for o in orgs:
        lines.append(
            f"{o.org_id:<4} {display(o.name)[:29]:<29} {o.families:>9,}  {o.groups_left:>11,}  "
            f"{o.login_conflicts:>15,}  {'yes' if o.ready else 'no'}"
        )
    emit("\n".join(lines))
    return EXIT_OK
