"""Messages that carry a background result up to the screen that asked for it.

Workers run in threads and never touch widgets; they post one of these and the
screen's handler updates the display on the UI thread.
"""

from __future__ import annotations

from textual.message import Message

from core.audit import ActionResult, AuditEntry
from core.readiness import OrgReadiness
from core.report import Report


class ReportReady(Message):
    """A FAM-12 report finished computing."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report


class ReadinessReady(Message):
    """Per-organization readiness finished computing."""

    def __init__(self, orgs: list[OrgReadiness]) -> None:
        super().__init__()
        self.orgs = orgs


class AuditListed(Message):
    """The audit log (newest first) was read."""

    def __init__(self, entries: list[AuditEntry]) -> None:
        super().__init__()
        self.entries = entries


class ActionDone(Message):
    """An action (an undo, from this app) finished and was audited."""

    def __init__(self, result: ActionResult) -> None:
        super().__init__()
        self.result = result
