"""How every console table pages: 50 rows, a page number from the query bounded so the
store never skips millions, and lists that read one row past the page to know whether a
next one exists without counting the collection (a scan on FerretDB v1)."""

from __future__ import annotations

from typing import TypeVar

PAGE_SIZE = 50
MAX_PAGE = 10_000

T = TypeVar("T")


def page_number(text: str | None) -> int:
    """A page from the query: anything that is not a number from 1 is the first page."""
    try:
        return max(1, min(int(text or "1"), MAX_PAGE))
    except ValueError:
        return 1


def window(page: int) -> tuple[int, int]:
    """Limit and skip of a page read one row past its end (see ``more_page``)."""
    return PAGE_SIZE + 1, (page - 1) * PAGE_SIZE


def more_page(rows: list[T]) -> tuple[list[T], bool]:
    """Rows read one past the page: the page, and whether a next page exists."""
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
