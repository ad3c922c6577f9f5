"""Which stations a filtered station list shows, decided without the store: the page reads
the id list each filter needs once (online now, every station for "offline", a site's
members, a model or firmware) and this module intersects them, applies the id prefix,
sorts and counts, so only the shown page's documents are read.

Why not hand the lists to the store as ``{"_id": {"$in": [...]}}``: FerretDB v1 compares
every document with every listed id (measured at 100,000 stations: 13 s for 5,000 ids,
45 s for 20,000), and on MongoDB a list of a large fleet's ids nears the 16 MB limit of a
command. Reading an id list is one scan on FerretDB (~2.5 s at 100,000) and one index
walk on MongoDB; ``bench.console_fleet`` has the numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

STATUSES = ("all", "online", "offline")
MAX_TEXT = 64  # a model (CiString20) or firmware version (CiString50), with room


@dataclass(frozen=True)
class StationFilter:
    prefix: str = ""
    status: str = "all"
    site: str = ""
    model: str = ""
    firmware: str = ""
    descending: bool = False

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> StationFilter:
        """Unknown values fall back to "no filter" rather than an error page: a list's
        query string is edited by hand and bookmarked."""
        status = query.get("status", "all")

        def text(name: str) -> str:
            return query.get(name, "").strip()[:MAX_TEXT]

        return cls(
            prefix=text("q"),
            status=status if status in STATUSES else "all",
            site=text("site"),
            model=text("model"),
            firmware=text("firmware"),
            descending=query.get("sort") == "-id",
        )

    def query(self) -> dict[str, str]:
        """The filter as the list's links carry it (paging and sorting keep it)."""
        return {
            "q": self.prefix,
            "status": self.status,
            "site": self.site,
            "model": self.model,
            "firmware": self.firmware,
            "sort": "-id" if self.descending else "id",
        }


def select(
    chosen: StationFilter,
    every: list[str] | None,
    online: list[str] | None,
    narrowed: list[list[str]],
) -> list[str]:
    """The ids the list shows, sorted. ``narrowed`` holds one id list per filter that
    names stations (a site, a model); ``online`` is read when the status filter needs it,
    ``every`` (all registered stations) when nothing else bounds an "offline" list."""
    within: set[str] | None = None
    for ids in narrowed:
        within = set(ids) if within is None else within & set(ids)
    if chosen.status == "online" and online is not None:
        within = set(online) if within is None else within & set(online)
    elif chosen.status == "offline" and online is not None:
        base = within if within is not None else set(every or [])
        within = base - set(online)
    shown = [i for i in (within or set()) if i.startswith(chosen.prefix)]
    return sorted(shown, reverse=chosen.descending)


def needs_every(chosen: StationFilter) -> bool:
    """Whether "offline" must start from every registered station (no other filter names
    the candidates)."""
    return chosen.status == "offline" and not (chosen.site or chosen.model or chosen.firmware)


def narrows(chosen: StationFilter) -> bool:
    """Whether the list is more than the registered stations by id (one paged query)."""
    return chosen.status != "all" or bool(chosen.site or chosen.model or chosen.firmware)
