"""Every command × every role × own or another organization, on SQLite and PostgreSQL.

Who acts is established (`permissions.member`), never typed: the identity issue changes
how the acting member is found, not what each one may do. A refused case must leave
every table as it was; an allowed one must do its work.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from actions_support import dump
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from famtriage.core.access.context import Context
from famtriage.core.access.permissions import PERMISSIONS, Actor, member
from famtriage.core.actions import family_edits, merge
from famtriage.core.actions.apply import apply_plan
from famtriage.core.actions.audit import audit_entries
from famtriage.core.actions.staff import grant
from famtriage.core.actions.undo import purge, undo
from famtriage.core.errors import NotFound, PermissionDenied
from famtriage.core.exports.write import export_report
from famtriage.core.report.current import report_for_context
from famtriage.core.report.family import family_detail
from famtriage.core.report.readiness import readiness
from famtriage.core.report.search import search_families
from famtriage.core.sample.synthetic import rebuild_store
from famtriage.core.source.importer import import_export, import_tables
from famtriage.core.source.reader import read_export
from famtriage.core.store import config, schema
from famtriage.core.store.database import Store
from famtriage.core.tasks import list_tasks


@dataclass(frozen=True)
class Role:
    staff_id: int
    org_id: int | None
    permissions: frozenset[str]


ROLES = {
    "admin": Role(1, None, frozenset(PERMISSIONS)),
    "owner": Role(2, 1, frozenset(PERMISSIONS)),
    "desk": Role(3, 1, frozenset({"families.view"})),
    "support": Role(
        4, 2, frozenset({"reports.fam12", "families.view", "families.merge", "families.edit"})
    ),
}
"""The sample's staff: a global Admin, org 1's Account Owner and Front Desk, org 2's
Support Lead (as the sample's user_groups grant them)."""

MERGE = {1: (1001, [1002]), 2: (2001, [2002])}
DELETE = {1: 1003, 2: 2011}
GUARDIAN = {1: 5006, 2: 5034}  # Sam Lee (#1020), Øyvind Hansen (#2020)
FAMILY = {1: 1001, 2: 2001}
SEARCH = {1: ("jane.doe@example.com", 1001), 2: ("li.wei@example.cn", 2010)}
UNDONE = {1: 5008, 2: 5036}  # the set-up changes these emails; undo gives them back
SECONDARY = {1: 5028, 2: 200128}  # a secondary guardian's login in each organization


def _in_view(store: Store, actor: Actor, org: int) -> Context:
    """The session the CLI builds for `--org ORG`: refused for another organization."""
    return Context.acting(store, actor, org)


def _everything(store: Store, actor: Actor, org: int) -> Context:
    return Context.acting(store, actor)


def _search(store: Store, actor: Actor, org: int) -> None:
    email, family = SEARCH[org]
    hits = search_families(_everything(store, actor, org), email).hits
    if family not in {h.family_id for h in hits}:
        raise NotFound(f"no family with {email} in view")


def _undo(store: Store, actor: Actor, org: int) -> None:
    entries = _setup_entries(store)
    undo(_everything(store, actor, org), entries[org])


def _export(store: Store, actor: Actor, org: int, folder: Path) -> None:
    report = report_for_context(_in_view(store, actor, org))
    export_report(report, folder / f"r{uuid.uuid4().hex}.csv", "csv")


def _import_own_org(store: Store, actor: Actor, org: int) -> None:
    tables = read_export(config.SAMPLE_DATA)
    tables = {
        name: frame.filter(pl.col("org_id") == org) if "org_id" in frame.columns else frame
        for name, frame in tables.items()
    }
    families = tables["families"]["family_id"].implode()
    for name in ("guardians", "students", "payments", "policies", "activity"):
        tables[name] = tables[name].filter(pl.col("family_id").is_in(families))
    students = tables["students"]["student_id"].implode()
    tables["enrollments"] = tables["enrollments"].filter(pl.col("student_id").is_in(students))
    import_tables(store, tables, replace=True, actor=actor)


Command = Callable[[Store, Actor, int], object]

COMMANDS: dict[str, tuple[str, str, Command]] = {
    "report": ("reports.fam12", "org", lambda s, a, o: report_for_context(_in_view(s, a, o))),
    "readiness": ("reports.fam12", "org", lambda s, a, o: readiness(_in_view(s, a, o))),
    "tasks": ("reports.fam12", "org", lambda s, a, o: list_tasks(_in_view(s, a, o))),
    "audit": ("families.view", "org", lambda s, a, o: audit_entries(_in_view(s, a, o))),
    "search": ("families.view", "org", _search),
    "family": (
        "families.view",
        "org",
        lambda s, a, o: family_detail(_everything(s, a, o), FAMILY[o]),
    ),
    "merge": (
        "families.merge",
        "org",
        lambda s, a, o: merge.merge(_everything(s, a, o), *MERGE[o]),
    ),
    "delete": (
        "families.delete",
        "org",
        lambda s, a, o: family_edits.delete(_everything(s, a, o), DELETE[o]),
    ),
    "change-email": (
        "families.edit",
        "org",
        lambda s, a, o: family_edits.change_email(
            _everything(s, a, o), GUARDIAN[o], f"new{o}@example.test"
        ),
    ),
    "invite": (
        "families.edit",
        "org",
        lambda s, a, o: family_edits.invite(
            _everything(s, a, o), FAMILY[o], "New", "Guardian", f"invited{o}@example.test"
        ),
    ),
    "undo": ("families.edit", "org", _undo),
    "remove-login": (
        "families.edit",
        "org",
        lambda s, a, o: family_edits.remove_login(_everything(s, a, o), SECONDARY[o]),
    ),
    "purge": ("admin", "org", lambda s, a, o: purge(_in_view(s, a, o), 0)),
    "apply": (
        "families.merge families.delete",
        "org",
        lambda s, a, o: apply_plan(_in_view(s, a, o)),
    ),
    "import": ("admin", "org", _import_own_org),
    "grant": (
        "admin",
        "global",
        lambda s, a, o: grant(_everything(s, a, o), "Front Desk", "families.merge"),
    ),
    "demo": ("admin", "global", lambda s, a, o: rebuild_store(_everything(s, a, o), None)),
}
"""name → (permissions it needs, how far it reaches, what it runs). "org": the target
organization must be the member's own (or they are global); "global": only a member of
no organization."""


def allowed(role: Role, command: str, org: int) -> bool:
    needs, reach, _ = COMMANDS[command]
    if not set(needs.split()) <= role.permissions:
        return False
    if reach == "global":
        return role.org_id is None
    return role.org_id in (None, org)


CASES = [
    pytest.param(command, role, org, id=f"{command}-{role}-org{org}")
    for command in COMMANDS
    for role in ROLES
    for org in (1, 2)
]


def _setup_entries(store: Store) -> dict[int, int]:
    """Audit entries for the undo cases: an email change in each organization, made by
    the global Admin when the store was set up."""
    a = schema.audit_log
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(a.c.audit_id, a.c.org_id).where(a.c.action == "change_email")
        ).all()
    return {r.org_id: r.audit_id for r in rows}


