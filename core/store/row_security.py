"""PostgreSQL keeps organizations apart itself: row-level security on every data table.

An old, modified or hand-written client connecting as an organization's engineer can
neither read nor change another organization's rows, whatever it sends: every data
table has one policy per command (SELECT, INSERT, UPDATE, DELETE), forced on its owner
too, and every policy asks one function which organizations the connection may see.

`famtriage_visible_orgs()` (SECURITY DEFINER, owned by the role that created the store,
`search_path` pinned) answers for `SESSION_USER`, the role the connection authenticated
as (`SET ROLE` does not change it):

- NULL, standing for every organization present and future, when the role is mapped to
  a global staff member (`staff.db_role`, `org_id` NULL), or when the store maps no role
  at all and the role owns the store's schema (a member of the role owning it: its
  single user, who acts as its global Admin);
- the one organization of the staff member it is mapped to;
- an empty array otherwise: an unmapped role sees nothing at all.

The policies: `orgs`, `families`, `staff` and `audit_log` by their `org_id` (a row of no
organization, a global staff member or a store-wide audit entry, only for global
members; every member also reads the global staff and their own row); `guardians`,
`students`, `payments`, `policies` and `activity` through their family, `enrollments`
through its student's family; `user_groups` readable by every member, written by global
members only. `meta`, `family_changes`, `generations` and `alembic_version` hold no
organization's data and have no policies.

Engineers' roles get data rights only, through the NOLOGIN group role
`famtriage_engineer` (created here when the store's owner may create roles): SELECT,
INSERT, UPDATE and DELETE on the tables (never TRUNCATE, which would skip the policies),
USAGE, SELECT and UPDATE on their sequences (an import keeps guardian ids above its own),
SELECT only on `alembic_version`; never ownership or DDL.
`install` is run by revision 0003, by the creation of a new store, and again by every
`famtriage upgrade` (so tables a later revision adds get their grants).

The function reads `staff` as the owner, and the owner is subject to the policies too
(`FORCE`), so `staff`'s read policy lets through the function's own lookup: it sets
`famtriage.scope_lookup` while it reads, and a row passes on that setting only while
the current user is the owner of `staff` (anyone may set the setting; only the owner's
code, or the owner, runs as the owner, and the owner may drop the policies anyway).
The setting is put back as it was before the function returns. (A function's own SET
clause would scope it better, but PostgreSQL 15 lets only superusers put a custom
setting there.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from famtriage.core.store.connections import driver

GROUP = "famtriage_engineer"
"""The NOLOGIN role whose members (the engineers' login roles) get the data rights."""

FUNCTION = "famtriage_visible_orgs"
MAPPED_FUNCTION = "famtriage_maps_roles"
LOOKUP = "famtriage.scope_lookup"

COMMANDS = ("select", "insert", "update", "delete")

FAMILY_CHILDREN = ("guardians", "students", "payments", "policies", "activity")

NO_ORGANIZATION = ("meta", "family_changes", "generations", "alembic_version")
"""Tables without an organization's data: no policies (a test checks every other table
of the schema has them)."""

READ_ONLY = ("alembic_version",)
"""Tables engineers may only read."""


@dataclass(frozen=True)
class Rule:
    """Who may see (USING) and write (WITH CHECK) a table's rows: SQL over its columns."""

    read: str
    write: str


_ALL = f"(SELECT {FUNCTION}()) IS NULL"
_SEEN = f"= ANY ((SELECT {FUNCTION}())::bigint[])"
_MEMBER = f"coalesce(cardinality((SELECT {FUNCTION}())) > 0, true)"


def _org(column: str) -> str:
    return f"({_ALL} OR {column} {_SEEN})"


def _through_family(table: str) -> str:
    return (
        f"({_ALL} OR EXISTS (SELECT 1 FROM families f WHERE f.family_id = {table}.family_id "
        f"AND f.org_id {_SEEN}))"
    )


_ENROLLMENT = (
    f"({_ALL} OR EXISTS (SELECT 1 FROM students s JOIN families f ON f.family_id = s.family_id "
    f"WHERE s.student_id = enrollments.student_id AND f.org_id {_SEEN}))"
)

_STAFF_LOOKUP = (
    f"current_setting('{LOOKUP}', true) = 'on' AND current_user = "
    "(SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = 'staff'::regclass)"
)
"""The function's own read of `staff` (see the module's docstring)."""

_STAFF_READ = (
    f"CASE WHEN {_STAFF_LOOKUP} THEN true "
    f"ELSE db_role = session_user OR {_org('org_id')} OR (org_id IS NULL AND {_MEMBER}) END"
)

RULES: dict[str, Rule] = {
    "orgs": Rule(_org("org_id"), _org("org_id")),
    "families": Rule(_org("org_id"), _org("org_id")),
    **{t: Rule(_through_family(t), _through_family(t)) for t in FAMILY_CHILDREN},
    "enrollments": Rule(_ENROLLMENT, _ENROLLMENT),
    "staff": Rule(_STAFF_READ, _org("org_id")),
    "audit_log": Rule(_org("org_id"), _org("org_id")),
    "user_groups": Rule(_MEMBER, _ALL),
}
"""Every table holding an organization's data (or shared by all), and its rule."""

_VISIBLE_ORGS = f"""
CREATE OR REPLACE FUNCTION {{schema}}.{FUNCTION}() RETURNS bigint[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = {{schema}}, pg_temp
AS $body$
DECLARE
    previous text := current_setting('{LOOKUP}', true);
    mapped boolean := false;
    member_org bigint;
    anyone boolean;
BEGIN
    PERFORM set_config('{LOOKUP}', 'on', true);
    SELECT true, org_id INTO mapped, member_org FROM staff WHERE db_role = session_user;
    anyone := EXISTS (SELECT 1 FROM staff WHERE db_role IS NOT NULL);
    PERFORM set_config('{LOOKUP}', coalesce(previous, ''), true);
    IF mapped THEN
        RETURN CASE WHEN member_org IS NULL THEN NULL ELSE ARRAY[member_org] END;
    END IF;
    IF NOT anyone AND pg_has_role(
        session_user,
        (SELECT nspowner FROM pg_namespace WHERE nspname = current_schema()),
        'MEMBER'
    ) THEN
        RETURN NULL;
    END IF;
    RETURN '{{{{}}}}'::bigint[];
END
$body$
"""

_MAPS_ROLES = f"""
CREATE OR REPLACE FUNCTION {{schema}}.{MAPPED_FUNCTION}() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = {{schema}}, pg_temp
AS $body$
DECLARE
    previous text := current_setting('{LOOKUP}', true);
    anyone boolean;
BEGIN
    PERFORM set_config('{LOOKUP}', 'on', true);
    anyone := EXISTS (SELECT 1 FROM staff WHERE db_role IS NOT NULL);
    PERFORM set_config('{LOOKUP}', coalesce(previous, ''), true);
    RETURN anyone;
END
$body$
"""
"""Whether the store maps any role: what tells an unmapped role (which sees no staff)
that it must be mapped, from a role refused because only the owner may act."""

_COMMENT = (
    "The organizations SESSION_USER may see: NULL for every one (a global staff member, "
    "or the owner of a store that maps no role), its one organization, or none"
)


def install(conn: Connection, tables: Iterable[str] | None = None) -> str | None:
    """Create or re-create the function, the policies of `tables` (default: every table
    in `RULES` the schema holds) and the engineers' grants, inside `conn`'s transaction.
    Return what the owner should hear (the group role is missing and could not be
    made), or None. A no-op on SQLite."""
    if conn.dialect.name != "postgresql":
        return None
    from psycopg import sql

    raw = driver(conn)
    schema = str(raw.execute("SELECT current_schema()").fetchone()[0])
    present = _tables(raw, schema)
    names = {"schema": sql.Identifier(schema)}
    for template in (_VISIBLE_ORGS, _MAPS_ROLES):
        raw.execute(sql.SQL(template).format(**names))
    raw.execute(
        sql.SQL("COMMENT ON FUNCTION {}.{}() IS {}").format(
            sql.Identifier(schema), sql.Identifier(FUNCTION), sql.Literal(_COMMENT)
        )
    )
    chosen = [t for t in (RULES if tables is None else tables) if t in present]
    for table in chosen:
        _protect(raw, schema, table, RULES[table])
    return _grant(raw, schema, present)


def _tables(raw: Any, schema: str) -> set[str]:
    rows = raw.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
        (schema,),
    ).fetchall()
    return {r[0] for r in rows}


