"""Export from the app, as an engineer does: open the FAM-12 report, `e`, pick the
format, enter; print the seconds from enter to the file (bench_exports.py runs it).

    python bench/app_export.py STORE csv|xlsx|pdf FILE

The app runs headless (Textual's test driver): the screens, the worker thread, the
messages and the progress bar are the app's own; only the terminal is not drawn on.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from famtriage.core.access.context import Context
from famtriage.core.store.database import Store
from famtriage.tui.app import FamtriageApp
from famtriage.tui.screens.report import ReportScreen


async def export(store: str, fmt: str, out: Path) -> float:
    app = FamtriageApp(Context.open(Store.open(store)))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("r")
        while not (isinstance(app.screen, ReportScreen) and app.screen.report is not None):
            await asyncio.sleep(0.05)
        await pilot.press("e")
        await pilot.pause()
        for _ in range(("csv", "xlsx", "pdf").index(fmt)):
            await pilot.press("right")
        await pilot.pause()
        app.screen.query_one("#path").value = str(out)  # type: ignore[attr-defined]
        started = time.perf_counter()
        await pilot.press("enter")
        while not out.exists():
            await asyncio.sleep(0.02)
        seconds = time.perf_counter() - started
        await app.workers.wait_for_complete()
    return seconds


if __name__ == "__main__":
    store, fmt, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    out.unlink(missing_ok=True)
    print(f"{asyncio.run(export(store, fmt, out)):.3f}")
