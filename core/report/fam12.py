"""FAM-12, "Family With Same Primary Emails for Login": groups and recommendations.

Everything here is vectorized polars over the `logins` and `family_stats` frames
(`core.frames`): no Python loop over families or groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from famtriage.core.emails import lookalike_expr, valid_expr
from famtriage.core.errors import InputError
from famtriage.core.report.conflicts import login_conflicts, with_other_holders
from famtriage.core.report.scopes import SCOPES

TITLE = "Family With Same Primary Emails for Login (FAM-12)"

FAMILY_COLUMNS = [
    "org_id",
    "email",
    "family_id",
    "family_name",
    "primary_guardian",
    "login_guardian",
    "raw_email",
    "created_at",
    "students",
    "enrollments",
    "payments",
    "payments_total_cents",
    "policies",
    "activity",
    "last_activity",
    "has_history",
    "email_valid",
    "role",
    "action",
    "survivor",
    "reason",
    "guardians",
]
"""One row per family in a group; `role` is survivor | merge | delete | review for a
FAM-12 group, keep | remove_login | review for another login conflict; `guardians`
lists the family's guardians holding the login."""

GROUP_COLUMNS = [
    "org_id",
    "email",
    "families",
    "with_history",
    "action",
    "survivor",
    "merge",
    "delete",
    "reason",
    "email_valid",
    "kind",
    "remove_logins",
]
"""One row per group; `kind` is fam12 (primary guardians' login) or login (any other
conflict, whose action is remove_login or review and lists `remove_logins`)."""


@dataclass(frozen=True)
class Report:
    """A FAM-12 result: what was asked, when, and the three frames it found."""

    generated_at: datetime
    scope: str
    families: pl.DataFrame
    groups: pl.DataFrame
    possible: pl.DataFrame

    @property
    def group_count(self) -> int:
        return self.groups.height


def check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise InputError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")


def narrow(logins: pl.DataFrame) -> pl.DataFrame:
    """The logins that can be in any group or look-alike set, in any scope.

    A superset, found by integer hashes over a million rows: a login whose key (or
    whose mailbox, for `+tag`/Gmail addresses) no other login in its organization
    shares can never be reported. The snapshot keeps this slice so a report reads
    thousands of rows, not millions.
    """
    return logins.filter(shared(key_hashes(logins)))


def key_hashes(logins: pl.DataFrame) -> pl.DataFrame:
    """Two integer keys per login, as `narrow` compares them: `login` for its
    organization and login key, `mailbox` for its organization and the mailbox a
    provider delivers it to (the login key itself, except for `+tag`/Gmail addresses).
    The same values in any frame of this process, so slices can be compared."""
    login = logins.select(pl.struct("org_id", "email_norm").hash()).to_series()
    tricky = logins.select(_tricky(pl.col("email_norm"))).to_series()
    mailbox = login.clone().scatter(
        tricky.arg_true(),
        logins.filter(tricky)
        .select(pl.struct("org_id", lookalike_expr(pl.col("email_norm"))).hash())
        .to_series(),
    )
    return pl.DataFrame({"login": login, "mailbox": mailbox})


def shared(keys: pl.DataFrame) -> pl.Series:
    """For each row of `keys` (`key_hashes`), whether another row has the same login or
    mailbox key: the rows `narrow` keeps."""
    return keys.select((pl.len().over("login") > 1) | (pl.len().over("mailbox") > 1)).to_series()


def _tricky(email: pl.Expr) -> pl.Expr:
    """Addresses whose mailbox may differ from the login: +tags and Gmail."""
    return (
        email.str.contains("+", literal=True)
        | email.str.ends_with("@gmail.com")
        | email.str.ends_with("@googlemail.com")
    )


def build_report(
    logins: pl.DataFrame,
    stats: pl.DataFrame,
    scope: str = "primary",
    orgs: list[int] | None = None,
    generated_at: datetime | None = None,
    narrowed: bool = False,
) -> Report:
    """Find every FAM-12 group (and the look-alikes) and recommend what to do with each."""
    check_scope(scope)
    candidates = in_scope(logins if narrowed else narrow(logins), scope, orgs)
    families, groups = in_order(*grouped(candidates, stats, scope), scope)
    return Report(
        generated_at=generated_at or datetime.now().astimezone(),
        scope=scope,
        families=families,
        groups=groups,
        possible=lookalike_sets(candidates).drop("mailbox"),
    )


