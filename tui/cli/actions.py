"""The resolution commands: merge, delete, change-email, invite, undo, purge, apply,
audit, staff and grant. Parse, confirm, call core, print."""

from __future__ import annotations

import argparse
import os
import sys
import time

from famtriage.core.formatting import counted
from famtriage.core.safe_text import display
from famtriage.tui.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    LARGEST_ID,
    add_command,
    as_json,
    confirm,
    context,
    counting,
    emit,
    note,
    progress,
    record_id,
)

APPLY_PAUSE_ENV = "FAMTRIAGE_APPLY_PAUSE"
"""Seconds to wait after each applied group: a hook for the crash test (kill mid-run)."""


def register(sub, common: argparse.ArgumentParser) -> None:
    p = _action(sub, common, "merge", "merge families into a survivor (up to 5 in all)", cmd_merge)
    p.add_argument("survivor", type=record_id)
    p.add_argument("others", type=record_id, nargs="+", metavar="OTHER")
    p.add_argument("--name-from", type=record_id, metavar="ID", help="take the family name from ID")
    p.add_argument(
        "--phone-from", type=record_id, metavar="ID", help="take the primary phone from ID"
    )

    p = _action(sub, common, "delete", "delete a family with no history (restorable)", cmd_delete)
    p.add_argument("family_id", type=record_id)

    p = _action(
        sub, common, "change-email", "give a guardian another login email", cmd_change_email
    )
    p.add_argument("guardian_id", type=record_id)
    p.add_argument("email")

    p = _action(
        sub,
        common,
        "remove-login",
        "take a secondary guardian's login away (they stay in the family)",
        cmd_remove_login,
    )
    p.add_argument("guardian_id", type=record_id)

    p = _action(sub, common, "invite", "add a secondary guardian with a login", cmd_invite)
    p.add_argument("family_id", type=record_id)
    p.add_argument("email")
    p.add_argument("--first", required=True)
    p.add_argument("--last", required=True)

    p = _action(sub, common, "undo", "undo an audited action exactly", cmd_undo)
    p.add_argument("audit_id", type=record_id)

    p = _action(sub, common, "purge", "make old tombstones permanent (admin)", cmd_purge)
    p.add_argument("--older-than", type=float, required=True, metavar="DAYS")

    p = add_command(sub, common, "apply", "carry out the plan, group by group", cmd_apply)
    p.add_argument("--only", choices=["delete", "merge"])
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--json", action="store_true")

    p = add_command(sub, common, "audit", "who did what (newest first)", cmd_audit)
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=counting(LARGEST_ID))

    p = add_command(sub, common, "staff", "staff members and their permissions", cmd_staff)
    p.add_argument("--json", action="store_true")

    p = _action(sub, common, "grant", "grant a permission to a user group (admin)", cmd_grant)
    p.add_argument("group")
    p.add_argument("permission")

    p = _action(sub, common, "map", "map a staff member to the account they log in as", cmd_map)
    p.add_argument("email", metavar="STAFF_EMAIL")
    account = p.add_mutually_exclusive_group(required=True)
    account.add_argument("--os-account", metavar="NAME", help="their OS account (SQLite)")
    account.add_argument("--db-role", metavar="NAME", help="their database role (PostgreSQL)")

    p = add_command(sub, common, "whoami", "who you act as, and how famtriage knows", cmd_whoami)
    p.add_argument("--json", action="store_true")


def _action(sub, common, name: str, help_text: str, handler) -> argparse.ArgumentParser:
    p = add_command(sub, common, name, help_text, handler)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--json", action="store_true")
    return p


def _print_result(args: argparse.Namespace, result) -> int:
    from famtriage.core.actions.audit import result_document

    if args.json:
        emit(as_json(result_document(result)))
    else:
        emit(f"#{result.audit_id} {display(result.summary)}")
    return EXIT_OK


