"""The login conflicts a synthetic set holds besides FAM-12's shared primary emails, so a
demo store shows every case the readiness list knows (`famtriage demo --families N`).

Each kind is made in bulk from pairs of families of one organization (a family and one
of the few after it), at `rate` of the families each:

- a secondary guardian of one family with the login of another family's primary: a
  different person (the login is removed) or, one time in three, the same person (a
  review: one person with two families);
- a second guardian of one family with that family's primary login (a duplicate);
- a primary login changed to a look-alike of another family's (Gmail without its dots,
  or a `+tag`): shown as possibly the same person, never grouped;
- a primary login copied to the four families after it: a group of five families.

A person who signs up again (a FAM-12 copy with the same first name) also keeps their
last name, so merging their families folds them into one guardian.
"""

from __future__ import annotations

import numpy as np
import polars as pl

SPAN = 4
"""How far after a family its partner may be (in its organization's order)."""


def with_conflicts(
    rng: np.random.Generator,
    families: pl.DataFrame,
    guardians: pl.DataFrame,
    rate: float,
    first_names: list[str],
) -> pl.DataFrame:
    """`guardians` with the conflicts above added (new secondary guardians get ids after
    the highest) and some primary logins changed (look-alikes, groups of five)."""
    if rate <= 0:
        return guardians
    primaries = (
        guardians.filter(pl.col("is_primary"))
        .join(families.select("family_id", "org_id"), on="family_id")
        .sort("org_id", "family_id")
        .with_columns(pl.int_range(pl.len()).alias("pos"))
    )
    if primaries.height <= SPAN:
        return guardians
    secondary = _shared_secondaries(rng, primaries, rate, first_names)
    duplicates = _duplicates(rng, primaries, rate, first_names)
    emails = pl.concat([_lookalikes(rng, primaries, rate), _five_family(rng, primaries, rate)])
    emails = emails.unique("family_id", keep="first")
    changed = guardians.join(
        emails, on="family_id", how="left", maintain_order="left"
    ).with_columns(
        pl.when(pl.col("is_primary") & pl.col("_email").is_not_null())
        .then(pl.col("_email"))
        .otherwise(pl.col("email"))
        .alias("email"),
        pl.when(pl.col("is_primary") & pl.col("_first").is_not_null())
        .then(pl.col("_first"))
        .otherwise(pl.col("first_name"))
        .alias("first_name"),
    )
    changed = _one_name_per_person(
        changed.join(families.select("family_id", "org_id"), on="family_id")
    )
    added = pl.concat([secondary, duplicates])
    first_id = int(guardians["guardian_id"].max() or 0) + 1  # type: ignore[arg-type]
    added = added.with_columns(
        (pl.int_range(added.height) + first_id).alias("guardian_id"),
        pl.lit(None, pl.String).alias("phone"),
        pl.lit(False).alias("is_primary"),
    )
    return pl.concat([changed.select(guardians.columns), added.select(guardians.columns)])


def _one_name_per_person(guardians: pl.DataFrame) -> pl.DataFrame:
    """A person who signed up again is named as the first time: primaries of one
    organization with one login and one first name get the last name of the first of
    them (a merge then folds them into one guardian, as it would in a real store)."""
    key = pl.col("email").str.strip_chars().str.to_lowercase()
    person = [pl.col("org_id"), key, pl.col("first_name").str.to_lowercase()]
    first_last = pl.col("last_name").sort_by("family_id").first().over(person)
    return guardians.with_columns(
        pl.when(pl.col("is_primary"))
        .then(first_last)
        .otherwise(pl.col("last_name"))
        .alias("last_name")
    )


