#!/usr/bin/env bash
# Re-vendor the front-end libraries into src/dixian/static/vendor/ from the npm registry,
# at the exact versions pinned below, then record the sha256 of every file in VERSIONS.md.
#
# The product serves these files itself: no CDN at runtime (government intranets without
# internet). Run this on a machine that can reach the npm registry, review the diff, commit.
# Check the result at any time (no network needed) with: python3 scripts/verify-vendor.py
#
# To update a library: change its pin here, run the script, read VERSIONS.md's notes again
# (edits to upstream files, CSP notes), test the pages that use it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/src/dixian/static/vendor"
PYTHON=${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python3 )}

PKGS=(
  htmx.org@2.0.11              # stay on 2.0.x: 2.1+/4.x change the API
  @tabler/core@1.6.1           # bundles Bootstrap 5 and Popper
  @tabler/icons-webfont@3.49.0
  @alpinejs/csp@3.17.4         # CSP build: no eval; bundles @vue/reactivity
  echarts@6.1.0                # bundles zrender
  leaflet@1.9.4
  bootstrap@5.3.9              # not shipped: only its LICENSE (Bootstrap ships inside Tabler)
)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vendor-build.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
(
  cd "$TMP"
  printf '{"name":"dixian-vendor","version":"0.0.0","private":true}\n' > package.json
  npm install --no-audit --no-fund --ignore-scripts --save-exact --loglevel=error "${PKGS[@]}"
)
N="$TMP/node_modules"
for spec in "${PKGS[@]}"; do  # npm must have installed exactly the pinned versions
  pkg=${spec%@*} want=${spec##*@}
  got=$(node -p "require('$N/$pkg/package.json').version")
  [ "$got" = "$want" ] || { echo "vendor.sh: $pkg is $got, expected $want" >&2; exit 1; }
done

# Build into a staging folder; replace the real one only when everything succeeded.
OUT="$TMP/vendor"
mkdir -p "$OUT"/{htmx,tabler,tabler-icons/fonts,alpine,echarts,leaflet/images}

# htmx
cp "$N/htmx.org/dist/htmx.min.js" "$N/htmx.org/LICENSE" "$OUT/htmx/"

# Tabler. @tabler/core ships no LICENSE file: the text below is the MIT licence of the
# tabler/tabler repository, with the copyright line of the 1.6.1 release banner.
cp "$N/@tabler/core/dist/css/tabler.min.css" "$N/@tabler/core/dist/js/tabler.min.js" "$OUT/tabler/"
cat > "$OUT/tabler/LICENSE" <<'EOF'
The MIT License (MIT)

Copyright (c) 2018-2026 The Tabler Authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
EOF
cp "$N/bootstrap/LICENSE" "$OUT/tabler/LICENSE-bootstrap"
cp "$N/@popperjs/core/LICENSE.md" "$OUT/tabler/LICENSE-popper"

# Tabler Icons: regular weight only, woff2 only (every current browser reads woff2).
sed -E -e 's#,url\("\./fonts/tabler-icons\.woff\?[^"]*"\) format\("woff"\)##' \
       -e 's#,url\("\./fonts/tabler-icons\.ttf\?[^"]*"\) format\("truetype"\)##' \
    "$N/@tabler/icons-webfont/dist/tabler-icons.min.css" > "$OUT/tabler-icons/tabler-icons.min.css"
cp "$N/@tabler/icons-webfont/dist/fonts/tabler-icons.woff2" "$OUT/tabler-icons/fonts/"
cp "$N/@tabler/icons-webfont/LICENSE" "$OUT/tabler-icons/"

# Alpine.js CSP build. @alpinejs/csp ships no LICENSE file: the text below is LICENSE.md of
# the alpinejs/alpine repository. The bundle includes @vue/reactivity and @vue/shared (MIT).
cp "$N/@alpinejs/csp/dist/cdn.min.js" "$OUT/alpine/alpine-csp.min.js"
cat > "$OUT/alpine/LICENSE" <<'EOF'
# MIT License

Copyright © 2019-2021 Caleb Porzio and contributors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF
cp "$N/@vue/reactivity/LICENSE" "$OUT/alpine/LICENSE-vue"

# ECharts (Apache-2.0: LICENSE and NOTICE must travel with it; the bundle includes zrender
# and code derived from d3, both BSD-3-Clause).
cp "$N/echarts/dist/echarts.min.js" "$N/echarts/LICENSE" "$N/echarts/NOTICE" "$OUT/echarts/"
cp "$N/echarts/licenses/LICENSE-d3" "$OUT/echarts/LICENSE-d3"
cp "$N/zrender/LICENSE" "$OUT/echarts/LICENSE-zrender"

# Leaflet
cp "$N/leaflet/dist/leaflet.js" "$N/leaflet/dist/leaflet.css" "$N/leaflet/LICENSE" "$OUT/leaflet/"
cp "$N"/leaflet/dist/images/*.png "$OUT/leaflet/images/"

# Source maps are not shipped: drop their references (Django's manifest storage follows
# them and collectstatic would fail on the missing .map files).
find "$OUT" \( -name '*.js' -o -name '*.css' \) -exec sed -i -E \
  -e '/^\/\/[#@] sourceMappingURL=[^ ]*$/d' \
  -e '/^\/\*[#@] sourceMappingURL=[^ ]* \*\/$/d' {} +
if grep -rl 'sourceMappingURL=' "$OUT"; then
  echo "vendor.sh: source-map references left in the files above" >&2; exit 1
fi

cp "$DEST/VERSIONS.md" "$OUT/" 2>/dev/null || true
rm -rf "$DEST"
mv "$OUT" "$DEST"
"$PYTHON" "$ROOT/scripts/verify-vendor.py" --write --node-modules "$N"
"$PYTHON" "$ROOT/scripts/verify-vendor.py"
du -sh "$DEST"
