"""What the resolution queue's keys do to a group, through the actions' own API.

Permission checks, "changed since you looked" checks, audit rows and undo all belong
to `core.actions`, `core.merge` and `core.undo`; this module only decides which of
those calls a key means (`A` per recommendation, `m`, `d`, `e`), states them for a
confirmation, and runs them so a group is resolved all at once or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from famtriage.core.access.context import Context
from famtriage.core.actions import preconditions
from famtriage.core.actions.audit import ActionResult
from famtriage.core.actions.family_edits import change_email, delete_in, preview_delete
from famtriage.core.actions.merge import MergeRequest, merge_in, preview_merge
from famtriage.core.actions.queue import QueueGroup
from famtriage.core.actions.undo import undo
from famtriage.core.emails import is_valid_email, normalize_email
from famtriage.core.errors import Conflict, InputError
from famtriage.core.report.search import search_families


@dataclass(frozen=True)
class Step:
    """One action on a group: merge (survivor first), delete, or change an email."""

    kind: str
    family_ids: tuple[int, ...]
    guardian_id: int | None = None
    new_email: str | None = None
    name_from: int | None = None
    phone_from: int | None = None


@dataclass(frozen=True)
class Takes:
    """What a merge keeps from a family other than the survivor: its family name, its
    primary guardian's phone (DESIGN §5: the engineer may take either from any of them)."""

    name_from: int | None = None
    phone_from: int | None = None

    def toggled(self, what: str, family_id: int) -> Takes:
        """`N`/`P` on a family: take from it, or (pressed again) stop taking from it."""
        current = getattr(self, f"{what}_from")
        return replace(self, **{f"{what}_from": None if current == family_id else family_id})

    def describe(self, group: QueueGroup, lead: str = "A merge here keeps") -> str:
        rows = {r["family_id"]: r for r in group.families.iter_rows(named=True)}
        parts = []
        if self.name_from is not None:
            parts.append(
                f"the family name “{rows[self.name_from]['family_name']}” (#{self.name_from})"
            )
        if self.phone_from is not None:
            parts.append(f"the primary phone of #{self.phone_from}")
        return f"{lead} " + " and ".join(parts) + "." if parts else ""


class NeedsReview(Conflict):
    """`A` on a review group: the recommendation is a human decision, not an action."""


def recommended_steps(group: QueueGroup, takes: Takes = Takes()) -> tuple[Step, ...]:
    """What `A` does: merge the families with history into the survivor, then delete
    those without; a review group raises NeedsReview (names differ: a person decides)."""
    if group.action == "review" or group.survivor is None:
        raise NeedsReview(
            f"{group.email} needs a human decision (review): change one email with e, "
            "or merge/delete by hand; moved on to the next group"
        )
    steps: list[Step] = []
    if group.merge:
        steps.append(_merge(group.survivor, group.merge, takes))
    steps.extend(Step("delete", (family,)) for family in group.delete)
    return tuple(steps)


def merge_steps(group: QueueGroup, survivor: int, takes: Takes = Takes()) -> tuple[Step, ...]:
    """`m`: every other family of the group merges into the chosen survivor."""
    others = tuple(i for i in group.family_ids if i != survivor)
    return (_merge(survivor, others, takes),)


def _merge(survivor: int, others: tuple[int, ...] | list[int], takes: Takes) -> Step:
    """A merge step keeping only the takes that come from a family it merges."""
    merged = (survivor, *others)
    name = takes.name_from if takes.name_from in merged else None
    phone = takes.phone_from if takes.phone_from in merged else None
    return Step("merge", merged, name_from=name, phone_from=phone)


def delete_steps(family_id: int) -> tuple[Step, ...]:
    """`d`: delete the selected family (refused by core if it has history)."""
    return (Step("delete", (family_id,)),)


def change_email_steps(group: QueueGroup, family_id: int, new_email: str) -> tuple[Step, ...]:
    """`e`: give the selected family's primary guardian another login email."""
    guardian = group.primaries.get(family_id)
    if guardian is None:
        raise InputError(f"family #{family_id} has no primary guardian to change")
    return (Step("change_email", (family_id,), guardian, new_email.strip()),)


def describe(ctx: Context, group: QueueGroup, steps: tuple[Step, ...]) -> str:
    """The confirmation text: exactly what will happen, from the actions' previews
    (which also check permissions, so a refusal shows before anything is asked)."""
    lines = []
    for step in steps:
        if step.kind == "merge":
            survivor, *others = step.family_ids
            lines.append(preview_merge(ctx, survivor, others).summary + ".")
            kept = Takes(step.name_from, step.phone_from).describe(group, "The survivor takes")
            if kept:
                lines.append(kept)
        elif step.kind == "delete":
            lines.append(preview_delete(ctx, step.family_ids[0]).summary + ".")
        else:
            ctx.actor.require("families.edit")
            row = group.families.filter(family_id=step.family_ids[0]).row(0, named=True)
            lines.append(
                f"Change the login email of {row['primary_guardian'] or 'the primary guardian'} "
                f"(guardian #{step.guardian_id}, family #{step.family_ids[0]}) from "
                f"{row['raw_email']} to {step.new_email}."
            )
    if any(step.kind == "delete" for step in steps):
        lines.append(
            "Deleting removes the family from the store; it stays restorable from the "
            "audit log (undo) until purged."
        )
    return "\n".join(lines)


def execute(ctx: Context, group: QueueGroup, steps: tuple[Step, ...]) -> tuple[ActionResult, ...]:
    """Run the steps in one transaction, refused if the group changed since the engineer
    looked (`group.looked`); one audit row per action, so each can be undone."""
    if len(steps) == 1 and steps[0].kind == "change_email":
        step = steps[0]
        with ctx.store.engine.connect() as conn:
            preconditions.check_expected(conn, list(group.family_ids), group.looked)
        assert step.guardian_id is not None and step.new_email is not None
        return (change_email(ctx, step.guardian_id, step.new_email),)
    results: list[ActionResult] = []
    with ctx.store.write() as conn:
        preconditions.check_expected(conn, list(group.family_ids), group.looked)
        for step in steps:
            if step.kind == "merge":
                survivor, *others = step.family_ids
                request = MergeRequest(survivor, tuple(others), step.name_from, step.phone_from)
                results.append(merge_in(conn, ctx, request))
            elif step.kind == "delete":
                results.append(delete_in(conn, ctx, step.family_ids[0]))
            else:
                raise InputError("an email change runs on its own")
    return tuple(results)


def undo_last(ctx: Context, audit_ids: tuple[int, ...]) -> tuple[ActionResult, ...]:
    """Undo what one queue key did (a fast-path `A` may be a merge and deletes), newest
    first, so each undo finds the rows as its action left them."""
    return tuple(undo(ctx, audit_id) for audit_id in reversed(audit_ids))


def email_problem(ctx: Context, org_id: int, guardian_id: int | None, text: str) -> str | None:
    """Why `text` cannot be this guardian's new login, or None: not an address, or
    already a login in the organization (checked again by the action itself)."""
    key = normalize_email(text)
    if not key:
        return "type the new email address"
    if not is_valid_email(key):
        return f"{text.strip()} is not a valid email address"
    for hit in search_families(ctx, key, limit=50).hits:
        if hit.match != "exact" or hit.org_id != org_id:
            continue
        for guardian in hit.guardians:
            if guardian.guardian_id != guardian_id and normalize_email(guardian.email) == key:
                return (
                    f"{key} is already the login of {guardian.name or 'a guardian'} "
                    f"(guardian #{guardian.guardian_id}, family #{hit.family_id})"
                )
    return None
