"""PostgreSQL keeps organizations apart itself (row-level security), and famtriage works
for each engineer's role under it. Skipped without FAMTRIAGE_TEST_PG_URL.

One template database per module, owned by a login role that is no superuser (so the
policies bind it too), holds the sample store with its staff mapped to login roles: the
owner to the global Admin, one more global Admin, org 1's Account Owner and Front Desk,
org 2's Support Lead; another member of `famtriage_engineer` is mapped to no one, and an
outsider is not even a member. Plain psycopg connections prove what each role can read
and write whatever client it uses; `famtriage.tui.cli.main.main` proves what famtriage
does for each, who acts established by the role in `--db`, never typed.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest
from actions_support import dump
from psycopg import errors, sql
from sqlalchemy.engine import URL, make_url
from test_scope import _org_export

from famtriage.core.errors import InputError, PermissionDenied
from famtriage.core.report import snapshot
from famtriage.core.source.importer import import_export
from famtriage.core.source.reader import read_export
from famtriage.core.store import config, row_security, schema
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main

SERVER = os.environ.get("FAMTRIAGE_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not SERVER, reason="no PostgreSQL server (FAMTRIAGE_TEST_PG_URL)")

GROUP = row_security.GROUP

STAFF = {  # our role (by its suffix) -> the staff member it is mapped to
    "owner": "admin@famtriage.test",  # #1, global Admin: the owner maps itself first
    "global": "global@famtriage.test",  # #5, global Admin, added to the sample below
    "org1": "owner@riverside.test",  # #2, Account Owner of organization 1
    "desk": "desk@riverside.test",  # #3, Front Desk of organization 1
    "org2": "support@northside.test",  # #4, Support Lead of organization 2
}
ENGINEERS = ("global", "org1", "desk", "org2", "nobody")
"""Members of famtriage_engineer ("outsider" is not one; "owner" owns the store)."""

ORG_OF = {
    "orgs": "SELECT org_id, org_id FROM orgs",
    "families": "SELECT family_id, org_id FROM families",
    "guardians": "SELECT guardian_id, f.org_id FROM guardians JOIN families f USING (family_id)",
    "students": "SELECT student_id, f.org_id FROM students JOIN families f USING (family_id)",
    "payments": "SELECT payment_id, f.org_id FROM payments JOIN families f USING (family_id)",
    "policies": "SELECT policy_id, f.org_id FROM policies JOIN families f USING (family_id)",
    "activity": "SELECT activity_id, f.org_id FROM activity JOIN families f USING (family_id)",
    "enrollments": "SELECT enrollment_id, f.org_id FROM enrollments "
    "JOIN students s USING (student_id) JOIN families f ON f.family_id = s.family_id",
    "staff": "SELECT staff_id, org_id FROM staff",
    "audit_log": "SELECT audit_id, org_id FROM audit_log",
}
"""Each organization's table: its rows' keys and the organization each belongs to."""

INTRUSIONS = {
    "orgs": "INSERT INTO orgs (org_id, name) VALUES (3, 'Mine now')",
    "families": "INSERT INTO families (family_id, org_id, status) VALUES (9001, 2, 'active')",
    "guardians": "INSERT INTO guardians (guardian_id, family_id, is_primary) "
    "VALUES (9001, 2001, false)",
    "students": "INSERT INTO students (student_id, family_id) VALUES (9001, 2001)",
    "payments": "INSERT INTO payments (payment_id, family_id, amount_cents) "
    "VALUES (9001, 2001, 100)",
    "policies": "INSERT INTO policies (policy_id, family_id) VALUES (9001, 2001)",
    "activity": "INSERT INTO activity (activity_id, family_id, at) VALUES (9001, 2001, now())",
    "enrollments": "INSERT INTO enrollments (enrollment_id, student_id) "
    "SELECT 9001, min(student_id) FROM students",  # a student of its own: allowed
    "staff": "INSERT INTO staff (staff_id, org_id, email, user_group) "
    "VALUES (9001, 2, 'mole@x.test', 'Admin')",
    "audit_log": "INSERT INTO audit_log (at, staff_id, action, org_id) "
    "VALUES (now(), 2, 'forged', 2)",
    "store-wide audit": "INSERT INTO audit_log (at, staff_id, action) VALUES (now(), 2, 'forged')",
    "global staff": "INSERT INTO staff (staff_id, email, user_group) "
    "VALUES (9002, 'mole2@x.test', 'Admin')",
    "user_groups": "INSERT INTO user_groups (user_group, permissions) VALUES ('Moles', 'admin')",
    "moving a guardian": "UPDATE guardians SET family_id = 2001 WHERE family_id = 1001",
    "moving a family": "UPDATE families SET org_id = 2 WHERE family_id = 1001",
}
"""Writes an organization-1 role must not make, whatever client sends them."""


class Team:
    """Our roles, the prepared template database, and copies of it."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.tag = f"ft{uuid.uuid4().hex[:8]}"
        self.roles = {name: f"{self.tag}_{name}" for name in (*STAFF, "nobody", "outsider")}
        self.databases: list[str] = []
        self.superuser(
            sql.SQL("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {}) THEN "
                    "CREATE ROLE {} NOLOGIN; END IF; END $$").format(
                sql.Literal(GROUP), sql.Identifier(GROUP)
            )
        )  # fmt: skip
        for name, role in self.roles.items():
            member = sql.SQL(" IN ROLE {}").format(sql.Identifier(GROUP))
            self.superuser(
                sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role))
                + (member if name in ENGINEERS else sql.SQL(""))
            )
        self.template = self.create_db()
        self._prepare(self.template)

    def superuser(self, statement: sql.Composable) -> None:
        with psycopg.connect(self.conninfo(None, None), autocommit=True) as conn:
            conn.execute(statement)

    def create_db(self, template: str | None = None) -> str:
        name = f"{self.tag}_{uuid.uuid4().hex[:8]}"
        statement = sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(name), sql.Identifier(self.roles["owner"])
        )
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self.superuser(statement)
        self.databases.append(name)
        return name

    def url(self, role: str | None, database: str | None) -> str:
        """A SQLAlchemy URL connecting as our `role` (None: the server's superuser)."""
        url = make_url(self.server)
        if database is not None:
            url = url.set(database=database)
        if role is not None:
            url = url.set(username=self.roles[role], password=None)
        return url.render_as_string(hide_password=False)

    def conninfo(self, role: str | None, database: str | None) -> str:
        return self.url(role, database).replace("postgresql+psycopg://", "postgresql://", 1)

    def connect(self, role: str, database: str) -> psycopg.Connection[Any]:
        return psycopg.connect(self.conninfo(role, database))

    def run(self, role: str, database: str, *argv: str) -> int:
        return main(["--db", self.url(role, database), *argv])

    def _prepare(self, database: str) -> None:
        """The sample store, created by its owner; the staff mapped; one email changed in
        each organization (so both have audit entries)."""
        store = Store.open(self.url("owner", database))
        import_export(store, config.SAMPLE_DATA)
        with store.engine.begin() as conn:
            conn.execute(
                schema.staff.insert().values(
                    staff_id=5, name="Gil Global", email=STAFF["global"], user_group="Admin"
                )
            )
        store.engine.dispose()
        for name, email in STAFF.items():
            role = self.roles[name]
            assert self.run("owner", database, "map", email, "--db-role", role) == 0
        for guardian, org in ((5008, 1), (5036, 2)):
            email = f"changed{org}@example.test"
            assert self.run("owner", database, "change-email", str(guardian), email, "--yes") == 0

    def copy(self) -> str:
        self.disconnect(self.template)  # what the CLI's engines left open
        return self.create_db(self.template)

    def disconnect(self, database: str) -> None:
        self.superuser(
            sql.SQL(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = {} AND pid <> pg_backend_pid()"
            ).format(sql.Literal(database))
        )

    def dump(self, database: str) -> dict[str, list[tuple]]:
        """Every row of every data table and of the audit log, as the superuser sees it."""
        store = Store.open(self.url(None, database))
        try:
            rows = dump(store)
            with store.engine.connect() as conn:
                audit = conn.execute(schema.audit_log.select().order_by("audit_id")).all()
            return {**rows, "audit_log": [tuple(r) for r in audit]}
        finally:
            store.engine.dispose()

    def keys(self, database: str) -> dict[str, dict[int | None, list[int]]]:
        """Each table's keys by organization, as the superuser sees them."""
        out: dict[str, dict[int | None, list[int]]] = {}
        with psycopg.connect(self.conninfo(None, database)) as conn:
            for table, query in ORG_OF.items():
                by_org: dict[int | None, list[int]] = {}
                for key, org in conn.execute(sql.SQL(query)):  # type: ignore[arg-type]
                    by_org.setdefault(org, []).append(key)
                out[table] = by_org
        return out

    def close(self) -> None:
        for name in reversed(self.databases):
            self.superuser(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        for role in self.roles.values():
            self.superuser(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture(scope="module")
def team() -> Iterator[Team]:
    made = Team(SERVER or "")
    yield made
    made.close()


@pytest.fixture(scope="module")
def shared(team: Team) -> str:
    """One copy for every case that must leave it as it was."""
    return team.copy()


def _key(table: str) -> sql.Identifier:
    """The table's key column (the first one `ORG_OF` selects)."""
    return sql.Identifier(ORG_OF[table].removeprefix("SELECT ").split(",")[0])


def _count(conn: psycopg.Connection[Any], table: str, keys: list[int]) -> int:
    query = sql.SQL("SELECT count(*) FROM {} WHERE {} = ANY(%s)").format(
        sql.Identifier(table), _key(table)
    )
    row = conn.execute(query, (keys,)).fetchone()
    assert row is not None
    return int(row[0])


def _touch(conn: psycopg.Connection[Any], verb: str, table: str, keys: list[int]) -> int:
    """UPDATE (to the same value) or DELETE the rows with these keys; how many it hit."""
    key = _key(table)
    target = sql.Identifier(table)
    if verb == "update":
        query = sql.SQL("UPDATE {} SET {} = {} WHERE {} = ANY(%s)").format(target, key, key, key)
    else:
        query = sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(target, key)
    return conn.execute(query, (keys,)).rowcount


def test_an_org_role_reads_and_writes_only_its_organization(team: Team, shared: str) -> None:
    keys, before = team.keys(shared), team.dump(shared)
    with team.connect("org1", shared) as conn:
        for table, by_org in keys.items():
            theirs, mine = by_org.get(2, []), by_org.get(1, [])
            assert theirs and mine, table
            assert _count(conn, table, theirs) == 0, table
            assert _count(conn, table, mine) == len(mine), table
            with conn.transaction(force_rollback=True):
                assert _touch(conn, "update", table, theirs) == 0, table
                assert _touch(conn, "delete", table, theirs) == 0, table
                assert _touch(conn, "update", table, mine) == len(mine), table
        for table in ("staff", "audit_log"):  # global staff yes, store-wide entries no
            assert _count(conn, table, keys[table][None]) == (
                len(keys[table][None]) if table == "staff" else 0
            )
        assert conn.execute("SELECT count(*) FROM user_groups").fetchone() == (2,)
        for what, statement in INTRUSIONS.items():
            if what == "enrollments":
                with conn.transaction(force_rollback=True):
                    assert conn.execute(statement).rowcount == 1  # its own student: allowed
                statement = statement.replace("min(student_id) FROM students", "%s")
                statement = statement.replace("SELECT 9001, %s", "VALUES (9001, %s)")
                with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                    conn.execute(statement, (keys["students"][2][0],))  # type: ignore[arg-type]
                continue
            with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)  # type: ignore[arg-type]
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute("TRUNCATE families CASCADE")  # would skip the policies: no right
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute("ALTER TABLE families DISABLE ROW LEVEL SECURITY")
        assert conn.execute("SELECT famtriage_visible_orgs()").fetchone() == ([1],)
        conn.execute(f"SET {row_security.LOOKUP} = 'on'")  # what the function's own read
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(GROUP)))  # sets: no help
        assert _count(conn, "staff", keys["staff"][2]) == 0
        assert _count(conn, "families", keys["families"][2]) == 0
    assert team.dump(shared) == before