def grouped(
    candidates: pl.DataFrame, stats: pl.DataFrame, scope: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The report's `families` and `groups` frames from logins in scope (`in_scope`), in
    no set order (a group's families ranked, the survivor first).

    Each group depends only on the logins with its key and on its families' history, so
    the groups of a few keys can be computed from the logins with those keys alone."""
    primary = candidates if scope == "primary" else candidates.filter(pl.col("is_primary"))
    keyed = _group_members(primary)
    ranked = _rank(keyed.join(stats.drop("org_id"), on="family_id", how="inner"))
    groups = _recommend(ranked)
    families = _roles(ranked, groups)
    if scope == "primary":
        return families, groups
    families, groups = with_other_holders(candidates, stats, families, groups)
    more_families, more_groups = login_conflicts(
        candidates, stats, groups.select("org_id", "email")
    )
    return (
        pl.concat([families, more_families.select(FAMILY_COLUMNS)]),
        pl.concat([groups, more_groups.select(GROUP_COLUMNS)]),
    )


def in_order(
    families: pl.DataFrame, groups: pl.DataFrame, scope: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The report's order: by organization and login key, a group's families as ranked;
    the readiness scope lists its FAM-12 groups before the other conflicts (what the app
    works through first)."""
    keys = ["org_id", "email"]
    if scope != "readiness":
        return families.sort(keys, maintain_order=True), groups.sort(keys, maintain_order=True)
    fam12 = groups.filter(pl.col("kind") == "fam12").select(keys)
    return (
        pl.concat(
            [
                families.join(fam12, on=keys, how="semi").sort(keys, maintain_order=True),
                families.join(fam12, on=keys, how="anti").sort(keys, maintain_order=True),
            ]
        ),
        groups.sort([pl.col("kind") != "fam12", *keys], maintain_order=True),
    )


def in_scope(logins: pl.DataFrame, scope: str, orgs: list[int] | None) -> pl.DataFrame:
    """The logins in scope (a login key at all), with an integer hash of the key."""
    frame = logins.lazy().filter(pl.col("email_norm").is_not_null())
    if scope == "primary":
        frame = frame.filter(pl.col("is_primary"))
    if orgs is not None:
        frame = frame.filter(pl.col("org_id").is_in(orgs))
    return frame.with_columns(pl.col("email_norm").hash().alias("_hash")).collect()


def _one_per_family(rows: pl.DataFrame) -> pl.DataFrame:
    """Keep one login per family and key (the primary, else the lowest guardian id)."""
    name = pl.concat_str(
        [pl.col("first_name").fill_null(""), pl.col("last_name").fill_null("")], separator=" "
    ).str.strip_chars()
    return (
        rows.sort("is_primary", "guardian_id", descending=[True, False])
        .unique(["org_id", "email_norm", "family_id"], keep="first", maintain_order=True)
        .select(
            "org_id",
            "family_id",
            pl.col("email_norm").alias("email"),
            pl.col("email").alias("raw_email"),
            name.alias("login_guardian"),
            pl.concat_list(pl.col("guardian_id")).alias("guardians"),
            pl.col("first_name")
            .fill_null("")
            .str.strip_chars()
            .str.to_lowercase()
            .alias("first_key"),
        )
    )


def _group_members(candidates: pl.DataFrame) -> pl.DataFrame:
    """Rows whose (organization, login key) is held by two or more families.

    A cheap pass over integer hashes narrows a million logins to the few that may share
    a key; the exact test on the strings then runs on those few only.
    """
    maybe = candidates.filter(pl.len().over("org_id", "_hash") >= 2)
    rows = _one_per_family(maybe)
    return rows.filter(pl.len().over("org_id", "email") >= 2)


def _rank(rows: pl.DataFrame) -> pl.DataFrame:
    """Order each group: most history, then oldest, then lowest id (the survivor first)."""
    history = pl.sum_horizontal("enrollments", "payments", "policies", "activity")
    return (
        rows.with_columns(
            (history > 0).alias("has_history"),
            history.alias("_history"),
            valid_expr(pl.col("email")).alias("email_valid"),
        )
        .sort(
            ["org_id", "email", "_history", "created_at", "family_id"],
            descending=[False, False, True, False, False],
            nulls_last=True,
        )
        .with_columns(pl.int_range(pl.len()).over("org_id", "email").alias("_rank"))
    )


def _names_differ(families: pl.DataFrame) -> pl.DataFrame:
    """Groups whose login holders are clearly different people.

    Two first names clearly differ when both are known and neither starts the other
    ("Jen" and "Jennifer" may be one person; "John" and "Mary" are not).
    """
    named = (
        families.filter(pl.col("first_key") != "").select("org_id", "email", "first_key").unique()
    )
    pairs = named.join(named, on=["org_id", "email"], suffix="_b").filter(
        (pl.col("first_key") < pl.col("first_key_b"))
        & ~pl.col("first_key").str.starts_with(pl.col("first_key_b"))
        & ~pl.col("first_key_b").str.starts_with(pl.col("first_key"))
    )
    return pairs.select("org_id", "email").unique().with_columns(pl.lit(True).alias("differ"))


def _id_list(ids: pl.Expr) -> pl.Expr:
    """A list column of ids as "#1, #2"."""
    return ids.list.eval(pl.lit("#") + pl.element().cast(pl.String)).list.join(", ")


def _recommend(families: pl.DataFrame) -> pl.DataFrame:
    survivor = pl.col("family_id").filter(pl.col("_rank") == 0).first()
    others = pl.col("_rank") > 0
    groups = (
        families.group_by("org_id", "email", maintain_order=True)
        .agg(
            pl.len().alias("families"),
            pl.col("has_history").sum().alias("with_history"),
            survivor.alias("survivor"),
            pl.col("family_id").filter(others & pl.col("has_history")).alias("merge"),
            pl.col("family_id").filter(others & ~pl.col("has_history")).alias("delete"),
            pl.col("login_guardian").unique(maintain_order=True).str.join(", ").alias("_names"),
            pl.col("email_valid").first().alias("email_valid"),
        )
        .join(_names_differ(families), on=["org_id", "email"], how="left")
    )
    review = pl.col("differ").fill_null(False)
    action = (
        pl.when(review)
        .then(pl.lit("review"))
        .when(pl.col("with_history") >= 2)
        .then(pl.lit("merge"))
        .otherwise(pl.lit("delete"))
    )
    sid = "#" + pl.col("survivor").cast(pl.String)
    deletes = _id_list(pl.col("delete"))
    which = pl.when(pl.col("delete").list.len() == 1).then(pl.lit("has")).otherwise(pl.lit("have"))
    delete_tail = (
        pl.when(pl.col("delete").list.len() > 0)
        .then(pl.format("; delete {}, which {} no history", deletes, which))
        .otherwise(pl.lit(""))
    )
    reason = (
        pl.when(review)
        .then(
            pl.format(
                "The primary guardians' names differ ({}): likely different people sharing an "
                "inbox, so change one email instead of merging.",
                pl.col("_names"),
            )
        )
        .when(pl.col("with_history") >= 2)
        .then(
            pl.format(
                "{} families have history: merge {} into {} (most history, then oldest){}.",
                pl.col("with_history"),
                _id_list(pl.col("merge")),
                sid,
                delete_tail,
            )
        )
        .when(pl.col("with_history") == 1)
        .then(
            pl.format(
                "Only {} has history: keep it and delete {}, which {} none.", sid, deletes, which
            )
        )
        .otherwise(
            pl.format("No family has history: keep the oldest, {}, and delete {}.", sid, deletes)
        )
    )
    empty = pl.lit([], dtype=pl.List(pl.Int64))
    return (
        groups.with_columns(action.alias("action"), reason.alias("reason"))
        .with_columns(
            pl.when(review).then(None).otherwise(pl.col("survivor")).alias("survivor"),
            pl.when(review).then(empty).otherwise(pl.col("merge")).alias("merge"),
            pl.when(review).then(empty).otherwise(pl.col("delete")).alias("delete"),
        )
        .with_columns(pl.lit("fam12").alias("kind"), empty.alias("remove_logins"))
        .select(GROUP_COLUMNS)
    )


def _roles(families: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    joined = families.join(
        groups.select("org_id", "email", "action", "survivor", "reason"),
        on=["org_id", "email"],
        how="left",
    )
    role = (
        pl.when(pl.col("action") == "review")
        .then(pl.lit("review"))
        .when(pl.col("_rank") == 0)
        .then(pl.lit("survivor"))
        .when(pl.col("has_history"))
        .then(pl.lit("merge"))
        .otherwise(pl.lit("delete"))
    )
    return joined.with_columns(role.alias("role")).select(FAMILY_COLUMNS)


def lookalike_sets(candidates: pl.DataFrame) -> pl.DataFrame:
    """Different logins a provider delivers to one mailbox: shown, never merged. One row
    per (organization, `mailbox`), sorted by both; a set depends only on the logins
    delivered to its mailbox.

    Only an address with a `+` or at Gmail can differ from its mailbox; the plain
    addresses are then joined in by exact key, so the regexes run on a small slice.
    """
    tricky = candidates.filter(_tricky(pl.col("email_norm"))).with_columns(
        lookalike_expr(pl.col("email_norm")).alias("_key")
    )
    keys = tricky.select("_key").unique()
    plain = candidates.join(keys, left_on="email_norm", right_on="_key", how="semi").with_columns(
        pl.col("email_norm").alias("_key")
    )
    found = (
        pl.concat([tricky, plain])
        .filter(pl.len().over("org_id", pl.col("_key").hash()) >= 2)
        .group_by("org_id", "_key")
        .agg(
            pl.col("email_norm").n_unique().alias("_logins"),
            pl.col("family_id").unique().sort().alias("families"),
            pl.col("email").unique().sort().alias("emails"),
            pl.col("_key").first().str.ends_with("@gmail.com").alias("_gmail"),
        )
        .filter((pl.col("_logins") >= 2) & (pl.col("families").list.len() >= 2))
    )
    why = (
        pl.when(pl.col("_gmail"))
        .then(
            pl.lit(
                "Gmail ignores dots and +tags: these addresses reach one mailbox, "
                "but each is its own login."
            )
        )
        .otherwise(pl.lit("A +tag reaches the same mailbox, but each address is its own login."))
    )
    return (
        found.with_columns(why.alias("why"))
        .sort("org_id", "_key")
        .select("org_id", "families", "emails", "why", pl.col("_key").alias("mailbox"))
    )
