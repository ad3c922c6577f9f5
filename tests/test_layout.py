"""The folder layout is the flow: what each top-level package may import is part of the
design, so it is checked here rather than trusted to review."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imported_packages(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("api", {"workers", "gateway"}),
        ("store", {"workers", "gateway", "api"}),
        ("shared", {"workers", "gateway", "api", "store"}),
        ("gateway", {"workers", "api", "store"}),
    ],
)
def test_a_package_imports_only_what_comes_before_it_in_the_flow(
    package: str, forbidden: set[str]
) -> None:
    assert not _imported_packages(package) & forbidden


def test_a_run_leaves_nothing_at_the_repository_root() -> None:
    """FerretDB once wrote its state.json into the checkout, and pip its egg-info: everything
    a run writes belongs in .venv/ or .local/. The services were started before this test
    runs, so anything they left would be listed here."""
    left = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=normal", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    at_root = {line[3:].rstrip("/") for line in left if line.startswith(("??", "!!"))}
    at_root = {path for path in at_root if "/" not in path}
    assert at_root <= {".venv", ".local"}, at_root