def test_an_unmapped_role_sees_nothing_and_is_told_how_to_get_mapped(
    team: Team, shared: str, capsys
) -> None:
    with team.connect("nobody", shared) as conn:
        for table in (*ORG_OF, "user_groups"):
            found = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            assert found.fetchone() == (0,), table
        assert conn.execute("SELECT famtriage_visible_orgs()").fetchone() == ([],)
    assert team.run("nobody", shared, "report") == 1
    err = capsys.readouterr().err
    assert f"database role {team.roles['nobody']} is mapped to no staff member" in err
    assert f"famtriage map STAFF_EMAIL --db-role {team.roles['nobody']}`" in err
    assert team.run("outsider", shared, "whoami") == 1
    err = capsys.readouterr().err
    assert f"`GRANT {GROUP} TO {team.roles['outsider']}`" in err
    assert len(err.splitlines()) == 1


def test_the_owner_of_a_store_that_maps_no_one_acts_as_its_global_admin(team: Team, capsys) -> None:
    fresh = team.create_db()
    store = Store.open(team.url("owner", fresh))
    import_export(store, config.SAMPLE_DATA)
    store.engine.dispose()
    assert team.run("owner", fresh, "whoami", "--json") == 0
    me = json.loads(capsys.readouterr().out)
    assert (me["user_group"], me["org_id"], me["single_user"]) == ("Admin", None, True)
    with team.connect("owner", fresh) as conn:
        assert conn.execute("SELECT famtriage_visible_orgs()").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM orgs").fetchone() == (2,)
    with team.connect("org1", fresh) as conn:  # an engineer, but nobody is mapped yet
        assert conn.execute("SELECT count(*) FROM families").fetchone() == (0,)
    assert team.run("org1", fresh, "whoami") == 1
    err = capsys.readouterr().err
    assert "this store maps no one to its staff, so only its owner" in err
    assert f"(database role {team.roles['owner']})" in err
    assert team.run("org1", fresh, "map", STAFF["org1"], "--db-role", team.roles["org1"]) == 1
    capsys.readouterr()
    assert team.run("owner", fresh, "upgrade") == 0  # re-applies policies and grants
    assert "row-level security and the famtriage_engineer grants are in place" in (
        capsys.readouterr().err
    )
    assert team.run("org1", fresh, "upgrade") == 1
    assert "who owns the schema, may upgrade it" in capsys.readouterr().err


