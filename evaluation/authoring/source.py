"""The source document the clinical content is drawn from, as sections of passages to cite.

A rule's source is ``{"section": heading, "quote": text}``; a quote may join
passages of its section with “…”. The rule editor offers the passages of the
chosen section to pick from, and refuses a quote that is not in that section.
Pure apart from reading the text file once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

SOURCE_FILE = Path(__file__).resolve().parents[1] / "data" / "source" / "understanding-fasciculations-and-cramps.txt"
ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


@dataclass(frozen=True)
class SourceSection:
    heading: str
    passages: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.passages)


@dataclass(frozen=True)
class SourceDocument:
    title: str
    sections: tuple[SourceSection, ...]

    def section(self, heading: str) -> SourceSection | None:
        return next((s for s in self.sections if s.heading == heading), None)

    @property
    def headings(self) -> list[str]:
        return [s.heading for s in self.sections]


def parse_source(text: str) -> SourceDocument:
    """Headings are the lines ending in “?”; the lines before the first one are the title and date."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0] if lines else ""
    sections: list[tuple[str, list[str]]] = []
    for line in lines[1:]:
        if line.endswith("?"):
            sections.append((line, []))
        elif sections:
            sections[-1][1].extend(_passages(line))
    return SourceDocument(title, tuple(SourceSection(heading, tuple(p)) for heading, p in sections))


def _passages(line: str) -> list[str]:
    """A paragraph as its sentences; a list entry (“- Muscle weakness.”) as itself."""
    if line.startswith("- "):
        return [line[2:].strip()]
    return [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]


@functools.cache
def source_document(path: Path = SOURCE_FILE) -> SourceDocument:
    try:
        return parse_source(path.read_text(encoding="utf-8"))
    except OSError:
        return SourceDocument("", ())


def _normal(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()


def quote_fault(document: SourceDocument, heading: str, quote: str) -> str | None:
    """Why ``quote`` cannot be cited from section ``heading``; None when every part of it is there."""
    section = document.section(heading)
    if section is None:
        return _("“%(heading)s” is not a section of the source document.") % {"heading": heading}
    haystack = _normal(section.text)
    for part in quote.split(ELLIPSIS):
        fragment = _normal(part)
        if fragment and fragment not in haystack:
            return _("“%(passage)s” is not in the section “%(heading)s” of the source document. Pick a passage, "
                     "or shorten it; join passages with “…”.") % {"passage": part.strip(), "heading": heading}
    return None
