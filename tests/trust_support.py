"""Helpers for the snapshot-trust and private-file tests: what the CLI answers, what a
rebuild from the store answers, and running famtriage as another process."""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from famtriage.tui.cli.main import main

WATCHED = ("jane.doe@example.com", "ann.new@example.com", "tom.baker@mail.com")
"""Emails searched after each write: a group that grows, a new one, one that splits."""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def answers(capsys: pytest.CaptureFixture[str], db: str) -> dict:
    """`report`, `readiness` and `search` as JSON, each exit 0 with nothing on stderr."""
    got: dict = {}
    for name, argv in [
        ("report", ["report", "--format", "json"]),
        ("readiness", ["readiness", "--json"]),
        *[(f"search {e}", ["search", e, "--json"]) for e in WATCHED],
    ]:
        code, out, err = run(capsys, "--db", db, *argv)
        assert (code, err) == (0, ""), (name, err)
        got[name] = json.loads(out)
    got["report"].pop("generated_at")
    _never_ready_with_groups(got)
    return got


def _never_ready_with_groups(got: dict) -> None:
    with_groups = {g["org_id"] for g in got["report"]["groups"]}
    for org in got["readiness"]["orgs"]:
        assert org["ready"] == (org["login_conflicts"] == 0)
        if org["ready"]:
            assert org["org_id"] not in with_groups and org["groups_left"] == 0


def truth(capsys: pytest.CaptureFixture[str], db: str, folder: Path) -> dict:
    """The same answers from a snapshot rebuilt from the store alone."""
    shutil.rmtree(folder, ignore_errors=True)
    return answers(capsys, db)


def groups(got: dict) -> dict[str, list[int]]:
    """email → the group's family ids, from a report document."""
    return {
        g["email"]: sorted(f["family_id"] for f in g["families"]) for g in got["report"]["groups"]
    }


def found(got: dict, email: str) -> list[int]:
    return [f["family_id"] for f in got[f"search {email}"]["families"]]


def ready(got: dict) -> dict[int, bool]:
    return {o["org_id"]: o["ready"] for o in got["readiness"]["orgs"]}


def famtriage(
    *argv: str, home: Path, file_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    """famtriage as its own process, for what one process cannot do to itself: file
    permissions that bind it even when the tests run as root (root's right to override
    them is dropped), and files limited to `file_limit` bytes (writes past it fail with
    EFBIG, as on a full disk)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",  # a limited write would leave a truncated .pyc
    }
    return subprocess.run(
        [sys.executable, "-m", "famtriage.tui.cli.main", *argv],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limits(file_limit),
        check=False,
    )


_PR_CAPBSET_DROP = 24
_DAC_CAPABILITIES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _limits(file_limit: int | None) -> Callable[[], None]:
    def apply() -> None:
        if os.geteuid() == 0:  # root keeps its uid but obeys file modes like anyone
            libc = ctypes.CDLL(None, use_errno=True)
            for capability in _DAC_CAPABILITIES:
                if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
        if file_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return apply
