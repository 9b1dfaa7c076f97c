"""The resolution queue's keys, and when each may apply.

Moving keys (`n`/`p`/`j`/`k`, `s`, `f`, `/`, `←`/`→`) apply the moment they are read, in
the order typed, even while a group is still being opened; keys that act on a group
wait until it is shown; while an action is prepared, confirmed or run, no key applies.
`refusal` says why a key may not apply now, `shown_refusal` why it cannot apply to the
group shown (core's rules); the screen refuses it with that reason on its status line
and shows it disabled, so no key is lost in silence and none acts on what is not shown.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from famtriage.core.actions.queue import QueueView
from famtriage.core.actions.queue_steps import key_refusal

BUSY = frozenset({"preparing", "confirming", "running"})
"""Phases in which an action is on its way: no key applies, the footer shows them off."""
ON_THE_GROUP = frozenset(
    {"apply", "merge", "delete", "remove_login", "change_email", "take", "open_family", "undo"}
)
"""Actions on the group shown: refused while another group is being opened."""
WHY = {
    "running": "an action was running; press them again when it is done",
    "preparing": "the confirmation was not shown yet; nothing was confirmed",
    "loading": "the group they would act on was not shown yet",
    "stray": "nothing was asking for a yes",
}


def refusal(phase: str, action: str | None, key: str) -> str | None:
    """Why `key` (bound to `action`, or to nothing) may not apply in `phase`, or None."""
    if key == "ctrl+q":
        return None
    if phase in BUSY:
        return WHY["running" if phase == "running" else "preparing"]
    if phase == "loading" and action in ON_THE_GROUP:
        return WHY["loading"]
    if key == "y" and action is None:
        return WHY["stray"]
    return None


def shown_refusal(view: QueueView | None, selected: int, action: str | None) -> str | None:
    """Why a key cannot apply to what is shown (the screen idle): no group is left, or
    core's rule for the selected family (a login conflict is never merged or deleted)."""
    if action is None or view is None:
        return None
    if view.group is None:
        return "no group is left here" if action in ON_THE_GROUP - {"undo"} else None
    if action == "show_all":
        return "a shows every group left once the queue is empty"
    return key_refusal(view.group, action, view.group.family_ids[selected])


def _key(key: str, action: str, name: str, tip: str, **extra) -> Binding:
    return Binding(key, action, name, id=f"queue.{action.split('(')[0]}", tooltip=tip, **extra)


QUEUE_BINDINGS: list[BindingType] = [
    _key("A", "apply", "Apply", "Apply the recommendation (one confirmation).", key_display="A"),
    _key("m", "merge", "Merge", "Merge every other family into the selected one."),
    _key("d", "delete", "Delete", "Delete the selected family (only one without history)."),
    _key(
        "r",
        "remove_login",
        "Remove login",
        "Remove the login of the selected family's secondary guardian holding this email "
        "(they stay in the family).",
    ),
    _key("e", "change_email", "Email", "Change the login email the selected family holds here."),
    _key("s", "skip", "Skip", "Leave this group for later; it moves to the end."),
    _key("n,j", "go(1)", "Next", "Next group (without acting).", key_display="n"),
    _key("p,k", "go(-1)", "Prev", "Previous group.", show=False),
    _key("u", "undo", "Undo", "Undo the last action taken in the queue (asks first)."),
    _key(
        "a",
        "show_all",
        "Show all",
        "Once the queue is empty: show every group left (no filter), read again.",
        show=False,
    ),
    _key(
        "N",
        "take('name')",
        "Name from",
        "A merge keeps the selected family's name (again: stop).",
        key_display="N",
        show=False,
    ),
    _key(
        "P",
        "take('phone')",
        "Phone from",
        "A merge keeps the selected family's primary phone (again: stop).",
        key_display="P",
        show=False,
    ),
    _key(
        "left,h",
        "select(-1)",
        "Select ←",
        "Select the family to the left (the survivor for m).",
        show=False,
    ),
    _key(
        "right,l",
        "select(1)",
        "Select →",
        "Select the family to the right (the survivor for m).",
        show=False,
    ),
    _key("enter", "open_family", "Family", "Open the selected family's full record.", show=False),
    _key(
        "f",
        "filter",
        "Filter",
        "Show only merge, delete, review or remove-login groups, or all.",
        show=False,
    ),
    _key("slash", "jump", "Jump", "Jump to a group by its email.", key_display="/", show=False),
]