def _prepare(store: Store) -> Store:
    admin = Context.acting(store, member(store, 1))
    for org, guardian in UNDONE.items():
        family_edits.change_email(admin, guardian, f"changed{org}@example.test")
    return store


SERVER = os.environ.get("FAMTRIAGE_TEST_PG_URL")


class _Postgres:
    """One template database holding the prepared sample; each store is a copy of it."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.admin = create_engine(server, isolation_level="AUTOCOMMIT")
        self.template = f"famtriage_tmpl_{uuid.uuid4().hex[:10]}"
        self.made: list[str] = []
        store = self._create(self.template, None)
        import_export(store, config.SAMPLE_DATA)
        _prepare(store)
        store.engine.dispose()

    def _create(self, name: str, template: str | None) -> Store:
        with self.admin.connect() as conn:
            source = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{source}'))
        self.made.append(name)
        url = make_url(self.server).set(database=name)
        return Store.open(url.render_as_string(hide_password=False))

    def copy(self) -> Store:
        return self._create(f"famtriage_{uuid.uuid4().hex[:12]}", self.template)

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.made):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, _sample_template: Path, tmp_path_factory):
    """A way to get a fresh prepared store on each backend."""
    if request.param == "postgres":
        if not SERVER:
            pytest.skip("no PostgreSQL server (FAMTRIAGE_TEST_PG_URL)")
        pg = _Postgres(SERVER)
        yield pg.copy
        pg.close()
        return
    folder = tmp_path_factory.mktemp("matrix")
    template = folder / "prepared.db"
    template.write_bytes(_sample_template.read_bytes())
    prepared = _prepare(Store.open(template))
    prepared.engine.dispose()

    def copy() -> Store:
        path = folder / f"{uuid.uuid4().hex}.db"
        path.write_bytes(template.read_bytes())
        return Store.open(path)

    yield copy


@pytest.fixture(scope="module")
def shared(backend) -> Iterator[Store]:
    """One store for every refused case: nothing may change it."""
    store = backend()
    yield store
    store.engine.dispose()


@pytest.mark.parametrize(("command", "role", "org"), CASES)
def test_matrix(backend, shared, tmp_path, command: str, role: str, org: int) -> None:
    run = COMMANDS[command][2]
    if allowed(ROLES[role], command, org):
        store = backend()
        run(store, member(store, ROLES[role].staff_id), org)
        store.engine.dispose()
        return
    before = dump(shared)
    with pytest.raises((PermissionDenied, NotFound)):
        run(shared, member(shared, ROLES[role].staff_id), org)
    assert dump(shared) == before


@pytest.mark.parametrize("role", list(ROLES))
def test_exports_follow_the_report_permission(backend, shared, tmp_path, role: str) -> None:
    for org in (1, 2):
        if allowed(ROLES[role], "report", org):
            _export(shared, member(shared, ROLES[role].staff_id), org, tmp_path)
        else:
            with pytest.raises((PermissionDenied, NotFound)):
                _export(shared, member(shared, ROLES[role].staff_id), org, tmp_path)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in tmp_path.iterdir())


def test_the_matrix_covers_refusals_and_permissions() -> None:
    """Not a tautology: every role is refused something and allowed something."""
    for name, role in ROLES.items():
        outcomes = {allowed(role, c, o) for c in COMMANDS for o in (1, 2)}
        assert outcomes == {True, False} or name == "admin"
    assert all(allowed(ROLES["admin"], c, o) for c in COMMANDS for o in (1, 2))
