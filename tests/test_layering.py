"""core/ never imports a UI library; scripted CLI commands never import Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import famtriage.core as core


def _modules_loaded_by(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_core_modules_import_no_ui() -> None:
    """Every module of famtriage.core, subpackages included (migrations run only under
    Alembic, which the store loads itself)."""
    names = [
        m.name
        for m in pkgutil.walk_packages(core.__path__, "famtriage.core.")
        if ".migrations." not in m.name
    ]
    assert "famtriage.core.report.fam12" in names
    loaded = _modules_loaded_by("\n".join(f"import {n}" for n in names))
    assert not {"textual", "rich", "famtriage.tui"} & loaded


def test_cli_report_does_not_import_textual(sample_db) -> None:
    code = (
        "import sys\nfrom famtriage.tui.cli.main import main\n"
        f"main(['--db', {str(sample_db)!r}, 'report', '--format', 'json'])"
    )
    loaded = _modules_loaded_by(code)
    assert "textual" not in loaded


def test_report_from_export_needs_no_database_library() -> None:
    from famtriage.core.store import config

    code = (
        "import sys\nfrom famtriage.tui.cli.main import main\n"
        f"main(['report', '--from', {str(config.SAMPLE_DATA)!r}, '--format', 'json'])"
    )
    loaded = _modules_loaded_by(code)
    assert "sqlalchemy" not in loaded
    assert "textual" not in loaded
