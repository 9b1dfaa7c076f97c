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


def _recommend(rows: pl.DataFrame) -> pl.DataFrame:
    others = ~pl.col("_keeps")
    label = pl.format(
        "{} (guardian #{}, family #{})",
        pl.when(pl.col("login_guardian") == "")
        .then(pl.lit("(no name)"))
        .otherwise(pl.col("login_guardian")),
        pl.col("guardian_id"),
        pl.col("family_id"),
    )
    grouped = (
        rows.with_columns(label.alias("_label"))
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
                "login, then remove the other's login (or merge the families).",
                pl.col("_kept"),
                pl.col("_twins"),
            )
        )
        .when(one_family)
        .then(
            pl.format(
                "The same login is on more than one guardian of one family: keep {}, remove the "
                "duplicate login of {}.",
                pl.col("_kept"),
                pl.col("_removed"),
            )
        )
        .otherwise(
            pl.format(
                "A secondary guardian's login is shared: keep {}, remove the login of {}; they "
                "stay in their family, and the primary can invite them again with an address of "
                "their own.",
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
