"""On SQLite the acting member is the one mapped to the OS account running famtriage,
tried with real accounts: creating them needs root (CI runs as root), so elsewhere these
tests are skipped with that reason.

Each command runs in a forked child that has dropped to the account (setuid), with every
famtriage module already imported, so the child needs no access to the checkout."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import multiprocessing
import os
import pkgutil
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from actions_support import dump
from sqlalchemy import select

import famtriage.core as core_package
import famtriage.tui as tui_package
from famtriage.core.access.context import Context
from famtriage.core.actions.staff import map_account
from famtriage.core.store import schema
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("useradd") is None,
    reason="needs root to create OS accounts (CI runs as root)",
)

ALICE, BOB, CAROL = "famtriage-alice", "famtriage-bob", "famtriage-carol"


def _account(name: str) -> pwd.struct_passwd:
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(name)


def _load_everything() -> None:
    """Import every module a command may import lazily, before the child drops root."""
    for package in (core_package, tui_package):
        prefix = package.__name__ + "."
        for module in pkgutil.walk_packages(package.__path__, prefix):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)


def _child(account: str, argv: list[str], results) -> None:
    user = pwd.getpwnam(account)
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    results.put((code, out.getvalue(), err.getvalue()))


def run_as(account: str, db: Path, *argv: str) -> tuple[int, str, str]:
    results = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(account, ["--db", str(db), *argv], results)
    )
    child.start()
    outcome = results.get(timeout=60)
    child.join(60)
    return outcome


@pytest.fixture(scope="module")
def accounts() -> dict[str, pwd.struct_passwd]:
    _load_everything()
    return {name: _account(name) for name in (ALICE, BOB, CAROL)}


@pytest.fixture
def shared_db(_sample_template: Path, accounts) -> Iterator[Path]:
    """The sample store in a folder every account may write (the file's permissions are
    the boundary on SQLite: a team shares a store through them)."""
    folder = Path(tempfile.mkdtemp(prefix="famtriage-shared-"))
    folder.chmod(0o777)
    db = folder / "team.db"
    shutil.copy(_sample_template, db)
    db.chmod(0o666)
    yield db
    shutil.rmtree(folder, ignore_errors=True)


def _map(db: Path) -> None:
    ctx = Context.open(Store.open(db))
    map_account(ctx, "admin@famtriage.test", "os_account", "root")
    map_account(ctx, "owner@riverside.test", "os_account", ALICE)
    map_account(ctx, "support@northside.test", "os_account", BOB)


def test_a_store_that_maps_nobody_acts_only_for_its_owner(shared_db) -> None:
    code, out, err = run_as(ALICE, shared_db, "whoami")
    assert code == 1 and out == ""
    assert "only its owner (OS account root) may act" in err
    assert f"famtriage map STAFF_EMAIL --os-account {ALICE}" in err
    code, out, _ = run_as("root", shared_db, "whoami", "--json")
    assert code == 0 and json.loads(out)["single_user"] is True


def test_mapped_accounts_act_as_their_staff_member(shared_db) -> None:
    _map(shared_db)
    code, out, _ = run_as(ALICE, shared_db, "whoami", "--json")
    me = json.loads(out)
    assert code == 0 and (me["email"], me["org_id"], me["account"]) == (
        "owner@riverside.test",
        1,
        ALICE,
    )
    assert me["established_by"] == f"OS account {ALICE}, mapped to this staff member"
    code, out, _ = run_as(BOB, shared_db, "whoami", "--json")
    assert json.loads(out)["email"] == "support@northside.test"


def test_an_unmapped_account_is_refused_with_how_to_get_mapped(shared_db) -> None:
    _map(shared_db)
    code, out, err = run_as(CAROL, shared_db, "report")
    assert code == 1 and out == ""
    assert f"OS account {CAROL} is mapped to no staff member" in err
    assert "famtriage map STAFF_EMAIL --os-account" in err


@pytest.mark.parametrize(
    ("account", "argv", "code", "message"),
    [
        (ALICE, ["--org", "2", "report"], 1, "does not belong to organization 2"),
        (ALICE, ["family", "2001"], 2, "no family with id 2001"),
        (ALICE, ["merge", "2001", "2002", "--yes"], 2, "no family with id 2001"),
        (ALICE, ["grant", "Front Desk", "families.merge"], 1, "only a global Admin"),
        (ALICE, ["demo", "--yes"], 1, "rebuild the whole store"),
        (BOB, ["merge", "1001", "1002", "--yes"], 2, "no family with id 1001"),
        (BOB, ["delete", "2011", "--yes"], 1, "families.delete"),
        (BOB, ["--as", "admin@famtriage.test", "report"], 1, "only a global Admin may use --as"),
        (
            ALICE,
            ["--as", "support@northside.test", "merge", "2001", "2002", "--yes"],
            1,
            "only a global Admin may use --as",
        ),
    ],
)
def test_each_account_is_held_to_its_member(shared_db, account, argv, code, message) -> None:
    _map(shared_db)
    before = dump(Store.open(shared_db))
    got, _, err = run_as(account, shared_db, *argv)
    assert got == code and message in err, err
    assert dump(Store.open(shared_db)) == before


def test_a_refused_impersonation_is_audited(shared_db) -> None:
    _map(shared_db)
    assert run_as(BOB, shared_db, "--as", "admin@famtriage.test", "report")[0] == 1
    a = schema.audit_log
    with Store.open(shared_db).engine.connect() as conn:
        entry = conn.execute(select(a).where(a.c.action == "impersonate_refused")).one()
    assert entry.staff_id == 4 and "tried to act as 'admin@famtriage.test'" in entry.summary


def test_what_an_account_may_do_it_does_as_itself(shared_db) -> None:
    _map(shared_db)
    code, _, err = run_as(ALICE, shared_db, "merge", "1001", "1002", "--yes", "--json")
    assert code == 0, err
    a = schema.audit_log
    with Store.open(shared_db).engine.connect() as conn:
        entry = conn.execute(select(a).where(a.c.action == "merge")).one()
    assert (entry.staff_id, entry.acting_for) == (2, None)


def test_the_global_admin_impersonates_and_the_audit_says_so(shared_db) -> None:
    _map(shared_db)
    code, _, err = run_as(
        "root", shared_db, "--as", "support@northside.test", "merge", "2001", "2002", "--yes"
    )
    assert code == 0, err
    code, out, _ = run_as("root", shared_db, "audit", "--json")
    merge = next(e for e in json.loads(out)["entries"] if e["action"] == "merge")
    assert merge["staff"] == "Ada Admin <admin@famtriage.test> acting as Sam Support"
