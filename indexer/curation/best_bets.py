"""Editors' best bets (`best_bets.toml`): items shown first for a query.

    [[bet]]
    queries = ["drug use survey", "nigeria drugs"]   # matched as searches are normalised
    items = ["<item id>", "<item id>"]               # shown first, in this order
    expires = 2027-06-30                             # optional: the last day it applies
    note = "National Drug Use Survey launch"         # optional

A bet applies to a search by relevance whose words are one of its queries;
its items come first, in order, marked `pinned`, if they pass the search's
filters and dates, and every other result follows. A query in several bets
pins their items in the order of the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib

from indexer.search.request import normalise_query

KEYS = {"queries", "items", "expires", "note"}


class BestBetsError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Bet:
    number: int  # its place in the file, from 1
    queries: tuple[str, ...]
    items: tuple[str, ...]
    expires: dt.date | None = None
    note: str = ""

    def applies_on(self, day: dt.date) -> bool:
        return self.expires is None or day <= self.expires


class BestBets:
    def __init__(self, bets: tuple[Bet, ...] = ()):
        self.bets = bets

    @classmethod
    def parse(cls, text: str) -> BestBets:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise BestBetsError(str(err)) from None
        unknown = set(data) - {"bet"}
        if unknown:
            raise BestBetsError(f"unknown table {', '.join(sorted(unknown))}; write each entry as [[bet]]")
        entries = data.get("bet", [])
        if not isinstance(entries, list):
            raise BestBetsError("write each entry as [[bet]]")
        return cls(tuple(_bet(entry, number) for number, entry in enumerate(entries, 1)))

    def __bool__(self) -> bool:
        return bool(self.bets)

    def items_for(self, q: str, day: dt.date) -> list[str]:
        """The ids pinned for the query `q` on `day`, in order."""
        folded = normalise_query(q)
        pinned: list[str] = []
        for bet in self.bets:
            if folded in bet.queries and bet.applies_on(day):
                pinned += [item for item in bet.items if item not in pinned]
        return pinned


def _bet(entry: object, number: int) -> Bet:
    where = f"bet {number}"
    if not isinstance(entry, dict):
        raise BestBetsError(f"{where} is not a table")
    unknown = set(entry) - KEYS
    if unknown:
        raise BestBetsError(f"{where}: unknown key {', '.join(sorted(unknown))} (keys: {', '.join(sorted(KEYS))})")
    queries, items = entry.get("queries"), entry.get("items")
    for key, value in (("queries", queries), ("items", items)):
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise BestBetsError(f"{where}: `{key}` must be a list of one or more strings")
    expires = entry.get("expires")
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if expires is not None and not isinstance(expires, dt.date):
        raise BestBetsError(f"{where}: `expires` must be a date, like 2027-06-30")
    note = entry.get("note", "")
    if not isinstance(note, str):
        raise BestBetsError(f"{where}: `note` must be a string")
    assert isinstance(queries, list) and isinstance(items, list)
    return Bet(
        number,
        tuple(normalise_query(q) for q in queries),
        tuple(item.strip() for item in items),
        expires,
        note,
    )


NO_BEST_BETS = BestBets()
