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