def _pairs(rng: np.random.Generator, primaries: pl.DataFrame, rate: float) -> pl.DataFrame:
    """Some families (`src_*` columns: their primary) each with a partner of their
    organization up to SPAN places after it (`family_id`, `last_name`)."""
    n = primaries.height
    picked = np.flatnonzero(rng.random(n) < rate)
    partner = picked + rng.integers(1, SPAN + 1, len(picked))
    keep = partner < n
    picked, partner = picked[keep], partner[keep]
    src = primaries[picked]
    dst = primaries[partner]
    same_org = (src["org_id"] == dst["org_id"]).to_numpy()
    return pl.DataFrame(
        {
            "family_id": dst["family_id"],
            "last_name": dst["last_name"],
            "src_family": src["family_id"],
            "src_first": src["first_name"],
            "src_last": src["last_name"],
            "src_email": src["email"],
        }
    ).filter(pl.Series(same_org))


def _other_first(rng: np.random.Generator, names: pl.Series, first_names: list[str]) -> pl.Series:
    """A first name for each row that is not the one given (nor starts or ends it)."""
    pool = pl.Series(first_names, dtype=pl.String)
    picked = pool.gather(rng.integers(0, len(first_names), len(names)))
    shifted = pool.gather((rng.integers(0, len(first_names), len(names)) + 1) % len(first_names))
    frame = pl.DataFrame({"given": names, "a": picked, "b": shifted})
    clash = pl.col("given").str.to_lowercase().str.starts_with(
        pl.col("a").str.to_lowercase()
    ) | pl.col("a").str.to_lowercase().str.starts_with(pl.col("given").str.to_lowercase())
    return frame.select(pl.when(clash).then(pl.col("b")).otherwise(pl.col("a")).alias("first"))[
        "first"
    ]


def _shared_secondaries(
    rng: np.random.Generator, primaries: pl.DataFrame, rate: float, first_names: list[str]
) -> pl.DataFrame:
    """Secondary guardians holding another family's primary login."""
    pairs = _pairs(rng, primaries, rate)
    same_person = pl.Series(rng.random(pairs.height) < 1 / 3)
    other = _other_first(rng, pairs["src_first"], first_names)
    return pairs.select(
        "family_id",
        pl.when(same_person).then(pl.col("src_first")).otherwise(other).alias("first_name"),
        pl.when(same_person)
        .then(pl.col("src_last"))
        .otherwise(pl.col("last_name"))
        .alias("last_name"),
        pl.col("src_email").alias("email"),
    )


def _duplicates(
    rng: np.random.Generator, primaries: pl.DataFrame, rate: float, first_names: list[str]
) -> pl.DataFrame:
    """A second guardian of a family with that family's primary login."""
    own = primaries.filter(pl.Series(rng.random(primaries.height) < rate))
    return own.select(
        "family_id",
        _other_first(rng, own["first_name"], first_names).alias("first_name"),
        "last_name",
        "email",
    )


def _lookalikes(rng: np.random.Generator, primaries: pl.DataFrame, rate: float) -> pl.DataFrame:
    """New primary logins that reach another family's mailbox without being its login."""
    pairs = _pairs(rng, primaries, rate)
    email = pl.col("src_email").str.strip_chars().str.to_lowercase()
    local, domain = email.str.extract(r"^([^@]+)@"), email.str.extract(r"@(.+)$")
    variant = (
        pl.when((domain == "gmail.com") & local.str.contains(".", literal=True))
        .then(local.str.replace_all(".", "", literal=True) + "@gmail.com")
        .otherwise(local + "+family@" + domain)
    )
    return pairs.select(
        "family_id", variant.alias("_email"), pl.lit(None, pl.String).alias("_first")
    )


def _five_family(rng: np.random.Generator, primaries: pl.DataFrame, rate: float) -> pl.DataFrame:
    """A primary login (and first name: the same person) on the four families after its
    own, in its organization: groups of five families."""
    n = primaries.height
    sources = np.flatnonzero(rng.random(n) < rate / 4)
    sources = sources[sources + SPAN < n]
    targets = (sources[:, None] + np.arange(1, SPAN + 1)).ravel()
    src = primaries[np.repeat(sources, SPAN)]
    dst = primaries[targets]
    same_org = pl.Series((src["org_id"] == dst["org_id"]).to_numpy())
    return pl.DataFrame(
        {"family_id": dst["family_id"], "_email": src["email"], "_first": src["first_name"]}
    ).filter(same_org)
