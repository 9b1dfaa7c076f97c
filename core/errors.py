"""The error hierarchy. The CLI maps each class to an exit code, the TUI to a message."""


class FamtriageError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code = 1


class InputError(FamtriageError):
    """Bad usage or bad input (a malformed file, an unparsable value)."""

    exit_code = 2


class NotFound(FamtriageError):
    """An id or email that names nothing in the store."""

    exit_code = 2


class PermissionDenied(FamtriageError):
    """The acting staff member lacks a permission."""

    exit_code = 1


class Conflict(FamtriageError):
    """A precondition failed: the data changed, or the action would break a rule."""

    exit_code = 1


class Cancelled(FamtriageError):
    """The user cancelled long work (a report task, an export); nothing was kept."""

    exit_code = 1


class Interrupted(Cancelled):
    """The user interrupted a command (Ctrl-C) while it ran a task; the task is recorded
    as cancelled and nothing of it was kept. 130 is what a shell reports for SIGINT."""

    exit_code = 130


def reason(exc: BaseException) -> str:
    """A library exception as one short line: its first line, without the pointer to
    SQLAlchemy's web page or the driver's class name in brackets."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if first.startswith("(") and ") " in first:
        first = first.split(") ", 1)[1]
    return first
