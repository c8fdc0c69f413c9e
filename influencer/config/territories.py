"""Where a grant applies and where an account reaches: ISO 3166-1 alpha-2 codes and the regions
``EU``, ``EEA`` and ``WORLD``, expanded to the codes they stand for.

The country codes are read from ``iso3166.tab`` of the IANA time zone database, shipped by the
``tzdata`` package this project depends on, so the list is maintained upstream, not here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files

EU = frozenset({"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
                "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})
EEA = EU | {"IS", "LI", "NO"}
REGIONS = ("EU", "EEA", "WORLD")


@cache
def countries() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code in use."""
    table = files("tzdata.zoneinfo").joinpath("iso3166.tab").read_text(encoding="utf-8")
    return frozenset(line.split("\t", 1)[0] for line in table.splitlines()
                     if line and not line.startswith("#"))


def known(code: str) -> bool:
    return code in REGIONS or code in countries()


def expand(codes: Iterable[str]) -> frozenset[str]:
    """The country codes that ``codes`` (countries and regions) cover."""
    found: set[str] = set()
    for code in codes:
        if code == "WORLD":
            return countries()
        found |= EEA if code == "EEA" else EU if code == "EU" else {code}
    return frozenset(found)
