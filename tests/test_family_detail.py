"""One family's record as the family screen and `famtriage family` show it: the payment
total is computed in core, from the payments listed."""

from __future__ import annotations

from famtriage.core.actions.family_edits import delete
from famtriage.core.actions.merge import merge, preview_merge
from famtriage.core.formatting import money_display
from famtriage.core.report.family import family_detail


def test_the_payment_total_is_the_sum_of_the_payments_listed(ctx) -> None:
    detail = family_detail(ctx, 1001)
    assert detail.payments.height == 6
    assert detail.payments_total_cents == detail.payments["amount_cents"].sum() == 33375
    assert money_display(detail.payments_total_cents) == "$333.75"
    merge(ctx, 1001, [1002], expected=preview_merge(ctx, 1001, [1002]).fingerprint)
    merged = family_detail(ctx, 1001)
    assert (merged.payments.height, merged.payments_total_cents) == (8, 33375 + 9125)


def test_a_family_without_payments_totals_zero(ctx) -> None:
    assert family_detail(ctx, 1003).payments_total_cents == 0
    delete(ctx, 1003)
    assert family_detail(ctx, 1003).payments_total_cents == 0  # a tombstone keeps none
