"""What a clinician types in the patient search, understood: dates of birth, an MRN, name fragments.

Pure parsing, no database: ``register.patient_search`` turns the result into
a query that an index serves (the MRN's unique index, the date of birth's
index, the trigram index on the folded search text).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from .models import fold_for_search

# Month names by their first three letters, in English and in Spanish (the pages' languages; a Spanish page
# writes "2 abr 1980"). Three letters tell every month apart in both: "mar" and "may" are the same month in each.
MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
MONTHS.update({name: number for number, name in enumerate(
    ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"), start=1)})
_MONTH = rf"(?P<month_name>{'|'.join(sorted(MONTHS))})[a-z]*\.?"
# A clinic in the UK writes day before month: 03/04/1980 is 3 April.
DATE_PATTERNS = [
    re.compile(r"(?<![\w/.-])(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?![\w/.-])"),
    re.compile(r"(?<![\w/.-])(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})(?![\w/.-])"),
    # "2 Apr 1980", "2nd April 1980", "2 de abril de 1980"
    re.compile(rf"(?<![\w/.-])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?[\s-]+(?:de\s+)?{_MONTH}[\s,-]+(?:de\s+)?"
               rf"(?P<year>\d{{4}})(?![\w/.-])", re.IGNORECASE),
    re.compile(rf"(?<![\w/.-]){_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})(?![\w/.-])",
               re.IGNORECASE),
]
# An MRN as the register stores it (upper case, letters, digits, "-" or "/"); one with a digit, so a
# surname typed alone is never taken for one.
MRN_LIKE = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9\-/]{1,31}$")


@dataclass(frozen=True)
class PatientQuery:
    terms: tuple[str, ...] = ()
    dates: tuple[datetime.date, ...] = ()
    mrn: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.dates)


def _date_of(match: re.Match[str]) -> datetime.date | None:
    parts = match.groupdict()
    month = MONTHS[parts["month_name"][:3].lower()] if parts.get("month_name") else int(parts["month"])
    try:
        return datetime.date(int(parts["year"]), month, int(parts["day"]))
    except ValueError:
        return None


def find_dates(text: str) -> tuple[list[datetime.date], str]:
    """The dates written in ``text`` (ISO, 3/4/1980, 3.4.1980, 3-4-1980, 3 Apr 1980, April 3, 1980)
    and what is left of the text once they are taken out. A date that does not exist stays text."""
    found: list[datetime.date] = []

    def take(match: re.Match[str]) -> str:
        day = _date_of(match)
        if day is None:
            return match.group(0)
        found.append(day)
        return " "

    for pattern in DATE_PATTERNS:
        text = pattern.sub(take, text)
    return found, text


def parse_patient_query(text: str) -> PatientQuery:
    dates, rest = find_dates(text.strip())
    rest = rest.replace(",", " ")  # "BENNETT, Alice", as the list writes a name
    words = rest.split()
    mrn = words[0].upper() if len(words) == 1 and not dates and MRN_LIKE.match(words[0].upper()) else ""
    return PatientQuery(terms=tuple(fold_for_search(rest).split()), dates=tuple(dates), mrn=mrn)
