"""Writing files that hold personal data: atomically, readable by the owner only, and
only where no one else can plant or swap a file.

Exports (`-o FILE`) go through `check_target` and `private_target`. The folders famtriage
keeps for itself (the report snapshot, stored tasks) are `PrivateFolder`s: refused unless
they are real folders of this user that no one else may write, and written through
temp files with unique names created with O_EXCL, so a symlink planted there is never
followed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from famtriage.core.errors import Conflict, InputError

_KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


def check_target(path: Path, *, force: bool = True) -> Path:
    """Refuse a file we may not write before any work is done (bad folder, no --force).

    Only regular files are written: a device, FIFO or socket is refused even with
    `force`, because the rename that makes a write atomic would replace the node itself
    (`-o /dev/null` as root would put a file where the device was).
    """
    path = Path(path).expanduser()
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: no such directory")
    try:
        mode = path.stat().st_mode  # through a symlink: /dev/stdout is a link to a device
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise InputError(f"{path}: cannot write there: {exc.strerror}") from exc
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a directory")
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise InputError(f"{path}: is {kind}; famtriage writes only regular files")
    if not force:
        raise Conflict(f"{path} exists; pass --force to overwrite it")
    return path


@contextlib.contextmanager
def private_target(path: Path, *, force: bool = True) -> Iterator[Path]:
    """A 0600 temp path beside `path` to write to; renamed onto `path` only on success.

    For writers that want a file name rather than bytes (xlsxwriter, fpdf2): a failed or
    cancelled write leaves no partial file behind, and a write that fails for want of
    room or rights says so about `path`, in one line.
    """
    path = check_target(path, force=force)
    prefix = f".{path.name}.{secrets.token_hex(4)}."
    try:
        try:
            fd, tmp = tempfile.mkstemp(prefix=prefix, dir=path.parent)
        except OSError as exc:
            raise InputError(f"{path.parent}: cannot create a file there: {exc.strerror}") from exc
        os.close(fd)
        os.chmod(tmp, 0o600)
        yield Path(tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException as exc:
        _remove_temp(path.parent, prefix)
        if isinstance(exc, OSError) and exc.strerror:
            raise InputError(f"{path}: cannot write: {exc.strerror}") from exc
        raise


def _remove_temp(folder: Path, prefix: str) -> None:
    """Remove the temp file named with `prefix` (unique to one write), found by its name:
    a Ctrl-C (KeyboardInterrupt) may come while it is made, before its name is known."""
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            if name.startswith(prefix):
                with contextlib.suppress(OSError):
                    os.unlink(folder / name)


def write_private(path: Path, data: bytes, *, force: bool = True) -> Path:
    """Write `data` to `path` through a 0600 temp file and a rename: never half a file."""
    path = Path(path).expanduser()
    with private_target(path, force=force) as tmp:
        tmp.write_bytes(data)
    return path


class PrivateFolder:
    """A folder famtriage keeps for itself: this user's own, writable by no one else.

    Files are read without following symlinks and written to a temp file with a unique
    name (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600) that is then renamed over the old one,
    so readers never see half a file and nothing planted in the folder is written
    through.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> PrivateFolder:
        """The folder at `path` (created 0700 when missing and `create`), or `Conflict`
        naming the path and why it is refused."""
        if create:
            try:
                path.mkdir(mode=0o700, parents=True, exist_ok=True)
            except FileExistsError:
                pass  # not a folder: said below
            except OSError as exc:
                raise Conflict(f"{path}: cannot create the folder: {exc.strerror}") from exc
        problem = unsafe_folder(path)
        if problem is not None:
            raise Conflict(f"{path}: {problem}")
        return cls(path)

    def read(self, name: str) -> bytes:
        """A file's bytes (never through a symlink); OSError when missing."""
        fd = os.open(self.path / name, os.O_RDONLY | _NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            return f.read()

    def write(self, name: str, data: bytes | memoryview) -> None:
        """Replace `name` with `data` through a fresh 0600 temp file: all or nothing.
        An OSError (a full disk) names the file it was for."""
        target = self.path / name
        tmp = self.path / f".{name}.{secrets.token_hex(8)}.tmp"
        try:
            try:  # the name is known first: a Ctrl-C right after the open still removes it
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(target)) from exc

    def names(self) -> list[str]:
        return os.listdir(self.path)

    def remove(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path / name)

    def folder(self, name: str, *, create: bool = False) -> PrivateFolder:
        """A folder inside this one, checked the same way."""
        return PrivateFolder.open(self.path / name, create=create)


def unsafe_folder(path: Path) -> str | None:
    """Why `path` is no place for this user's private files, or None when it is one."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return "no such folder"
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link, not a folder; remove it"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder; remove it"
    if info.st_uid != os.geteuid():
        return f"belongs to another user (uid {info.st_uid}), not to you; remove it"
    if info.st_mode & 0o022:
        mode = stat.S_IMODE(info.st_mode)
        return f"other users may write to it (mode {mode:04o}); run chmod go-w on it"
    return None
