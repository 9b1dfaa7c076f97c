"""Placeholder until the Textual app lands."""

from __future__ import annotations

from core.context import Context


def run_app(ctx: Context) -> int:
    print("The terminal app is being built; the CLI is complete: famtriage --help")
    return 0