def test_as_is_a_global_admins_impersonation_only_and_refusals_are_audited(
    team: Team, capsys
) -> None:
    db = team.copy()
    for role in ("org1", "desk"):
        assert team.run(role, db, "--as", STAFF["owner"], "report") == 1
        assert "only a global Admin may use --as" in capsys.readouterr().err
    refused = [
        (row[2], row[4])  # staff_id, org_id
        for row in team.dump(db)["audit_log"]
        if row[3] == "impersonate_refused"
    ]
    assert refused == [(2, 1), (3, 1)]
    assert team.run("global", db, "--as", STAFF["desk"], "whoami", "--json") == 0
    me = json.loads(capsys.readouterr().out)
    assert me["email"] == STAFF["desk"] and me["acting_for"].startswith("Gil Global")
    assert me["account"] == team.roles["global"]


REFUSED = [  # role, argv, exit code, part of the message
    ("desk", ("report",), 1, "lacks the permission 'reports.fam12'"),
    ("org1", ("family", "2001"), 2, "no family with id 2001"),
    ("org1", ("--org", "2", "report"), 2, "no organization with id 2"),
    ("org1", ("merge", "2001", "2002", "--yes"), 2, "no family with id 2001"),
    ("org1", ("delete", "2011", "--yes"), 2, "no family with id 2011"),
    ("desk", ("merge", "1001", "1002", "--yes"), 1, "lacks the permission 'families.merge'"),
    ("org2", ("delete", "2011", "--yes"), 1, "lacks the permission 'families.delete'"),
    ("org1", ("grant", "Front Desk", "families.merge"), 1, "only a global Admin"),
    ("org1", ("demo", "--yes"), 1, "only a global Admin"),
    ("org2", ("demo", "--yes"), 1, "lacks the permission 'admin'"),
    ("org1", ("import", "ORG2", "--replace", "--yes"), 1, "may import only organization 1"),
    (
        "org1",
        ("import", "CLASH", "--replace", "--yes"),
        2,
        "one of the family_id values written is already used",
    ),
    ("nobody", ("search", "jane.doe@example.com"), 1, "is mapped to no staff member"),
]


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, str]:
    """Exports to import: org 2's own, and org 1's with a family whose id org 2 uses."""
    folder = tmp_path_factory.mktemp("exports")
    families = read_export(config.SAMPLE_DATA)["families"]
    clash = families.filter(pl.col("org_id") == 1).vstack(
        families.filter(pl.col("family_id") == 2001).with_columns(
            pl.lit(1, pl.Int64).alias("org_id")
        )
    )
    return {
        "ORG1": str(_org_export(folder / "org1", 1)),
        "ORG2": str(_org_export(folder / "org2", 2)),
        "CLASH": str(_org_export(folder / "clash", 1, families=clash)),
    }