def _protect(raw: Any, schema: str, table: str, rule: Rule) -> None:
    from psycopg import sql

    target = sql.Identifier(schema, table)
    raw.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(target))
    raw.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(target))
    for command in COMMANDS:
        name = sql.Identifier(f"famtriage_{command}")
        raw.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(name, target))
        using = sql.SQL(rule.read)
        check = sql.SQL(rule.write)
        if command == "select":
            body = sql.SQL("FOR SELECT USING ({})").format(using)
        elif command == "insert":
            body = sql.SQL("FOR INSERT WITH CHECK ({})").format(check)
        elif command == "update":
            body = sql.SQL("FOR UPDATE USING ({}) WITH CHECK ({})").format(check, check)
        else:
            body = sql.SQL("FOR DELETE USING ({})").format(check)
        raw.execute(sql.SQL("CREATE POLICY {} ON {} ").format(name, target) + body)


def _grant(raw: Any, schema: str, present: set[str]) -> str | None:
    """The group's data rights on every famtriage table the schema holds (creating the
    group if it is missing and the owner may); what to tell the owner if it cannot."""
    from psycopg import sql

    from famtriage.core.store import schema as store_schema

    if not group_exists(raw):
        if not _may_create_roles(raw):
            return (
                f"no role {GROUP} exists and this role may not create it, so no engineer "
                f"has rights on the store yet: a superuser runs `CREATE ROLE {GROUP} "
                "NOLOGIN`, then you run `famtriage --db URL upgrade` again"
            )
        raw.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(GROUP)))
    group = sql.Identifier(GROUP)
    ours = sorted((set(store_schema.metadata.tables) | set(NO_ORGANIZATION)) & present)
    for table in ours:
        rights = sql.SQL("SELECT" if table in READ_ONLY else "SELECT, INSERT, UPDATE, DELETE")
        target = sql.Identifier(schema, table)
        raw.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(target, group))
        raw.execute(sql.SQL("GRANT {} ON {} TO {}").format(rights, target, group))
    for sequence in _sequences(raw, schema, ours):
        raw.execute(
            sql.SQL("GRANT USAGE, SELECT, UPDATE ON SEQUENCE {} TO {}").format(
                sql.Identifier(schema, sequence), group
            )
        )
    usage = raw.execute("SELECT has_schema_privilege(%s, %s, 'USAGE')", (GROUP, schema))
    if not usage.fetchone()[0]:
        raw.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), group))
    return None


