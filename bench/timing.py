"""Timing whole processes for the bench scripts: wall time and peak memory (RSS) of a
fresh process per run, the median and the spread of several runs, and the machine's
load when they ran (the machine is shared: a figure without its load means little)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAMTRIAGE = [sys.executable, "-m", "famtriage.tui.cli.main"]

_PROBE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "with open(sys.argv[1], 'wb') as out:\n"
    "    rc = subprocess.run(sys.argv[2:], stdout=out).returncode\n"
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
    " rc)\n"
)


@dataclass(frozen=True)
class Figures:
    """Several runs of one command: wall seconds (median, min, max), peak RSS in MiB."""

    walls: tuple[float, ...]
    peak_mib: float

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    def row(self, label: str) -> str:
        spread = f"{min(self.walls):.2f}–{max(self.walls):.2f}"
        peak = f"{self.peak_mib:.0f}" if self.peak_mib else "-"
        return f"{label:<58} {self.median:>7.2f} {spread:>12} {peak:>9}"


HEADER = f"{'command':<58} {'median s':>7} {'min–max s':>12} {'peak MiB':>9}"


def measure(
    argv: Sequence[str],
    runs: int,
    *,
    before: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
    stdout: Path = Path(os.devnull),
) -> Figures:
    """Run `argv` `runs` times, each in a fresh process after `before()`; its standard
    output goes to `stdout`. A run that fails stops the benchmark, saying why."""
    walls, peak = [], 0.0
    for _ in range(runs):
        if before is not None:
            before()
        result = subprocess.run(
            [sys.executable, "-c", _PROBE, str(stdout), *argv],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        wall, rss, rc = result.stdout.split()
        if rc != "0":
            raise SystemExit(f"failed: {' '.join(argv)}\n{result.stderr}")
        walls.append(float(wall))
        peak = max(peak, int(rss) / 1024)
    return Figures(tuple(walls), peak)


def load_line() -> str:
    """The machine's load averages and cores, to print beside the figures."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
