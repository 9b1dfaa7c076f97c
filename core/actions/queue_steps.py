"""What the resolution queue's keys do to a group, through the actions' own API.

Permission checks, "changed since you looked" checks, audit rows and undo all belong
to `core.actions`, `core.merge` and `core.undo`; this module only decides which of
those calls a key means (`A` per recommendation, `m`, `d`, `r`, `e`), which keys cannot
apply to a group and why (a secondary guardian's login never leads to a merge or a
delete), states them for a confirmation, and runs them so a group is resolved all at
once or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from famtriage.core.access.context import Context
from famtriage.core.actions import preconditions
from famtriage.core.actions.audit import ActionResult
from famtriage.core.actions.family_edits import (
    change_email,
    delete_in,
    preview_change_email,
    preview_delete,
    preview_remove_login,
    remove_login_in,
)
from famtriage.core.actions.merge import MergeRequest, merge_in, preview_merge
from famtriage.core.actions.queue import QueueGroup
from famtriage.core.actions.undo import undo, undo_refusal
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


class Refused(Conflict):
    """A key that cannot apply to this group or this family; the message says why in
    one line (the queue shows the key disabled and refuses it with that reason)."""


def recommended_steps(group: QueueGroup, takes: Takes = Takes()) -> tuple[Step, ...]:
    """What `A` does: remove the logins the group lists, then (FAM-12) merge the families
    with history into the survivor and delete those without; a review group raises
    NeedsReview (a person decides)."""
    if group.action == "review" or (group.kind == "fam12" and group.survivor is None):
        how = (
            "change one email with e, or merge/delete by hand"
            if group.kind == "fam12"
            else "press r on the family that gives up the login, or change it with e"
        )
        raise NeedsReview(
            f"{group.email} needs a human decision (review): {how}; moved on to the next group"
        )
    steps = [_remove(group, guardian) for guardian in group.remove_logins]
    if group.kind == "fam12" and group.survivor is not None:
        if group.merge:
            steps.append(_merge(group.survivor, group.merge, takes))
        steps.extend(Step("delete", (family,)) for family in group.delete)
    return tuple(steps)


def _remove(group: QueueGroup, guardian: int) -> Step:
    family = next(f for f in group.family_ids if guardian in group.holders(f))
    return Step("remove_login", (family,), guardian)


def _only_fam12(group: QueueGroup, family_id: int, what: str) -> None:
    """Merging and deleting are FAM-12's answers, for the families in a group through
    their primary's login; a secondary guardian's login never leads to either."""
    if group.kind != "fam12":
        raise Refused(
            f"{what} refused: a {group.label} never leads to a merge or a delete (r removes "
            "a login, e changes one)"
        )
    if not group.is_member(family_id):
        raise Refused(
            f"{what} refused: family #{family_id} holds this login through a secondary "
            "guardian, never a reason to merge or delete it (r removes that login)"
        )


def merge_steps(group: QueueGroup, survivor: int, takes: Takes = Takes()) -> tuple[Step, ...]:
    """`m`: every other family of the FAM-12 group merges into the chosen survivor."""
    _only_fam12(group, survivor, "merge")
    others = tuple(i for i in group.family_ids if i != survivor and group.is_member(i))
    return (_merge(survivor, others, takes),)


def _merge(survivor: int, others: tuple[int, ...] | list[int], takes: Takes) -> Step:
    """A merge step keeping only the takes that come from a family it merges."""
    merged = (survivor, *others)
    name = takes.name_from if takes.name_from in merged else None
    phone = takes.phone_from if takes.phone_from in merged else None
    return Step("merge", merged, name_from=name, phone_from=phone)


def delete_steps(group: QueueGroup, family_id: int) -> tuple[Step, ...]:
    """`d`: delete the selected family of a FAM-12 group (refused by core if it has
    history)."""
    _only_fam12(group, family_id, "delete")
    return (Step("delete", (family_id,)),)


def remove_login_steps(group: QueueGroup, family_id: int) -> tuple[Step, ...]:
    """`r`: remove the login of the selected family's guardians holding it, other than
    its primary (only the ones the group lists, if it lists any). In a group of one
    family, one holder keeps the login."""
    holders = group.holders(family_id)
    secondary = [g for g in holders if g != group.primaries.get(family_id)]
    listed = [g for g in secondary if g in group.remove_logins]
    if listed:
        secondary = listed
    elif len(group.family_ids) == 1 and len(secondary) == len(holders):
        secondary = secondary[1:]
    if not secondary:
        raise Refused(
            f"remove login refused: family #{family_id} holds this login through its primary "
            "guardian (a family keeps one): change it with e"
        )
    return tuple(Step("remove_login", (family_id,), guardian) for guardian in secondary)


def login_holder(group: QueueGroup, family_id: int) -> int | None:
    """The guardian whose login `e` changes in this family: its primary in a FAM-12
    group, else the holder the recommendation removes, else its first holder."""
    if group.is_member(family_id):
        return group.primaries[family_id]
    holders = group.holders(family_id)
    listed = [g for g in holders if g in group.remove_logins]
    return next(iter(listed or holders), None)


def change_email_steps(group: QueueGroup, family_id: int, new_email: str) -> tuple[Step, ...]:
    """`e`: give the selected family's login holder another login email."""
    guardian = login_holder(group, family_id)
    if guardian is None:
        raise InputError(f"family #{family_id} has no guardian holding {group.email}")
    return (Step("change_email", (family_id,), guardian, new_email.strip()),)


KEY_STEPS: dict[str, Callable[[QueueGroup, int], tuple[Step, ...]]] = {
    "merge": merge_steps,
    "delete": delete_steps,
    "remove_login": remove_login_steps,
}
"""The queue's keys that act on the selected family, by action name."""


def key_refusal(group: QueueGroup, action: str, family_id: int) -> str | None:
    """Why a key acting on the selected family cannot apply to it, or None: what the
    screen shows for a disabled key, before anything is read or asked."""
    steps = KEY_STEPS.get(action)
    if steps is None:
        return None
    try:
        steps(group, family_id)
    except Refused as refused:
        return str(refused)
    return None


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
        elif step.kind == "remove_login":
            assert step.guardian_id is not None
            lines.append(preview_remove_login(ctx, step.guardian_id) + ".")
        else:
            assert step.guardian_id is not None and step.new_email is not None
            lines.append(preview_change_email(ctx, step.guardian_id, step.new_email) + ".")
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
            elif step.kind == "remove_login":
                assert step.guardian_id is not None
                results.append(remove_login_in(conn, ctx, step.guardian_id))
            else:
                raise InputError("an email change runs on its own")
    return tuple(results)


def describe_undo(ctx: Context, done: tuple[ActionResult, ...]) -> str:
    """The confirmation of `u`: what the last queue key did, which undo restores (newest
    first); refused now, with undo's own reason, if the newest cannot be undone."""
    why = undo_refusal(ctx, done[-1].audit_id)
    if why is not None:
        raise Conflict(why)
    lines = [
        f"Undo #{r.audit_id} ({r.action.replace('_', ' ')}): {r.summary}." for r in reversed(done)
    ]
    return "\n".join([*lines, "Every row comes back exactly as it was before."])


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
