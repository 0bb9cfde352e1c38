"""The report as data: sections of notes, tables and figures (renderers live in render.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Note:
    """A paragraph; ``missing=True`` marks a piece of the store that is absent."""

    text: str
    missing: bool = False


@dataclass
class Table:
    """A table: ``data`` (raw numbers, for CSV/Parquet) and ``display`` (formatted strings).

    ``show=False`` keeps a table out of the documents (its CSV/Parquet are still written).
    """

    name: str
    caption: str
    data: pd.DataFrame
    display: pd.DataFrame
    show: bool = True


@dataclass
class Figure:
    """A PNG figure."""

    name: str
    caption: str
    png: bytes


@dataclass
class Section:
    """A titled list of blocks."""

    title: str
    blocks: list[Note | Table | Figure] = field(default_factory=list)

    def note(self, text: str, missing: bool = False) -> None:
        self.blocks.append(Note(text, missing))


@dataclass
class Report:
    """The whole report; ``banner`` lines are shown first, as warnings."""

    title: str
    intro: list[str]
    sections: list[Section]
    banner: list[str] = field(default_factory=list)

    def blocks(self, kind: type) -> list:
        return [b for s in self.sections for b in s.blocks if isinstance(b, kind)]

    @property
    def missing(self) -> list[str]:
        return [n.text for n in self.blocks(Note) if n.missing]
