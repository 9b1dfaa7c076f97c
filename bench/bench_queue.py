"""The resolution queue on a million families: from a key to the screen that shows its
result, driven with Pilot at 120×40, beside the database time of the same actions.

    python bench/bench_queue.py [--families 1000000] [--work /tmp/famtriage-bench]
                                [--steps 24] [--seed 1]

Builds (once, then reuses) a synthetic store with `famtriage demo` in WORK, and works on
a fresh copy of it (and of its snapshot) each run. In the app, at 120×40:

- `w` on the dashboard, until the queue shows its first group;
- STEPS actions mixing merges of 3-5 families (`m`), deletes (`d`) and email changes
  (`e`, a new address, Enter), each confirmed with `y` once the confirmation is drawn
  and the app has gone idle (a person reads it first): from `y` until the position
  line, the progress line and the family columns hold the next group (the screen
  refreshed); beside it, the database time of the action itself
  (`queue_steps.execute`), which is the floor, and the action's worker;
- `n`, `p`, `s`, `←`, `→`, from the key until the screen shows its result;
- 41 `n` typed at once: where they end, and when the last group is shown;
- `escape` to the dashboard, until its numbers are the store's;
- the first exact-email search after an action: the core call the search screen makes,
  and on the screen, from the last key typed to the results (the screen waits 0.1 s
  after the last key before it searches);
- whether the snapshot's files were rewritten on the way (they must not be).

Prints the median and the worst of each. "Shown" means the screen's widgets hold the
new state and the next refresh has been drawn (Textual's headless driver draws into no
terminal; the README describes a spot check in a real one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from textual import events

FAMTRIAGE = [sys.executable, "-m", "famtriage.tui.cli.main"]
ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 40)


def prepare(work: Path, families: int) -> Path:
    """A pristine store of `families` (built once) copied to a fresh working store."""
    pristine = work / f"queue-{families}" / "pristine.db"
    if not pristine.exists():
        pristine.parent.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        subprocess.run(
            [*FAMTRIAGE, "--db", str(pristine), "demo", "--families", str(families), "--yes"],
            check=True,
            cwd=ROOT,
        )
        print(f"built {families:,} families in {time.perf_counter() - t:.0f} s")
    run = pristine.with_name("run.db")
    for stale in run.parent.glob("run.db*"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    shutil.copy2(pristine, run)
    snapshot = pristine.with_name("pristine.db.snapshot")
    if snapshot.is_dir():
        shutil.copytree(snapshot, run.with_name("run.db.snapshot"))
    return run


class Clock:
    """Times one key (or keys) until the screen shows what `done` looks for."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.app = pilot.app

    async def until(self, done: Callable[[], bool], timeout: float = 30.0) -> None:
        end = time.perf_counter() + timeout
        while not done():
            if time.perf_counter() > end:
                raise TimeoutError("the screen never showed it")
            await asyncio.sleep(0.0005)
        drawn = asyncio.Event()
        self.app.screen.call_after_refresh(drawn.set)
        await drawn.wait()

    def send(self, keys: list[str]) -> None:
        """The keys as `Pilot.press` sends them (through the driver, in order), without
        its wait for the process to go idle after each (20 ms sleeps, at least two a key,
        which would be timed too): a burst, as a fast typist or a pasted line makes."""
        for key in keys:
            event = events.Key(key, key if len(key) == 1 else None)
            event.set_sender(self.app)
            self.app._driver.send_message(event)

    async def time(self, keys: list[str], done: Callable[[], bool]) -> float:
        start = time.perf_counter()
        self.send(keys)
        await self.until(done)
        return (time.perf_counter() - start) * 1000