def cmd_merge(args: argparse.Namespace) -> int:
    from famtriage.core.actions.merge import merge, preview_merge

    ctx = context(args)
    preview = preview_merge(ctx, args.survivor, args.others)
    if not args.yes:
        confirm(f"{preview.summary}.")
    result = merge(
        ctx,
        args.survivor,
        args.others,
        family_name_from=args.name_from,
        phone_from=args.phone_from,
        expected=preview.fingerprint,
    )
    return _print_result(args, result)


def _type_family_id(question: str, family_id: int) -> None:
    """A delete is confirmed by typing the family id, not by a reflexive `y`."""
    from famtriage.core.errors import Conflict

    if not sys.stdin.isatty():
        raise Conflict(f"{question}. Refused: not a terminal; pass --yes")
    prompt = f"{display(question)}.\nType the family id ({family_id}) to confirm: "
    answer = input(prompt).strip()
    if answer.lstrip("#") != str(family_id):
        raise Conflict("cancelled; nothing was changed")


def cmd_delete(args: argparse.Namespace) -> int:
    from famtriage.core.actions.family_edits import delete, preview_delete

    ctx = context(args)
    preview = preview_delete(ctx, args.family_id)
    if not args.yes:
        _type_family_id(preview.summary, args.family_id)
    return _print_result(args, delete(ctx, args.family_id, expected=preview.fingerprint))


def cmd_change_email(args: argparse.Namespace) -> int:
    from famtriage.core.actions.family_edits import change_email

    ctx = context(args)
    if not args.yes:
        confirm(f"Change the login email of guardian #{args.guardian_id} to {args.email}?")
    return _print_result(args, change_email(ctx, args.guardian_id, args.email))


def cmd_remove_login(args: argparse.Namespace) -> int:
    from famtriage.core.actions.family_edits import remove_login

    ctx = context(args)
    if not args.yes:
        confirm(
            f"Remove the login of guardian #{args.guardian_id}? They stay in their family "
            "without an email; the primary guardian can invite them again."
        )
    return _print_result(args, remove_login(ctx, args.guardian_id))


def cmd_invite(args: argparse.Namespace) -> int:
    from famtriage.core.actions.family_edits import invite

    ctx = context(args)
    return _print_result(args, invite(ctx, args.family_id, args.first, args.last, args.email))


def cmd_undo(args: argparse.Namespace) -> int:
    from famtriage.core.actions.undo import undo

    ctx = context(args)
    if not args.yes:
        confirm(f"Undo audit entry #{args.audit_id}?")
    return _print_result(args, undo(ctx, args.audit_id))


def cmd_purge(args: argparse.Namespace) -> int:
    from famtriage.core.actions.undo import purge

    ctx = context(args)
    ctx.actor.require("admin")
    if not args.yes:
        confirm(
            f"Make every tombstone older than {args.older_than:g} days permanent? "
            "They can no longer be restored."
        )
    return _print_result(args, purge(ctx, args.older_than))


def _pausing(on_progress):
    pause = float(os.environ.get(APPLY_PAUSE_ENV) or 0)

    def step(done: int, total: int) -> None:
        on_progress(done, total)
        if pause:
            time.sleep(pause)

    return step


def cmd_apply(args: argparse.Namespace) -> int:
    from famtriage.core.actions.apply import apply_plan, plan_summary

    ctx = context(args)
    if not args.yes:
        confirm(plan_summary(ctx, args.only))
    with progress("applying the plan") as on_progress:
        outcome = apply_plan(ctx, args.only, on_progress=_pausing(on_progress))
    if outcome.stopped is not None:
        note(f"famtriage: stopped at {outcome.stopped}")
    code = EXIT_OK if outcome.stopped is None else EXIT_REFUSED
    if args.json:
        emit(as_json(_apply_document(outcome)))
        return code
    lines = [f"#{r.audit_id} {display(r.summary)}" for g in outcome.applied for r in g.results]
    lines += [
        f"skipped {display(g.email)} (org {g.org_id}): {display(g.skipped or '')}"
        for g in outcome.skipped
    ]
    lines.append(
        f"{counted(outcome.actions, 'action')} in {counted(len(outcome.applied), 'group')}; "
        f"{counted(len(outcome.skipped), 'group')} skipped"
        + ("; stopped early: the rest is untouched" if outcome.stopped else "")
    )
    emit("\n".join(lines))
    return code


