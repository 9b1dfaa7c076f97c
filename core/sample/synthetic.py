"""Demo data: the bundled sample organization set, and synthetic sets of any size.

Synthetic sets are generated column-wise with numpy and polars (no Python loop per
row), so a million families take seconds, with realistic duplicate rates: most
families unique, a few percent sharing a primary email with 1–4 others in their
organization (with case and white-space variants), some without any history, and
every other kind of login conflict (`synthetic_conflicts`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from famtriage.core.access.context import Context
from famtriage.core.errors import InputError
from famtriage.core.files import private_target
from famtriage.core.sample.synthetic_conflicts import with_conflicts
from famtriage.core.source.importer import ImportSummary, import_tables
from famtriage.core.source.reader import in_memory, read_export, type_tables
from famtriage.core.store import config

FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isabella",
    "Lucas",
    "Mia",
    "Mateo",
    "Amelia",
    "Benjamin",
    "Harper",
    "Henry",
    "Evelyn",
    "Theodore",
    "Luna",
    "Jack",
    "Camila",
    "Levi",
    "Gianna",
    "Alexander",
    "Aria",
    "Jackson",
    "Ella",
    "Sebastian",
    "Chloe",
    "Daniel",
    "Zoë",
    "Øyvind",
    "Priya",
    "Wei",
    "Fatima",
    "Diego",
    "Aisha",
    "Kenji",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Nguyen",
    "Kowalski",
    "O'Brien",
    "Müller",
    "李",
]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "mail.com"]
CLASSES = [
    "Tadpoles",
    "Minnows",
    "Dolphins",
    "Sharks",
    "Ballet I",
    "Tap II",
    "Hip Hop",
    "Gymnastics Rec",
    "Tumbling",
    "Swim Team",
]
POLICIES = ["Liability Waiver", "Photo Release", "Cancellation Policy", "Code of Conduct"]
KINDS = ["note", "login", "email_sent", "class_change"]
EPOCH = datetime(2015, 1, 1)
SPAN_S = 10 * 365 * 86400
EPOCH_US = int((EPOCH - datetime(1970, 1, 1)).total_seconds()) * 1_000_000


def _pick(rng: np.random.Generator, words: list[str], n: int) -> pl.Series:
    return pl.Series(words, dtype=pl.String).gather(rng.integers(0, len(words), n))


def _times(rng: np.random.Generator, n: int, span_s: int = SPAN_S) -> pl.Series:
    seconds = rng.integers(0, span_s, n).astype(np.int64)
    return pl.Series(EPOCH_US + seconds * 1_000_000).cast(pl.Datetime("us"))


def _repeat_ids(rng: np.random.Generator, owners: np.ndarray, mean: float) -> np.ndarray:
    """Each owner id repeated a Poisson(mean) number of times."""
    counts = rng.poisson(mean, len(owners))
    return np.repeat(owners, counts)


def synthetic(
    n: int, seed: int = 1, dup_rate: float = 0.04, first_id: int = 1, orgs: int | None = None
) -> dict[str, pl.DataFrame]:
    """`n` families over `orgs` organizations (one per 10,000 families by default)."""
    rng = np.random.default_rng(seed)
    n_orgs = orgs or max(1, n // 10_000)
    fid = np.arange(first_id, first_id + n, dtype=np.int64)
    org = rng.integers(1, n_orgs + 1, n)
    last = _pick(rng, LAST, n)
    families = pl.DataFrame(
        {
            "family_id": fid,
            "org_id": org,
            "family_name": last + " Family",
            "created_at": _times(rng, n),
        }
    )
    primary_first = _pick(rng, FIRST, n)
    email = (
        primary_first.str.to_lowercase()
        + "."
        + last.str.to_lowercase()
        + pl.Series(fid).cast(pl.String)
        + "@"
        + _pick(rng, DOMAINS, n)
    ).str.replace_all(r"[^a-z0-9.@]", "x")
    primary_first, email = _duplicate_some(rng, families, primary_first, email, dup_rate)
    guardians = _guardians(rng, fid, primary_first, last, email, first_id)
    more = np.random.default_rng([seed, 2])  # its own stream: the rest stays as it was
    guardians = with_conflicts(more, families, guardians, dup_rate / 4, FIRST)
    history = rng.random(n) > 0.15  # 15% of families never did anything
    return {
        "orgs": pl.DataFrame(
            {
                "org_id": np.arange(1, n_orgs + 1),
                "name": [f"Demo Organization {i}" for i in range(1, n_orgs + 1)],
            }
        ),
        "families": families,
        "guardians": guardians,
        **_history(rng, fid[history], first_id),
    }


def _duplicate_some(
    rng: np.random.Generator,
    families: pl.DataFrame,
    first: pl.Series,
    email: pl.Series,
    dup_rate: float,
) -> tuple[pl.Series, pl.Series]:
    """Give a few families the primary email of one of the 1–3 families before them in
    their organization (as typed, upper-cased or padded with spaces). Most copies are the
    same person signing up again (same first name); one in eight is someone else sharing
    the inbox."""
    n = families.height
    frame = (
        families.select("org_id")
        .with_columns(email.alias("email"), first.alias("first"), pl.int_range(n).alias("i"))
        .sort("org_id", "i")
        .with_columns(pl.int_range(n).alias("pos"))
        .with_columns(
            (pl.col("pos") - pl.Series(rng.integers(1, 4, n))).alias("src_pos"),
            pl.col("pos").min().over("org_id").alias("org_start"),
            pl.Series("copy", rng.random(n) < dup_rate),
            pl.Series("variant", rng.integers(0, 3, n)),
            pl.Series("same_person", rng.random(n) > 0.125),
        )
    )
    src = frame["src_pos"].clip(lower_bound=0)
    frame = frame.with_columns(
        frame["email"].gather(src).alias("src"), frame["first"].gather(src).alias("src_first")
    )
    varied = (
        pl.when(pl.col("variant") == 0)
        .then(pl.col("src"))
        .when(pl.col("variant") == 1)
        .then(pl.col("src").str.to_uppercase())
        .otherwise(pl.lit(" ") + pl.col("src") + pl.lit(" "))
    )
    copying = pl.col("copy") & (pl.col("src_pos") >= pl.col("org_start"))
    out = frame.with_columns(
        pl.when(copying).then(varied).otherwise(pl.col("email")).alias("email"),
        pl.when(copying & pl.col("same_person"))
        .then(pl.col("src_first"))
        .otherwise(pl.col("first"))
        .alias("first"),
    ).sort("i")
    return out["first"], out["email"]


def _guardians(
    rng: np.random.Generator,
    fid: np.ndarray,
    first: pl.Series,
    last: pl.Series,
    email: pl.Series,
    first_id: int,
) -> pl.DataFrame:
    """One primary per family; 30% have a second guardian with an email of their own."""
    n = len(fid)
    second = fid[rng.random(n) < 0.3]
    m = len(second)
    second_first = _pick(rng, FIRST, m)
    idx = (second - first_id).astype(np.int64)
    second_last = last.gather(idx)
    second_email = (
        second_first.str.to_lowercase()
        + "."
        + second_last.str.to_lowercase()
        + ".g"
        + pl.Series(second).cast(pl.String)
        + "@"
        + _pick(rng, DOMAINS, m)
    ).str.replace_all(r"[^a-z0-9.@]", "x")
    primaries = pl.DataFrame(
        {
            "family_id": fid,
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": _phones(rng, n),
            "is_primary": np.ones(n, dtype=bool),
        }
    )
    others = pl.DataFrame(
        {
            "family_id": second,
            "first_name": second_first,
            "last_name": second_last,
            "email": second_email,
            "phone": _phones(rng, m),
            "is_primary": np.zeros(m, dtype=bool),
        }
    )
    both = pl.concat([primaries, others])
    return both.with_columns((pl.int_range(both.height) + first_id).alias("guardian_id")).select(
        "guardian_id", "family_id", "first_name", "last_name", "email", "phone", "is_primary"
    )


def _phones(rng: np.random.Generator, n: int) -> pl.Series:
    return pl.Series(rng.integers(2_000_000_000, 9_999_999_999, n)).cast(pl.String)


def _owned(
    rng: np.random.Generator,
    owners: np.ndarray,
    mean: float,
    key: str,
    owner: str,
    first_id: int,
    columns: Callable[[int], dict],
) -> pl.DataFrame:
    """Rows owned by `owners` (Poisson(mean) each), ids from `first_id`, other columns
    made by `columns(n)`."""
    owned = _repeat_ids(rng, owners, mean)
    n = len(owned)
    ids = {key: np.arange(first_id, first_id + n), owner: owned}
    return pl.DataFrame({**ids, **columns(n)})


def _history(rng: np.random.Generator, fid: np.ndarray, first_id: int) -> dict[str, pl.DataFrame]:
    """Students, enrollments, payments, policies and activity for the families in `fid`."""

    def enrollment(n: int) -> dict:
        start = _times(rng, n)
        return {
            "class_name": _pick(rng, CLASSES, n),
            "start_date": start.dt.date(),
            "end_date": (start + timedelta(days=120)).dt.date(),
        }

    students = _owned(
        rng,
        fid,
        1.5,
        "student_id",
        "family_id",
        first_id,
        lambda n: {
            "first_name": _pick(rng, FIRST, n),
            "last_name": _pick(rng, LAST, n),
            "birth_date": _times(rng, n).dt.date(),
        },
    )
    return {
        "students": students,
        "enrollments": _owned(
            rng,
            students["student_id"].to_numpy(),
            1.3,
            "enrollment_id",
            "student_id",
            first_id,
            enrollment,
        ),
        "payments": _owned(
            rng,
            fid,
            4.1,
            "payment_id",
            "family_id",
            first_id,
            lambda n: {"amount": rng.integers(1_500, 25_000, n) / 100, "paid_at": _times(rng, n)},
        ),
        "policies": _owned(
            rng,
            fid,
            1.0,
            "policy_id",
            "family_id",
            first_id,
            lambda n: {"policy_name": _pick(rng, POLICIES, n), "signed_at": _times(rng, n)},
        ),
        "activity": _owned(
            rng,
            fid,
            0.8,
            "activity_id",
            "family_id",
            first_id,
            lambda n: {
                "at": _times(rng, n),
                "kind": _pick(rng, KINDS, n),
                "detail": pl.Series([""] * n, dtype=pl.String),
            },
        ),
    }


def write_export(
    tables: dict[str, pl.DataFrame],
    out: Path,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write a set as one Parquet file per table (an export folder). The data is made
    up but looks personal: each file is 0600, written whole or not at all."""
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the folder: {exc.strerror}") from exc
    for done, (name, frame) in enumerate(tables.items(), start=1):
        with private_target(out / f"{name}.parquet") as tmp, tmp.open("wb") as f:
            frame.write_parquet(f)
        if on_progress:
            on_progress(done, len(tables))


def require_rebuild(ctx: Context) -> None:
    """Rebuilding replaces every organization's data: a global Admin's work."""
    ctx.actor.require_global_admin("rebuild the whole store")


def rebuild_store(
    ctx: Context,
    families: int | None,
    seed: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Replace everything in the store with the sample data (or `families` synthetic
    ones), in one transaction; only a global Admin may."""
    require_rebuild(ctx)
    if families is None:
        tables = read_export(config.SAMPLE_DATA)
    else:
        tables = type_tables(in_memory(synthetic(families, seed)), validate=False)
    return import_tables(
        ctx.store, tables, everything=True, actor=ctx.actor, on_progress=on_progress
    )
