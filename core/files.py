"""Writing files that hold personal data: atomically, readable by the owner only."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from core.errors import Conflict, InputError


def write_private(path: Path, data: bytes, *, force: bool = True) -> Path:
    """Write `data` to `path` through a 0600 temp file and a rename: never half a file."""
    path = Path(path).expanduser()
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: no such directory")
    if path.exists() and not force:
        raise Conflict(f"{path} exists; pass --force to overwrite it")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except PermissionError as exc:
        raise InputError(f"{path.parent}: not writable") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
