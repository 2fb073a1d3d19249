#!/usr/bin/env python3
"""Compile every gettext catalogue under src/dixian/locale (.po -> .mo) with polib.

No system gettext is needed: run it with the project's interpreter,
`.venv/bin/python scripts/compile-messages.py`. The compiled .mo files are committed
next to their .po, so a fresh checkout serves translated pages without a build step.

A catalogue with an untranslated or fuzzy entry (or a fuzzy header) is reported and
not compiled, and the script exits with status 1, so CI fails instead of shipping
English strings inside the Chinese UI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "src" / "dixian" / "locale"


def problems(po: polib.POFile) -> list[str]:
    """Human-readable reasons why this catalogue must not be compiled."""
    found = []
    if po.metadata_is_fuzzy:
        found.append("header: marked fuzzy")
    for entry in po:
        if entry.obsolete:
            continue
        label = repr(entry.msgid)
        if entry.msgctxt:
            label = f"{entry.msgctxt!r} | {label}"
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {label}")
        elif not entry.translated():
            found.append(f"untranslated: {label}")
    return found


def main() -> int:
    # The project catalogue plus each app's own (src/dixian/<app>/locale/...).
    catalogues = sorted(LOCALE.glob("*/LC_MESSAGES/*.po")) + sorted(
        LOCALE.parent.glob("*/locale/*/LC_MESSAGES/*.po")
    )
    if not catalogues:
        print(f"no .po files under {LOCALE}", file=sys.stderr)
        return 1
    failed = False
    for po_path in catalogues:
        rel = po_path.relative_to(LOCALE.parents[2])
        po = polib.pofile(str(po_path))
        bad = problems(po)
        if bad:
            failed = True
            print(f"{rel}: {len(bad)} problem(s), not compiled", file=sys.stderr)
            for line in bad:
                print(f"  {line}", file=sys.stderr)
            continue
        mo_path = po_path.with_suffix(".mo")
        po.save_as_mofile(str(mo_path))
        count = len([e for e in po if not e.obsolete])
        print(f"{rel} -> {mo_path.name} ({count} entries)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
