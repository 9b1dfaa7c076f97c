"""What the CSV, XLSX and PDF writers share: the flat export frame (one row per family
in a group), formula-injection neutralizing, the metadata printed on each file, and the
display rule (`core.safe_text`) applied in bulk to what XLSX and PDF show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
import polars.selectors as cs

from famtriage.core.errors import Cancelled
from famtriage.core.report.fam12 import Report
from famtriage.core.safe_text import cut_expr, display_expr

FORMATS = ("csv", "xlsx", "pdf")
PAPERS = ("a4", "letter")
ACTIONS = ("merge", "delete", "review")

COLUMNS: dict[str, str] = {
    "group": "Group",
    "org_id": "Org",
    "organization": "Organization",
    "email": "Login email (group)",
    "action": "Action",
    "survivor": "Survivor",
    "role": "Role",
    "family_id": "Family ID",
    "family_name": "Family name",
    "primary_guardian": "Primary guardian",
    "login_guardian": "Login guardian",
    "raw_email": "Email as entered",
    "email_valid": "Valid email",
    "created_at": "Created",
    "students": "Students",
    "enrollments": "Enrollments",
    "payments": "Payments",
    "payments_total_cents": "Payments total",
    "policies": "Policies",
    "activity": "Activity",
    "last_activity": "Last activity",
    "has_history": "Has history",
    "reason": "Reason",
}
"""Export column → the label a person reads (XLSX/PDF); CSV keeps the keys for scripts."""

DANGEROUS_START = r"^[=+\-@\t\r]"
"""A cell starting like this is a formula (or hides one) to Excel, LibreOffice and Sheets."""

_ROLE_ORDER = {"survivor": 0, "merge": 1, "delete": 2, "review": 3}


@dataclass(frozen=True)
class ExportMeta:
    """What a file says about itself besides the rows: who, for which organizations."""

    org_names: dict[int, str] = field(default_factory=dict)
    staff: str | None = None
    selection: str | None = None
    """When the file holds only what a screen showed: that view in words
    (`core.report.view.GroupView.describe`); None for the whole report."""

    def org_label(self, org_id: int) -> str:
        return self.org_names.get(org_id) or f"Organization {org_id}"

    def org_labels(self, report: Report) -> list[str]:
        """The organizations the report covered, by name."""
        ids = sorted(self.org_names) or sorted(report.families["org_id"].unique().to_list())
        return [self.org_label(i) for i in ids]

    def orgs_text(self, report: Report) -> str:
        """The organizations the report covered, named ("(none)" when there are none)."""
        return ", ".join(self.org_labels(report)) or "(none)"


ProgressCallback = Callable[[int, int], None]


class Steps:
    """Progress and cancellation for a writer's row loop, acted on every `every` rows."""

    def __init__(
        self,
        on_progress: ProgressCallback | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        every: int = 2000,
    ) -> None:
        self.on_progress = on_progress
        self.is_cancelled = is_cancelled
        self.every = every
        self._last = 0

    def __call__(self, done: int, total: int) -> None:
        if done - self._last < self.every and done != total:
            return
        self._last = done
        if self.on_progress is not None:
            self.on_progress(done, total)
        self.check()

    def check(self) -> None:
        """Stop with `Cancelled` if asked to: called between rows, and once more before
        the finished file replaces the target (a cancel during the last step counts)."""
        if self.is_cancelled is not None and self.is_cancelled():
            raise Cancelled("export cancelled; no file was written")


def neutralize(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix `'` to every text cell a spreadsheet would run as a formula.

    Vectorized over every String column: customer data (names, emails) is untrusted.
    """
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(DANGEROUS_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in frame.select(cs.string()).columns
    )


def shown(frame: pl.DataFrame, limit: int, notation: str = "pictures") -> pl.DataFrame:
    """Every text column as a reader sees it: control and bidi characters escaped, values
    longer than `limit` cut with a note (CSV keeps the values exact instead)."""
    return frame.with_columns(
        display_expr(pl.col(name), limit, notation) for name in frame.select(cs.string()).columns
    )


def cut_cells(frame: pl.DataFrame, limit: int) -> int:
    """How many text cells of `frame` `shown(frame, limit)` cuts."""
    names = frame.select(cs.string()).columns
    if not names or frame.is_empty():
        return 0
    return int(
        frame.select(pl.sum_horizontal(cut_expr(pl.col(n), limit).sum() for n in names)).item()
    )


def export_frame(report: Report, meta: ExportMeta) -> pl.DataFrame:
    """The rows every format writes: group by group in the order of `report.groups`
    (the report's own, or a screen's sort: `core.report.view.as_shown`), survivor first,
    injection-safe.

    `group` numbers the groups 1..N in order, so writers can band by group.
    """
    order = report.groups.select("org_id", "email").with_row_index("_group_at")
    families = report.families.join(
        order, on=["org_id", "email"], how="inner", maintain_order="left"
    )
    orgs = pl.DataFrame(
        {
            "org_id": list(meta.org_names),
            "organization": list(meta.org_names.values()),
        },
        schema={"org_id": pl.Int64, "organization": pl.String},
    )
    frame = (
        families.with_columns(pl.col("role").replace_strict(_ROLE_ORDER, default=9).alias("_order"))
        .sort("_group_at", "_order", maintain_order=True)
        .join(orgs, on="org_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("_group_at").rank("dense").cast(pl.Int64).alias("group"),
            pl.coalesce(
                "organization", pl.lit("Organization ") + pl.col("org_id").cast(pl.String)
            ).alias("organization"),
        )
        .select(list(COLUMNS))
    )
    return neutralize(frame)


def action_counts(report: Report) -> dict[str, int]:
    """How many groups each recommendation covers (every action present, zero or not)."""
    counts = report.groups.group_by("action").len()
    found = dict(zip(counts["action"].to_list(), counts["len"].to_list(), strict=True))
    return {a: int(found.get(a, 0)) for a in ACTIONS}
