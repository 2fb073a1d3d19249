#!/usr/bin/env python3
"""Check (or with --write, record) the sha256 of every vendored front-end file.

VERSIONS.md lists each library with its version and licence, then one line per file:
`sha256  path`. CI runs this without --write: a changed or missing file fails.
"""

import hashlib
import sys
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src" / "dixian" / "static" / "vendor"
HEADER = """# Vendored front-end libraries

Served from our own origin (no CDN): the product runs on intranets without internet.
Reproduce with `scripts/vendor.sh`; check with `scripts/verify-vendor.py`.

| library | npm package | version | licence |
|---|---|---|---|
| htmx | htmx.org | 2.0.11 | 0BSD |
| Tabler (Bootstrap 5 based UI kit) | @tabler/core | 1.6.1 | MIT |
| Tabler Icons (webfont, regular weight, woff2 only) | @tabler/icons-webfont | 3.49.0 | MIT |
| Alpine.js, CSP build | @alpinejs/csp | 3.17.4 | MIT |
| Apache ECharts | echarts | 6.1.0 | Apache-2.0 |
| Leaflet | leaflet | 1.9.4 | BSD-2-Clause |

Edits to the upstream files: the Tabler Icons CSS references only the woff2 font;
`sourceMappingURL` comments are removed (source maps are not shipped).

## Files (sha256)

```
"""


def files():
    return sorted(p for p in VENDOR.rglob("*") if p.is_file() and p.name != "VERSIONS.md")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    listing = VENDOR / "VERSIONS.md"
    if "--write" in sys.argv:
        lines = [f"{digest(p)}  {p.relative_to(VENDOR)}" for p in files()]
        listing.write_text(HEADER + "\n".join(lines) + "\n```\n")
        print(f"recorded {len(lines)} files")
        return 0
    recorded = {}
    in_block = False
    for line in listing.read_text().splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block and line.strip():
            sha, name = line.split(maxsplit=1)
            recorded[name] = sha
    problems = []
    for name, sha in recorded.items():
        path = VENDOR / name
        if not path.exists():
            problems.append(f"missing: {name}")
        elif digest(path) != sha:
            problems.append(f"changed: {name}")
    extra = {str(p.relative_to(VENDOR)) for p in files()} - set(recorded)
    problems += [f"not recorded: {n}" for n in sorted(extra)]
    for p in problems:
        print(p)
    print(f"{len(recorded)} vendored files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
