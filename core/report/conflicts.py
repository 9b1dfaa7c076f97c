"""Login conflicts beyond FAM-12: what else keeps an organization from being login-ready.

Multiple Logins needs every login email to belong to one guardian. FAM-12 covers two
families' primary guardians sharing one; this module covers the rest: a secondary
guardian's login that another family's guardian also holds, and one login on two
guardians of the same family (after a merge of "Maria" and "María", say). A conflict
that involves a secondary guardian's login never leads to a merge or a delete: the
recommendation is to remove that secondary login (the guardian and their family stay;
the primary can invite them again with their own address), or a review when the names
say it may be one person with two families. Vectorized polars, like `fam12`.
"""

from __future__ import annotations

import polars as pl

from famtriage.core.emails import valid_expr

REMOVE = "remove_login"
REVIEW = "review"


def _holders(candidates: pl.DataFrame) -> pl.DataFrame:
    """Every guardian holding a login some other guardian of its organization holds,
    with the guardian that keeps it first (a primary's, else the lowest guardian id)."""
    name = pl.concat_str(
        [pl.col("first_name").fill_null(""), pl.col("last_name").fill_null("")], separator=" "
    ).str.strip_chars()
    return (
        candidates.filter(pl.len().over("org_id", "email_norm") >= 2)
        .sort(
            ["org_id", "email_norm", "is_primary", "guardian_id"],
            descending=[False, False, True, False],
        )
        .with_columns(
            name.alias("login_guardian"),
            pl.col("first_name").fill_null("").str.strip_chars().str.to_lowercase().alias("_first"),
            (pl.int_range(pl.len()).over("org_id", "email_norm") == 0).alias("_keeps"),
        )
    )