def plan_steps(report, count: int, seed: int) -> list[tuple[str, tuple[int, str], int]]:
    """(kind, group, column to select) for `count` actions: merges of 3-5 families, deletes
    of a family without history, email changes; every group used once."""
    sizes = report.families.group_by("org_id", "email").len()
    groups = report.groups.join(sizes, on=["org_id", "email"]).sample(fraction=1.0, seed=seed)
    merges = groups.filter((pl.col("action") == "merge") & pl.col("len").is_between(3, 5))
    deletes = groups.filter(pl.col("action") == "delete")
    emails = groups.filter(pl.col("action") == "review")
    pools = {"merge": merges.iter_rows(named=True), "delete": deletes.iter_rows(named=True)}
    pools["email"] = emails.iter_rows(named=True)
    kinds = ["merge", "delete", "email", "merge", "delete", "merge", "email", "delete"]
    steps = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        row = next(pools[kind])
        steps.append((kind, (row["org_id"], row["email"]), 0 if kind == "merge" else 1))
    return steps


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<48} {len(values):>3}  median {statistics.median(values):7.1f} ms"
        f"  worst {max(values):7.1f} ms"
    )


async def drive(db: Path, steps: int, seed: int) -> dict[str, list[float]]:
    from famtriage.core.access.context import Context
    from famtriage.core.report import live
    from famtriage.core.report.search import search_families
    from famtriage.core.store.database import Store
    from famtriage.tui.app import FamtriageApp, settle_garbage
    from famtriage.tui.modals.confirm import ConfirmModal
    from famtriage.tui.screens import queue as queue_screen
    from famtriage.tui.screens.dashboard import DashboardScreen
    from famtriage.tui.screens.queue import QueueScreen
    from famtriage.tui.screens.search import SearchScreen
    from famtriage.tui.widgets.frame_table import FrameTable

    floor: list[float] = []
    real_execute = queue_screen.execute

    def execute(ctx, group, todo):  # the action alone: the database's time, the floor
        start = time.perf_counter()
        try:
            return real_execute(ctx, group, todo)
        finally:
            floor.append((time.perf_counter() - start) * 1000)

    queue_screen.execute = execute
    worker: list[float] = []
    real_load = queue_screen.load_view

    def load_view(ctx, *args, **kwargs):  # after an action: the view patched, next group
        start = time.perf_counter()
        try:
            return real_load(ctx, *args, **kwargs)
        finally:
            if len(worker) < len(floor):
                worker.append(floor[len(worker)] + (time.perf_counter() - start) * 1000)

    queue_screen.load_view = load_view
    store = Store.open(db)
    ctx = Context.open(store)
    app = FamtriageApp(ctx)
    settle_garbage()  # as run_app does before the app runs
    got: dict[str, list[float]] = {}
    stamp_file = db.with_name(db.name + ".snapshot") / "stamp.json"
    stamps: set[str] = set()
    saves: list[float] = []
    real_flush = live.flush

    def flush(store):  # the app's idle save, in its thread
        start = time.perf_counter()
        try:
            return real_flush(store)
        finally:
            saves.append((time.perf_counter() - start) * 1000)

    live.flush = flush

    def text(selector: str) -> str:
        return str(app.screen.query_one(selector).render())

    async with app.run_test(size=SIZE) as pilot:
        clock = Clock(pilot)
        await clock.until(lambda: bool(app.screen.query_one("#orgs", FrameTable).frame.height))

        def queue_shows(previous=None) -> Callable[[], bool]:
            def done() -> bool:
                screen = app.screen
                if not isinstance(screen, QueueScreen) or screen.phase != "idle":
                    return False
                view = screen.view
                if view is None or view is previous or view.group is None:
                    return False
                columns = list(screen.query(".family"))
                first = str(columns[0].border_title) if columns else ""
                return (
                    view.position.capitalize() in text("#queue-position")
                    and f"#{view.group.family_ids[0]}" in first
                    and view.progress.text in text("#queue-progress")
                )

            return done

        got["w (open the queue)"] = [await clock.time(["w"], queue_shows())]
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.view is not None
        report = screen.view.report
        first_total = screen.view.progress.total

        for kind, key, column in plan_steps(report, steps, seed):
            await pilot.press("slash", *key[1], "enter")
            await clock.until(lambda key=key: _at(app, key))
            if column:
                await pilot.press("right")
            if kind == "email":
                await pilot.press("e", *f"bench.{len(floor)}@example.test", "enter")
            else:
                await pilot.press("m" if kind == "merge" else "d")
            await clock.until(
                lambda: isinstance(app.screen, ConfirmModal) and app.screen.shown_at is not None
            )
            await pilot.pause()  # the engineer reads the question: the app has gone idle
            before = screen.view
            took = await clock.time(["y"], queue_shows(before))
            got.setdefault(f"y → next group ({kind})", []).append(took)
            got.setdefault("y → next group (all actions)", []).append(took)
            assert screen.view is not None and screen.view.progress.total >= first_total

        for keys, name in [(["n"], "n"), (["p"], "p"), (["s"], "s")] * 6:
            before = screen.view
            got.setdefault(f"{name} (next group shown)", []).append(
                await clock.time(keys, queue_shows(before))
            )
        for key, delta in (("right", 1), ("left", -1)) * 4:
            want = min(max(screen.selected + delta, 0), screen.view.group.families.height - 1)
            took = await clock.time(
                [key],
                lambda want=want: (
                    screen.selected == want
                    and "-selected" in list(screen.query(".family"))[want].classes
                ),
            )
            got.setdefault(f"{'→' if delta > 0 else '←'} (family selected)", []).append(took)

        start_index = screen.view.index or 0
        count = len(screen.view.order)
        target = (start_index + 41) % count
        took = await clock.time(
            ["n"] * 41,
            lambda: queue_shows()() and screen.view is not None and screen.view.index == target,
        )
        got["41 × n typed ahead (until the last is shown)"] = [took]

        await clock.until(queue_shows())
        ready = {o.org_id: o.login_conflicts for o in _readiness(ctx)}  # the "Left" column
        took = await clock.time(
            ["escape"],
            lambda: (
                isinstance(app.screen, DashboardScreen)
                and _dashboard_left(app) == sum(ready.values())
            ),
        )
        got["escape → dashboard numbers"] = [took]

        email = plan_steps(report, steps + 1, seed + 7)[-1][1][1]
        stamps = {stamp_file.read_text()}
        start = time.perf_counter()
        result = search_families(ctx, email)
        got["search exact email (core, first after an action)"] = [
            (time.perf_counter() - start) * 1000
        ]
        assert result.hits and result.hits[0].match == "exact"
        await pilot.press("slash")
        await clock.until(lambda: isinstance(app.screen, SearchScreen))
        start = time.perf_counter()
        clock.send(list(email))
        await clock.until(lambda: " exact, " in text("#search-status"))
        got["search exact email (screen, last key → results)"] = [
            (time.perf_counter() - start) * 1000
        ]
        stamps.add(stamp_file.read_text())
    queue_screen.execute, queue_screen.load_view = real_execute, real_load
    live.flush = real_flush
    got["database time of the same actions (floor)"] = floor
    got["the action's worker: database + view patched + next group read"] = worker
    if saves:
        got["snapshot saved in the background (idle 5 s)"] = saves
    got["_rewrites"] = [len(stamps) - 1]
    return got


