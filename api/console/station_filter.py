"""Which stations a filtered station list may show, decided without the store: the page
reads the id lists each filter needs (online now, a site's members, a model or firmware)
and this module combines them into the one ``within`` / ``outside`` pair the stations
query takes, so the store is asked once for the page and once for the count."""

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


def combine(
    online: list[str] | None, status: str, narrowed: list[list[str]]
) -> tuple[list[str] | None, list[str] | None]:
    """``(within, outside)`` for the stations query. ``narrowed`` holds one id list per
    filter that names stations (a site, a model); the page shows only stations in all of
    them. ``online`` is the stations connected now, read only when ``status`` needs it:
    "online" intersects with it, "offline" excludes it (cheaper than listing the offline
    ones when most of the fleet is connected)."""
    within: set[str] | None = None
    for ids in narrowed:
        within = set(ids) if within is None else within & set(ids)
    outside: list[str] | None = None
    if status == "online" and online is not None:
        within = set(online) if within is None else within & set(online)
    elif status == "offline" and online is not None:
        if within is None:
            outside = online
        else:
            within -= set(online)
    return (None if within is None else sorted(within)), outside
