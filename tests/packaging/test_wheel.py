"""The built wheel ships the package data the runtime reads (tools/ as agentfn/library, prompts/ as
agentfn/prompts, migrations) and installs nothing at top level but ``agentfn``."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_contains_tools_prompts_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True, timeout=600,
    )
    (wheel,) = tmp_path.glob("agentfn-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "prompts").rglob("*.jinja"):
        assert f"agentfn/{template.relative_to(ROOT)}" in names
    for module in (ROOT / "tools").glob("*.py"):
        assert f"agentfn/library/{module.name}" in names
    top = {n.split("/")[0] for n in names}
    assert top == {"agentfn", "agentfn-0.1.0.dist-info"}, top
    assert any(n.startswith("agentfn/traces/migrations/") and n.endswith(".py") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "agentfn = agentfn.cli:app" in text and "[agentfn.tools]" in text
    assert "builtin = agentfn.library" in text
