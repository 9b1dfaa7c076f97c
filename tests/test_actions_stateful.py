"""Random sequences of merges, deletes, email changes, invites and undos over random
small organizations: nothing is ever lost, payment totals never move, and undoing
everything in reverse gives back the starting store exactly."""

from __future__ import annotations

from actions_support import (
    dump,
    history_owners_active,
    live_keys,
    payment_totals,
    restorable_rows,
)
from hypothesis import HealthCheck, settings
from hypothesis.stateful import initialize, invariant
from world_support import Acting, worlds

from famtriage.core.actions.undo import undo


class Resolutions(Acting):
    @initialize(world=worlds())
    def build(self, world: dict[str, list[dict]]) -> None:
        self.open_world(world)
        self.start = dump(self.store)
        self.totals = payment_totals(self.store)
        self.keys = live_keys(self.store)

    @invariant()
    def nothing_is_lost(self) -> None:
        live, held = live_keys(self.store), restorable_rows(self.store)
        for table, keys in self.keys.items():
            assert keys <= live[table] | held[table], table
            assert not (live[table] & held[table]), table
        assert payment_totals(self.store) == self.totals
        assert history_owners_active(self.store)

    def teardown(self) -> None:
        if not hasattr(self, "store"):
            return
        try:
            for audit_id in reversed(self.open_entries()):
                undo(self.ctx, audit_id)
            assert dump(self.store) == self.start
        finally:
            self.close_world()


Resolutions.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
test_resolutions = Resolutions.TestCase