def _one_person(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """First names that may be one person's: one unknown, or one starts the other."""
    return (a == "") | (b == "") | a.str.starts_with(b) | b.str.starts_with(a)


def login_conflicts(
    candidates: pl.DataFrame, stats: pl.DataFrame, fam12_emails: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(families, groups) of every shared login that is not a FAM-12 group.

    `candidates` are the logins in scope (narrowed), `fam12_emails` the (org_id, email)
    pairs FAM-12 already reports. One group per (organization, login), listing each
    family holding it and, in `remove_logins`, the guardians whose login should go.
    """
    holders = _holders(candidates).join(
        fam12_emails.rename({"email": "email_norm"}), on=["org_id", "email_norm"], how="anti"
    )
    keeper = holders.filter(pl.col("_keeps")).select(
        "org_id",
        "email_norm",
        pl.col("family_id").alias("_keep_family"),
        pl.col("_first").alias("_keep_first"),
        pl.col("login_guardian").alias("_keep_name"),
        pl.col("guardian_id").alias("_keep_guardian"),
    )
    rows = holders.join(keeper, on=["org_id", "email_norm"], how="left").with_columns(
        (
            ~pl.col("_keeps")
            & (pl.col("family_id") != pl.col("_keep_family"))
            & _one_person(pl.col("_first"), pl.col("_keep_first"))
        ).alias("_same_person")
    )
    groups = _recommend(rows)
    families = _families(rows, stats, groups)
    return families, groups


def _label() -> pl.Expr:
    """ "Maria Garcia (guardian #5028, family #1090)" for a holder row."""
    return pl.format(
        "{} (guardian #{}, family #{})",
        pl.when(pl.col("login_guardian") == "")
        .then(pl.lit("(no name)"))
        .otherwise(pl.col("login_guardian")),
        pl.col("guardian_id"),
        pl.col("family_id"),
    )


def _recommend(rows: pl.DataFrame) -> pl.DataFrame:
    others = ~pl.col("_keeps")
    grouped = (
        rows.with_columns(_label().alias("_label"))
        .group_by("org_id", "email_norm", maintain_order=True)
        .agg(
            pl.col("family_id").n_unique().alias("families"),
            pl.col("_same_person").any().alias("_review"),
            pl.col("guardian_id").filter(others).alias("remove_logins"),
            pl.col("_label").filter(others).str.join(", ").alias("_removed"),
            pl.col("_label").filter(pl.col("_keeps")).first().alias("_kept"),
            pl.col("_label").filter(pl.col("_same_person")).str.join(", ").alias("_twins"),
        )
    )
    review = pl.col("_review")
    one_family = pl.col("families") == 1
    reason = (
        pl.when(review)
        .then(
            pl.format(
                "{} and {} may be one person with two families: decide which family keeps the "
                "login and remove the other's.",
                pl.col("_kept"),
                pl.col("_twins"),
            )
        )
        .when(one_family)
        .then(
            pl.format(
                "The same login is on more than one guardian of one family: keep {}; remove "
                "the duplicate of {}.",
                pl.col("_kept"),
                pl.col("_removed"),
            )
        )
        .otherwise(
            pl.format(
                "A secondary guardian's login is shared: keep {}; remove the login of {}, who "
                "stays in the family.",
                pl.col("_kept"),
                pl.col("_removed"),
            )
        )
    )
    valid = valid_expr(pl.col("email_norm"))
    flagged = (
        pl.when(valid)
        .then(reason)
        .otherwise(
            pl.concat_str([reason, pl.lit(" The address is not a valid email: change it too.")])
        )
    )
    empty = pl.lit([], dtype=pl.List(pl.Int64))
    return grouped.select(
        "org_id",
        pl.col("email_norm").alias("email"),
        "families",
        pl.lit(0, pl.UInt32).alias("with_history"),
        pl.when(review).then(pl.lit(REVIEW)).otherwise(pl.lit(REMOVE)).alias("action"),
        pl.lit(None, pl.Int64).alias("survivor"),
        empty.alias("merge"),
        empty.alias("delete"),
        flagged.alias("reason"),
        valid.alias("email_valid"),
        pl.lit("login").alias("kind"),
        pl.when(review).then(empty).otherwise(pl.col("remove_logins")).alias("remove_logins"),
    )


def _families(rows: pl.DataFrame, stats: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """One row per family holding a conflicting login: its history, who holds the login
    there, and its role (keep | remove_login | review)."""
    per_family = rows.group_by("org_id", "email_norm", "family_id", maintain_order=True).agg(
        pl.col("_keeps").any().alias("_keeps"),
        pl.col("guardian_id").alias("guardians"),
        pl.col("login_guardian").first().alias("login_guardian"),
        pl.col("email").first().alias("raw_email"),
    )
    joined = per_family.join(stats.drop("org_id"), on="family_id", how="inner").join(
        groups.select("org_id", pl.col("email").alias("email_norm"), "action", "reason"),
        on=["org_id", "email_norm"],
        how="left",
    )
    history = pl.sum_horizontal("enrollments", "payments", "policies", "activity")
    role = (
        pl.when(pl.col("action") == REVIEW)
        .then(pl.lit(REVIEW))
        .when(pl.col("_keeps") & (pl.col("guardians").list.len() == 1))
        .then(pl.lit("keep"))
        .otherwise(pl.lit(REMOVE))
    )
    return joined.with_columns(
        pl.col("email_norm").alias("email"),
        (history > 0).alias("has_history"),
        valid_expr(pl.col("email_norm")).alias("email_valid"),
        role.alias("role"),
        pl.lit(None, pl.Int64).alias("survivor"),
    ).sort("org_id", "email", "_keeps", "family_id", descending=[False, False, True, False])


def with_other_holders(
    candidates: pl.DataFrame, stats: pl.DataFrame, families: pl.DataFrame, groups: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """FAM-12 groups that list every guardian holding their login, not only primaries.

    A guardian other than a family's primary may hold a FAM-12 login too: in a family of
    the group (added to that family's `guardians`) or in another family (that family is
    added to the group). The primary keeps the login, so those logins go (`remove_logins`,
    role `remove_login` for an added family), except in a family the recommendation
    deletes (its guardians go with it), in a review group (a person decides first), and
    for an added family's guardian whose first name may be the survivor's primary (one
    person with two families: role `review`, left to the engineer). The reason says so.
    """
    keys = groups.select("org_id", pl.col("email").alias("email_norm"))
    held = candidates.join(keys, on=["org_id", "email_norm"], how="semi")
    listed = families.select(
        "org_id",
        pl.col("email").alias("email_norm"),
        "family_id",
        pl.col("guardians").list.first().alias("guardian_id"),
    )
    extra = held.join(listed, on=["org_id", "email_norm", "family_id", "guardian_id"], how="anti")
    if extra.is_empty():
        return families, groups
    first = pl.col("first_name").fill_null("").str.strip_chars().str.to_lowercase()
    name = pl.concat_str(
        [pl.col("first_name").fill_null(""), pl.col("last_name").fill_null("")], separator=" "
    ).str.strip_chars()
    survivors = (
        listed.join(
            families.filter(pl.col("role") == "survivor").select(
                "org_id", pl.col("email").alias("email_norm"), "family_id"
            ),
            on=["org_id", "email_norm", "family_id"],
            how="semi",
        )
        .join(held.select("guardian_id", first.alias("_keep_first")), on="guardian_id")
        .select("org_id", "email_norm", "_keep_first")
    )
    roles = families.select(
        "org_id", pl.col("email").alias("email_norm"), "family_id", pl.col("role").alias("_role")
    )
    rows = (
        extra.sort("guardian_id")
        .join(roles, on=["org_id", "email_norm", "family_id"], how="left")
        .join(
            groups.select("org_id", pl.col("email").alias("email_norm"), "action"),
            on=["org_id", "email_norm"],
        )
        .join(survivors, on=["org_id", "email_norm"], how="left")
        .with_columns(name.alias("login_guardian"), first.alias("_first"))
        .with_columns(
            (
                pl.col("_role").is_null()
                & pl.col("_keep_first").is_not_null()
                & _one_person(pl.col("_first"), pl.col("_keep_first"))
            ).alias("_same_person")
        )
        .with_columns(
            (
                (pl.col("action") != REVIEW)
                & (pl.col("_role").fill_null("") != "delete")
                & ~pl.col("_same_person")
            ).alias("_removed"),
            _label().alias("_label"),
        )
    )
    groups = _groups_with_extra(groups, rows)
    reasons = groups.select("org_id", "email", pl.col("reason").alias("_reason"))
    families = (
        _members_with_extra(families, rows, stats)
        .join(reasons, on=["org_id", "email"], how="left", maintain_order="left")
        .with_columns(pl.col("_reason").alias("reason"))
        .drop("_reason")
    )
    return families, groups


def _members_with_extra(
    families: pl.DataFrame, rows: pl.DataFrame, stats: pl.DataFrame
) -> pl.DataFrame:
    """The group's families: each member's extra holders added to its `guardians`, then
    one row per family that holds the login only through another guardian."""
    keys = ["org_id", "email", "family_id"]
    extra_ids = (
        rows.filter(pl.col("_role").is_not_null())
        .group_by("org_id", "email_norm", "family_id")
        .agg(pl.col("guardian_id").alias("_extra"))
        .rename({"email_norm": "email"})
    )
    members = (
        families.join(extra_ids, on=keys, how="left", maintain_order="left")
        .with_columns(
            pl.concat_list("guardians", pl.col("_extra").fill_null(pl.lit([], pl.List(pl.Int64))))
        )
        .drop("_extra")
    )
    outsiders = (
        rows.filter(pl.col("_role").is_null())
        .group_by("org_id", "email_norm", "family_id", maintain_order=True)
        .agg(
            pl.col("guardian_id").alias("guardians"),
            pl.col("login_guardian").first(),
            pl.col("email").first().alias("raw_email"),
            pl.col("_removed").all(),
        )
        .join(stats.drop("org_id"), on="family_id", how="inner")
        .join(
            families.select(
                "org_id", pl.col("email").alias("email_norm"), "action", "survivor"
            ).unique(["org_id", "email_norm"]),
            on=["org_id", "email_norm"],
        )
        .with_columns(
            pl.col("email_norm").alias("email"),
            (pl.sum_horizontal("enrollments", "payments", "policies", "activity") > 0).alias(
                "has_history"
            ),
            valid_expr(pl.col("email_norm")).alias("email_valid"),
            pl.when(pl.col("_removed"))
            .then(pl.lit(REMOVE))
            .otherwise(pl.lit(REVIEW))
            .alias("role"),
            pl.lit("").alias("reason"),
        )
    )
    return pl.concat(
        [members, outsiders.select(members.columns).sort("org_id", "email", "family_id")]
    )


def _groups_with_extra(groups: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """Each group's count of families, `remove_logins` and reason, with the extra holders."""
    removed = pl.col("_removed")
    kept = ~removed & (pl.col("_role").fill_null("") != "delete")
    per_group = (
        rows.group_by("org_id", "email_norm")
        .agg(
            pl.col("family_id").filter(pl.col("_role").is_null()).n_unique().alias("_more"),
            pl.col("guardian_id").filter(removed).alias("_remove"),
            pl.col("_label").filter(removed).str.join(", ").alias("_removed_text"),
            pl.col("_label").filter(kept & pl.col("_same_person")).str.join(", ").alias("_twins"),
            pl.col("_label").filter(kept & ~pl.col("_same_person")).str.join(", ").alias("_held"),
        )
        .rename({"email_norm": "email"})
    )
    tail = pl.concat_str(
        [
            pl.when(pl.col("_removed_text") != "").then(
                pl.format(
                    " Also remove the login of {}: {}.",
                    pl.col("_removed_text"),
                    pl.when(pl.col("_remove").list.len() == 1)
                    .then(pl.lit("the guardian stays in the family"))
                    .otherwise(pl.lit("the guardians stay in their families")),
                )
            ),
            pl.when(pl.col("_twins") != "").then(
                pl.format(
                    " {} may be the survivor's primary guardian: decide whether that family "
                    "keeps the login.",
                    pl.col("_twins"),
                )
            ),
            pl.when(pl.col("_held") != "").then(
                pl.format(" The address is also the login of {}.", pl.col("_held"))
            ),
        ],
        ignore_nulls=True,
    )
    return (
        groups.join(per_group, on=["org_id", "email"], how="left", maintain_order="left")
        .with_columns(
            (pl.col("families") + pl.col("_more").fill_null(0)).cast(groups["families"].dtype),
            pl.concat_list(
                "remove_logins", pl.col("_remove").fill_null(pl.lit([], pl.List(pl.Int64)))
            ),
            pl.when(pl.col("_more").is_not_null())
            .then(pl.concat_str([pl.col("reason"), tail]))
            .otherwise(pl.col("reason")),
        )
        .select(groups.columns)
    )
