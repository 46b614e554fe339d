"""The Spanish message catalogues are complete: every message translated, none fuzzy, none missing.

"Missing" means a string marked for translation in the code that the catalogue
does not have yet: ``makemessages`` is run on a temporary copy of the project
and must add nothing. After marking new strings, ``make messages`` adds them to
the catalogues, where they are translated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = {
    "django": LOCALE / "es" / "LC_MESSAGES" / "django.po",
    "djangojs": LOCALE / "es" / "LC_MESSAGES" / "djangojs.po",
}
# What `make messages` scans: the project's code, templates and scripts, not its tests or vendored files.
SOURCES = ["accounts", "config", "evaluation", "interop", "templates", "static/js", "manage.py"]
MAKEMESSAGES = {
    "django": ["-l", "es", "--no-location", "--ignore=tests", "--ignore=benchmarks", "--ignore=scripts"],
    "djangojs": ["-l", "es", "-d", "djangojs", "--no-location", "--ignore=static/vendor"],
}
IN_CI = os.environ.get("CI", "").lower() == "true"


def _key(entry: polib.POEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _untranslated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return not entry.msgstr_plural or not all(text.strip() for text in entry.msgstr_plural.values())
    return not entry.msgstr.strip()


@pytest.mark.parametrize("domain", sorted(CATALOGUES))
def test_every_message_is_translated_and_none_is_fuzzy(domain):
    catalogue = polib.pofile(str(CATALOGUES[domain]))
    live = [entry for entry in catalogue if not entry.obsolete]
    assert live, f"{domain}.po has no messages"
    assert not catalogue.metadata_is_fuzzy, f"{domain}.po: the header is marked fuzzy"
    assert [e.msgid for e in live if _untranslated(e)] == [], f"{domain}.po: untranslated messages"
    assert [e.msgid for e in live if "fuzzy" in e.flags] == [], f"{domain}.po: fuzzy messages"


def _project_copy(target: Path) -> Path:
    root = Path(settings.BASE_DIR)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in SOURCES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    shutil.copytree(LOCALE, target / "locale", ignore=ignore)
    return target


@pytest.fixture(scope="module")
def remade(tmp_path_factory) -> Path:
    """The catalogues as ``makemessages`` leaves them after scanning a copy of the project."""
    if shutil.which("xgettext") is None:
        if IN_CI:
            pytest.fail("GNU gettext (xgettext) is not installed; CI installs it (.ci/run)", pytrace=False)
        pytest.skip("GNU gettext (xgettext) is not installed, so makemessages cannot run here")
    copy = _project_copy(tmp_path_factory.mktemp("project"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "True", "PYTHONPATH": str(copy)}
    for arguments in MAKEMESSAGES.values():
        subprocess.run([sys.executable, "manage.py", "makemessages", *arguments], cwd=copy, env=env, check=True,
                       capture_output=True, timeout=300)
    return copy


@pytest.mark.parametrize("domain", sorted(CATALOGUES))
def test_makemessages_would_add_no_message(domain, remade):
    current = {_key(e) for e in polib.pofile(str(CATALOGUES[domain])) if not e.obsolete}
    scanned = {_key(e) for e in polib.pofile(str(remade / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po"))
               if not e.obsolete}
    new = sorted(msgid for _, msgid, _ in scanned - current)
    assert new == [], f"marked for translation but not in {domain}.po (run `make messages`, then translate): {new}"
