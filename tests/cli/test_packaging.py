"""What an install of the CLI brings: the dev stack without the test kit (no pytest)."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from linli.infra import workspace_root


def _closure(package: str) -> set[str]:
    """Every package `package` installs (no dev groups), from the committed uv.lock."""
    lock = tomllib.loads((workspace_root() / "uv.lock").read_text())
    by_name = {p["name"]: p for p in lock["package"]}
    seen: set[str] = set()
    pending = [package]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(dep["name"] for dep in by_name[name].get("dependencies", []))
    return seen


def test_installing_the_cli_does_not_install_pytest_or_the_test_kit() -> None:
    installed = _closure("linli-cli")

    assert "linli-infra" in installed
    assert not {"pytest", "pytest-asyncio", "linli-testing"} & installed


def test_running_the_cli_imports_nothing_of_the_test_kit() -> None:
    probe = (
        "import sys, linli.cli.main, linli.cli.stack, linli.cli.seed;"
        "bad = sorted(m for m in sys.modules if m == 'pytest' or m.startswith('linli.testing'));"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == ""
