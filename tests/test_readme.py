"""The README's configuration table is the one the code declares."""

from __future__ import annotations

from pathlib import Path

from shared.config import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_configuration_table_matches_the_settings():
    text = README.read_text()
    start = text.index("-->", text.index("<!-- config-table")) + 3
    end = text.index("<!-- /config-table -->")
    assert text[start:end].strip() == markdown_table()