def _sequences(raw: Any, schema: str, tables: list[str]) -> list[str]:
    """The sequences behind the tables' serial columns (the audit log's ids)."""
    rows = raw.execute(
        "SELECT s.relname FROM pg_class s "
        "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE s.relkind = 'S' AND n.nspname = %s AND t.relname = ANY(%s)",
        (schema, tables),
    ).fetchall()
    return sorted({r[0] for r in rows})


def group_exists(raw: Any) -> bool:
    return raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (GROUP,)).fetchone() is not None


def _may_create_roles(raw: Any) -> bool:
    row = raw.execute(
        "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    return bool(row and row[0])


def remove(conn: Connection, tables: Iterable[str]) -> None:
    """Undo `install` for `tables` (revision 0003's downgrade): policies dropped, row
    security off, the functions and the group's grants gone (the group role itself,
    shared by every database of the server, is left)."""
    if conn.dialect.name != "postgresql":
        return
    from psycopg import sql

    raw = driver(conn)
    schema = str(raw.execute("SELECT current_schema()").fetchone()[0])
    present = _tables(raw, schema)
    for table in tables:
        if table not in present:
            continue
        target = sql.Identifier(schema, table)
        for command in COMMANDS:
            name = sql.Identifier(f"famtriage_{command}")
            raw.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(name, target))
        raw.execute(sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(target))
        raw.execute(sql.SQL("ALTER TABLE {} DISABLE ROW LEVEL SECURITY").format(target))
        if group_exists(raw):
            raw.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(target, sql.Identifier(GROUP)))
    for function in (FUNCTION, MAPPED_FUNCTION):
        raw.execute(
            sql.SQL("DROP FUNCTION IF EXISTS {}()").format(sql.Identifier(schema, function))
        )