def _at(app, key: tuple[int, str]) -> bool:
    screen = app.screen
    view = getattr(screen, "view", None)
    return (
        getattr(screen, "phase", None) == "idle"
        and view is not None
        and view.group is not None
        and view.group.key == key
    )


def _readiness(ctx):
    from famtriage.core.report.readiness import readiness

    return readiness(ctx)


def _dashboard_left(app) -> int:
    from famtriage.tui.widgets.frame_table import FrameTable

    frame = app.screen.query_one("#orgs", FrameTable).frame
    if not frame.height:
        return -1
    return int(frame["left"].str.replace_all(",", "").cast(pl.Int64).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/famtriage-bench"))
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    db = prepare(args.work, args.families)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    where = f"Pilot at {SIZE[0]}×{SIZE[1]}"
    print(f"{args.families:,} families, SQLite, {where}; load average {' '.join(load)}")
    got = asyncio.run(drive(db, args.steps, args.seed))
    rewrites = got.pop("_rewrites")[0]
    for name, values in got.items():
        print(summary(name, values))
    print(f"snapshot files written by the first search after an action: {rewrites}")
    out = args.work / "bench_queue.json"
    out.write_text(json.dumps(got, indent=1))
    print(f"every figure: {out}")


if __name__ == "__main__":
    main()
