"""Compile the message catalogues (locale/*/LC_MESSAGES/*.po) to .mo files.

Pure Python (polib), so `make run` and `make test` need no system gettext on a
fresh machine; `manage.py compilemessages` gives the same files where GNU
gettext is installed. Run: .venv/bin/python scripts/compile_messages.py
"""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def main() -> None:
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(LOCALE.parent)}")


if __name__ == "__main__":
    main()
