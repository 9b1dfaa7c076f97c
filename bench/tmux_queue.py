"""A spot check of the resolution queue in a real terminal: famtriage in tmux at 120×40.

    python bench/tmux_queue.py [--families 1000000] [--work /tmp/famtriage-bench] [--steps 10]

Uses the store `bench_queue.py` builds (a fresh copy of it), starts `famtriage --db …`
in a detached tmux session, sends keys with `tmux send-keys` and reads the screen with
`tmux capture-pane -p` every few milliseconds: `w`, then STEPS times `A` and, once the
confirmation is on screen, `y` until the position line names another group; `n` five
times; 41 `n` sent at once. Times include tmux's own delay (a capture every 2 ms, and
the terminal's redraw); the session is killed at the end.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_queue import prepare

SESSION = "famtriage-queue-spot"
ROOT = Path(__file__).resolve().parent.parent
POSITION = re.compile(r"Group ([\d,]+) of ([\d,]+)[^\n]*")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait(done: Callable[[str], bool], timeout: float = 60.0) -> str:
    end = time.perf_counter() + timeout
    while True:
        shown = screen()
        if done(shown):
            return shown
        if time.perf_counter() > end:
            raise TimeoutError(shown)
        time.sleep(0.002)


def keys(*names: str) -> float:
    tmux("send-keys", "-t", SESSION, *names)
    return time.perf_counter()


def position(shown: str) -> str:
    found = POSITION.search(shown)
    return found.group(0) if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/famtriage-bench"))
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    db = prepare(args.work, args.families)
    famtriage = Path(sys.executable).with_name("famtriage")
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True, check=False)
    tmux("new", "-d", "-s", SESSION, "-x", "120", "-y", "40", f"{famtriage} --db {db}")
    got: dict[str, list[float]] = {}
    try:
        wait(lambda s: "login-ready" in s and "Computing" not in s)
        start = keys("w")
        shown = wait(lambda s: bool(position(s)))
        got["w (open the queue)"] = [(time.perf_counter() - start) * 1000]
        for _ in range(args.steps):
            before = position(shown)
            keys("A")
            try:
                wait(lambda s: "Apply the recommendation?" in s, timeout=2)
            except TimeoutError:  # a review group: said so, and moved on
                shown = wait(lambda s, b=before: position(s) != b)
                continue
            time.sleep(0.05)  # the confirmation is on screen: the engineer reads it
            start = keys("y")
            shown = wait(lambda s, b=before: position(s) not in ("", b) and "working" not in s)
            got.setdefault("y → next group shown", []).append((time.perf_counter() - start) * 1000)
        for _ in range(5):
            before = position(shown)
            start = keys("n")
            shown = wait(lambda s, b=before: position(s) not in ("", b))
            got.setdefault("n → next group shown", []).append((time.perf_counter() - start) * 1000)
        found = POSITION.search(shown)
        assert found is not None
        number, count = (int(g.replace(",", "")) for g in found.groups())
        target = (number - 1 + 41) % count + 1
        start = keys(*["n"] * 41)
        shown = wait(lambda s: f"Group {target:,} of" in s)
        got["41 × n sent at once → its group shown"] = [(time.perf_counter() - start) * 1000]
        print(f"tmux 120×40, {args.families:,} families (capture every 2 ms)")
        for name, values in got.items():
            print(
                f"{name:<40} {len(values):>3}  median {statistics.median(values):7.1f} ms"
                f"  worst {max(values):7.1f} ms"
            )
        print("\nthe screen at the end:\n" + shown)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True, check=False)


if __name__ == "__main__":
    main()
