#!/usr/bin/env bash
# Re-vendor the front-end libraries (pinned) into src/dixian/static/vendor/ from the npm registry.
# The product serves these files itself: no CDN at runtime (government intranets).
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=src/dixian/static/vendor
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PKGS=(htmx.org@2.0.11 @tabler/core@1.6.1 @tabler/icons-webfont@3.49.0 @alpinejs/csp@3.17.4 echarts@6.1.0 leaflet@1.9.4)
( cd "$TMP" && echo '{"name":"v","version":"1.0.0","private":true}' > package.json \
  && npm install --no-audit --no-fund --silent "${PKGS[@]}" )
N="$TMP/node_modules"
rm -rf "$DEST" && mkdir -p "$DEST"/{htmx,tabler,tabler-icons/fonts,alpine,echarts,leaflet/images}
cp "$N/htmx.org/dist/htmx.min.js" "$N/htmx.org/LICENSE" "$DEST/htmx/"
cp "$N/@tabler/core/dist/css/tabler.min.css" "$N/@tabler/core/dist/js/tabler.min.js" "$DEST/tabler/"
printf 'Tabler (@tabler/core) is released under the MIT License.\nCopyright (c) 2018-2025 codecalm.net (Paweł Kuna)\nSee https://github.com/tabler/tabler/blob/main/LICENSE\n' > "$DEST/tabler/LICENSE"
# Icons: only the regular weight, woff2 only (all current browsers).
sed -e 's#,url("./fonts/tabler-icons.woff?[^"]*") format("woff")##' \
    -e 's#,url("./fonts/tabler-icons.ttf?[^"]*") format("truetype")##' \
    "$N/@tabler/icons-webfont/dist/tabler-icons.min.css" > "$DEST/tabler-icons/tabler-icons.min.css"
cp "$N/@tabler/icons-webfont/dist/fonts/tabler-icons.woff2" "$DEST/tabler-icons/fonts/"
cp "$N/@tabler/icons-webfont/LICENSE" "$DEST/tabler-icons/"
cp "$N/@alpinejs/csp/dist/cdn.min.js" "$DEST/alpine/alpine-csp.min.js"
printf 'Alpine.js (@alpinejs/csp) is released under the MIT License.\nCopyright (c) 2019-2025 Caleb Porzio and contributors\n' > "$DEST/alpine/LICENSE"
cp "$N/echarts/dist/echarts.min.js" "$N/echarts/LICENSE" "$DEST/echarts/"
cp "$N/leaflet/dist/leaflet.js" "$N/leaflet/dist/leaflet.css" "$N/leaflet/LICENSE" "$DEST/leaflet/"
cp "$N"/leaflet/dist/images/*.png "$DEST/leaflet/images/"
# Source maps are not shipped: drop their references (Django's manifest storage follows them).
find "$DEST" \( -name '*.js' -o -name '*.css' \) -exec sed -i -E 's#//[#@] sourceMappingURL=[^ ]*##; s#/\*[#@] sourceMappingURL=[^*]*\*/##' {} +
.venv/bin/python scripts/verify-vendor.py --write