def _apply_document(outcome) -> dict:
    return {
        "applied": [
            {
                "org_id": g.org_id,
                "email": g.email,
                "actions": [
                    {"audit_id": r.audit_id, "action": r.action, "summary": r.summary}
                    for r in g.results
                ],
            }
            for g in outcome.applied
        ],
        "skipped": [
            {"org_id": g.org_id, "email": g.email, "action": g.action, "why": g.skipped}
            for g in outcome.skipped
        ],
        "stopped": outcome.stopped,
    }


def cmd_audit(args: argparse.Namespace) -> int:
    from famtriage.core.actions.audit import audit_document, audit_entries

    entries = audit_entries(context(args), args.limit)
    if args.json:
        emit(as_json(audit_document(entries)))
        return EXIT_OK
    if not entries:
        emit("The audit log is empty.")
        return EXIT_OK
    lines = []
    for e in entries:
        state = f"  [undone by #{e.undone_by}]" if e.undone else ""
        state += "  [permanent]" if e.purged else ""
        lines.append(
            f"#{e.audit_id:<5} {e.at:%Y-%m-%d %H:%M}Z  {display(e.staff)[:20]:<20} "
            f"{e.action:<12} {display(e.summary)}{state}"
        )
    emit("\n".join(lines))
    return EXIT_OK


def cmd_staff(args: argparse.Namespace) -> int:
    from famtriage.core.actions.staff import list_staff, staff_document

    members = list_staff(context(args))
    if args.json:
        emit(as_json(staff_document(members)))
        return EXIT_OK
    if not members:
        emit("No staff: this store is single-user.")
        return EXIT_OK
    header = f"{'ID':<5} {'ORG':<8} {'NAME':<20} {'EMAIL':<28} {'GROUP':<15} PERMISSIONS"
    lines = [header] + [
        f"{m.staff_id:<5} {'org ' + str(m.org_id) if m.org_id is not None else 'every':<8} "
        f"{display(m.name or '')[:20]:<20} {display(m.email):<28} "
        f"{display(m.user_group):<15} {' '.join(m.permissions)}"
        for m in members
    ]
    emit("\n".join(lines))
    return EXIT_OK


def cmd_map(args: argparse.Namespace) -> int:
    from famtriage.core.actions.staff import map_account

    kind, account = (
        ("os_account", args.os_account)
        if args.os_account is not None
        else ("db_role", args.db_role)
    )
    return _print_result(args, map_account(context(args), args.email, kind, account))


def cmd_whoami(args: argparse.Namespace) -> int:
    from famtriage.core.access.identity import whoami_document

    ctx = context(args)
    document = whoami_document(ctx.actor, ctx.identity)
    if args.json:
        emit(as_json(document))
        return EXIT_OK
    scope = "every organization" if ctx.actor.is_global else f"organization {ctx.actor.org_id}"
    lines = [
        f"You act as {display(ctx.actor.label)}, {display(ctx.actor.user_group)} of {scope}.",
        f"Permissions: {' '.join(document['permissions']) or 'none'}.",
    ]
    if document["established_by"]:
        lines.append(f"Established by {display(document['established_by'])}.")
    emit("\n".join(lines))
    return EXIT_OK


def cmd_grant(args: argparse.Namespace) -> int:
    from famtriage.core.actions.staff import AlreadyGranted, grant

    try:
        result = grant(context(args), args.group, args.permission)
    except AlreadyGranted as held:  # nothing to do is not a refusal: exit 0, said so
        if args.json:
            emit(as_json({"audit_id": None, "action": "grant", "summary": str(held)}))
        else:
            emit(display(str(held)))
        return EXIT_OK
    return _print_result(args, result)
