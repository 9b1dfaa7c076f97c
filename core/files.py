"""Writing files that hold personal data: atomically, readable by the owner only."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from famtriage.core.errors import Conflict, InputError


def check_target(path: Path, *, force: bool = True) -> Path:
    """Refuse a file we may not write before any work is done (bad folder, no --force)."""
    path = Path(path).expanduser()
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: no such directory")
    if path.is_dir():
        raise InputError(f"{path}: is a directory")
    if path.exists() and not force:
        raise Conflict(f"{path} exists; pass --force to overwrite it")
    return path


@contextlib.contextmanager
def private_target(path: Path, *, force: bool = True) -> Iterator[Path]:
    """A 0600 temp path beside `path` to write to; renamed onto `path` only on success.

    For writers that want a file name rather than bytes (xlsxwriter, fpdf2): a failed or
    cancelled write leaves no partial file behind.
    """
    path = check_target(path, force=force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except PermissionError as exc:
        raise InputError(f"{path.parent}: not writable") from exc
    os.close(fd)
    try:
        os.chmod(tmp, 0o600)
        yield Path(tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_private(path: Path, data: bytes, *, force: bool = True) -> Path:
    """Write `data` to `path` through a 0600 temp file and a rename: never half a file."""
    path = Path(path).expanduser()
    with private_target(path, force=force) as tmp:
        tmp.write_bytes(data)
    return path