def test_what_each_role_is_refused_leaves_the_store_as_it_was(
    team: Team, shared: str, exports: dict[str, str], capsys
) -> None:
    before = team.dump(shared)
    for role, argv, code, message in REFUSED:
        args = [exports.get(a, a) for a in argv]
        assert team.run(role, shared, *args) == code, (role, argv)
        err = capsys.readouterr().err
        assert message in err and len(err.splitlines()) == 1, (role, argv, err)
    assert team.dump(shared) == before


def test_each_role_reads_its_organization_through_famtriage(
    team: Team, shared: str, capsys
) -> None:
    views = {}
    for role in ("owner", "global", "org1", "org2"):
        assert team.run(role, shared, "report", "--format", "json") == 0
        groups = json.loads(capsys.readouterr().out)["groups"]
        views[role] = {f["family_id"] // 1000 for g in groups for f in g["families"]}
        assert team.run(role, shared, "search", "example", "--json") == 0
        found = json.loads(capsys.readouterr().out)["families"]
        views[role + " search"] = {f["org_id"] for f in found}
    assert views["owner"] == views["global"] == {1, 2} == views["owner search"]
    assert views["org1"] == {1} == views["org1 search"]
    assert views["org2"] == {2} == views["org2 search"]
    assert team.run("desk", shared, "family", "1001", "--json") == 0
    assert json.loads(capsys.readouterr().out)["family_id"] == 1001


def test_a_write_the_policies_refuse_is_one_line(team: Team, shared: str) -> None:
    store = Store.open(team.url("org1", shared))
    row = {"family_id": 9001, "org_id": 2, "status": "active"}
    refused = r"^families: the database refused the write"
    with pytest.raises(PermissionDenied, match=refused), store.write() as conn:
        conn.execute(schema.families.insert().values(row))
    clash = {**row, "family_id": 2001, "org_id": 1}
    taken = r"^families: one of the family_id values written is already used"
    with pytest.raises(InputError, match=taken), store.write() as conn:
        conn.execute(schema.families.insert().values(clash))
    store.engine.dispose()


def test_an_org_role_resolves_imports_and_undoes_in_its_organization(
    team: Team, exports: dict[str, str], capsys
) -> None:
    db = team.copy()
    keys, before = team.keys(db), team.dump(db)
    assert team.run("org1", db, "merge", "1001", "1002", "--yes") == 0
    assert team.run("org1", db, "delete", "1003", "--yes") == 0
    capsys.readouterr()
    assert team.run("org1", db, "audit", "--json") == 0
    entries = json.loads(capsys.readouterr().out)["entries"]
    assert {e["org_id"] for e in entries} == {1}
    merged = next(e["audit_id"] for e in entries if e["action"] == "merge")
    assert team.run("org1", db, "undo", str(merged), "--yes") == 0
    assert team.run("org1", db, "purge", "--older-than", "0", "--yes") == 0
    assert [r[4] for r in team.dump(db)["audit_log"] if r[3] == "purge"] == [1]
    assert team.run("org1", db, "import", exports["ORG1"], "--replace", "--yes") == 0
    after = team.dump(db)
    for table in ORG_OF:  # organization 2's rows are exactly as they were
        if table != "audit_log":
            theirs = set(keys[table].get(2, []))
            assert [r for r in after[table] if r[0] in theirs] == [
                r for r in before[table] if r[0] in theirs
            ], table
    assert team.run("org2", db, "merge", "2001", "2002", "--yes") == 0
    assert team.run("global", db, "grant", "Front Desk", "families.merge") == 0
    assert team.run("desk", db, "merge", "1001", "1002", "--yes") == 0  # granted now


def test_a_global_admin_who_does_not_own_the_store_rebuilds_it(team: Team, capsys) -> None:
    db = team.copy()
    assert team.run("global", db, "demo", "--yes") == 0
    capsys.readouterr()
    assert team.run("global", db, "whoami", "--json") == 0  # the mapping survived
    assert json.loads(capsys.readouterr().out)["email"] == STAFF["global"]
    assert team.run("org1", db, "report", "--format", "json") == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    assert groups and {f["family_id"] // 1000 for g in groups for f in g["families"]} == {1}


def test_the_snapshot_of_one_role_is_never_another_roles(
    team: Team, shared: str, monkeypatch, capsys
) -> None:
    """Same URL, two roles (libpq's PGUSER): two snapshots, each its role's rows."""
    url = make_url(team.url(None, shared))
    plain = URL.create(url.drivername, host=url.host, port=url.port, database=shared)
    plain = plain.render_as_string(hide_password=False)
    folders = set()
    for role, org in (("org1", 1), ("org2", 2), ("org1", 1)):
        monkeypatch.setenv("PGUSER", team.roles[role])
        assert main(["--db", plain, "report", "--format", "json"]) == 0
        groups = json.loads(capsys.readouterr().out)["groups"]
        assert {f["family_id"] // 1000 for g in groups for f in g["families"]} == {org}
        store = Store.open(plain)
        folders.add(snapshot.cache_dir(store))
        store.engine.dispose()
    assert len(folders) == 2 and all(Path(f).is_dir() for f in folders)


def _access(database: str, team: Team) -> dict[str, Any]:
    """What row security and grants a database has, as the catalogs say."""
    with psycopg.connect(team.conninfo(None, database)) as conn:
        return {
            "policies": conn.execute(
                "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies ORDER BY 1, 2"
            ).fetchall(),
            "forced": conn.execute(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND relkind = 'r' ORDER BY 1"
            ).fetchall(),
            "grants": conn.execute(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = %s ORDER BY 1, 2",
                (GROUP,),
            ).fetchall(),
            "functions": conn.execute(
                "SELECT proname, prosecdef, proconfig, pg_get_userbyid(proowner) FROM pg_proc "
                "WHERE proname = ANY(%s) ORDER BY 1",
                ([row_security.FUNCTION, row_security.MAPPED_FUNCTION],),
            ).fetchall(),
        }


def test_a_new_store_gets_what_an_upgraded_one_does(team: Team, capsys) -> None:
    from alembic import command

    from famtriage.core.store import upgrade

    fresh = team.create_db()
    Store.open(team.url("owner", fresh)).engine.dispose()
    created = _access(fresh, team)
    assert len(created["policies"]) == 4 * len(row_security.RULES)
    assert all(
        rls and forced for name, rls, forced in created["forced"] if name in row_security.RULES
    )
    assert ("alembic_version", "SELECT") in created["grants"]
    assert ("families", "TRUNCATE") not in created["grants"]
    assert [f[:2] for f in created["functions"]] == [
        ("famtriage_maps_roles", True),
        ("famtriage_visible_orgs", True),
    ]
    assert all(f[3] == team.roles["owner"] for f in created["functions"])
    store = Store.connect(team.url("owner", fresh))
    with store.engine.begin() as conn:
        command.downgrade(upgrade._config(conn), "0002")
    store.engine.dispose()
    assert _access(fresh, team)["policies"] == []
    assert team.run("owner", fresh, "upgrade") == 0
    assert f"from revision 0002 to {upgrade.HEAD}" in capsys.readouterr().err
    assert _access(fresh, team) == created


def test_the_owner_makes_the_group_when_it_may_and_says_what_to_do_when_not(
    team: Team, monkeypatch, capsys
) -> None:
    group = f"{team.tag}_group"
    monkeypatch.setattr(row_security, "GROUP", group)
    fresh = team.create_db()
    store = Store.open(team.url("owner", fresh))  # no CREATEROLE
    assert any(
        f"no role {group} exists and this role may not create it" in n for n in store.notices
    )
    store.engine.dispose()
    owner = sql.Identifier(team.roles["owner"])
    team.superuser(sql.SQL("ALTER ROLE {} CREATEROLE").format(owner))
    try:
        assert team.run("owner", fresh, "upgrade") == 0
        assert f"the {group} grants are in place" in capsys.readouterr().err
        with psycopg.connect(team.conninfo(None, fresh)) as conn:
            rights = conn.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = %s AND table_name = 'families' ORDER BY 1",
                (group,),
            ).fetchall()
        assert rights == [("DELETE",), ("INSERT",), ("SELECT",), ("UPDATE",)]
    finally:
        team.superuser(sql.SQL("ALTER ROLE {} NOCREATEROLE").format(owner))
        team.disconnect(fresh)
        team.superuser(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(fresh)))
        team.databases.remove(fresh)
        team.superuser(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(group)))
