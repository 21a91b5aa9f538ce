#!/usr/bin/env bash
# Re-vendor the front-end assets under src/yunwei/static/vendor/ from pinned
# npm versions.
#
# The only network source is the npm registry, reached through `npm pack`.
# Every tarball is checked against a pinned sha512 integrity before use. Only
# the minified dist files and their licence texts are copied. Source-map
# references are stripped, because the .map files are not vendored and
# Django's ManifestStaticFilesStorage (and whitenoise's
# CompressedManifestStaticFilesStorage) would fail collectstatic on them.
#
# To bump a version, change the matching *_VERSION and *_INTEGRITY pair
# below (integrity: `npm view <pkg>@<version> dist.integrity`), run this
# script, re-test the UI, and update the table in
# src/yunwei/static/vendor/README.md.
#
# Usage: scripts/vendor-static.sh            re-vendor (needs the npm registry)
#        scripts/vendor-static.sh --check    only verify the vendored tree
#                                            (offline; no stray source maps, no
#                                            broken or external CSS url()s)
# Needs: bash, npm (and so node), tar, sed, grep. --check needs only bash/grep/sed.
set -euo pipefail

# --- pinned versions -------------------------------------------------------
TABLER_VERSION=1.6.1            # @tabler/core (latest 1.x)
TABLER_INTEGRITY='sha512-lgmR9gcxRp5JlLxcmRi9Rz85JrEvH6Bz71KnlcPVSa97wtwQNjgSs3g3fxwbAlulHyRMghhIV04QUuW3pqDsIg=='
ICONS_VERSION=3.49.0            # @tabler/icons-webfont
ICONS_INTEGRITY='sha512-kWgnmEzo17dzQyMqRmlfj+TiGV0clLMYfUtKp2WG7M+TH5418o6fsoaSlrOTK3lwESg0xS7jVfOozYrR02Ryxw=='
HTMX_VERSION=2.0.11             # htmx.org (latest 2.x; 4.x is "latest" on npm)
HTMX_INTEGRITY='sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=='
ECHARTS_VERSION=6.1.0           # echarts
ECHARTS_INTEGRITY='sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=='

# Licence texts only: code from these packages is compiled into the files
# above (Bootstrap JS/CSS and Popper into tabler.min.*, ZRender into
# echarts.min.js). Keep them in step with what upstream bundles:
#   Bootstrap: `static get VERSION` in dist/js/tabler.js
#   Popper:    the @popperjs+core@x.y.z paths in dist/js/tabler.js
#   ZRender:   "zrender" in echarts' package.json dependencies
BOOTSTRAP_VERSION=5.3.8
BOOTSTRAP_INTEGRITY='sha512-HP1SZDqaLDPwsNiqRqi5NcP0SSXciX2s9E+RyqJIIqGo+vJeN5AJVM98CXmW/Wux0nQ5L7jeWUdplCEf0Ee+tg=='
POPPER_VERSION=2.11.8
POPPER_INTEGRITY='sha512-P1st0aksCrn9sGZhp8GMYwBnQsbvAWsZAX44oXNNvLHGqAOcoVxmjZiohstwQ7SqKnbR47akdNi+uleWD8+g6A=='
ZRENDER_VERSION=6.1.0
ZRENDER_INTEGRITY='sha512-oEGMDB6pOP2S6OwRR4PdVv610zrjnA3Bh+JnSG12fYJlBKjtNAoEb5fSUoCOOINlH96I2fU38/A2UpRKs67xYQ=='
# ---------------------------------------------------------------------------

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$REPO_ROOT/src/yunwei/static/vendor"

die() { echo "vendor-static: $*" >&2; exit 1; }

# fetch <name>@<version> <sha512 integrity>
# Packs the tarball with npm, checks its integrity, and unpacks it. Prints the
# path of the unpacked `package/` directory.
fetch() {
  local spec=$1 want=$2 tgz got dir
  tgz="$(cd "$WORK" && npm pack --silent --pack-destination "$WORK" "$spec" | tail -n 1)"
  [[ -f "$WORK/$tgz" ]] || die "npm pack $spec produced no tarball"
  got="$(node -e 'const c=require("crypto"),fs=require("fs");
    process.stdout.write("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' \
    "$WORK/$tgz")"
  [[ "$got" == "$want" ]] || die "integrity mismatch for $spec: got $got, want $want"
  dir="$WORK/${tgz%.tgz}"
  mkdir -p "$dir"
  tar -xzf "$WORK/$tgz" -C "$dir"
  echo "$dir/package"
}

# strip_sourcemap <file>: drop `//# sourceMappingURL=...` lines (JS) and
# `/*# sourceMappingURL=... */` comments (CSS); the legacy `@` form too.
strip_sourcemap() {
  sed -i -E \
    -e '/^[[:space:]]*\/\/[#@][[:space:]]*sourceMappingURL=.*$/d' \
    -e 's#/\*[#@][[:space:]]*sourceMappingURL=[^*]*\*/##g' \
    "$1"
}

# verify_tree: fail if any vendored JS/CSS still names a source map, or if a
# url(...) / @import in the vendored CSS is external or points at a missing file.
verify_tree() {
  if grep -rl 'sourceMappingURL' "$VENDOR" --include='*.js' --include='*.css'; then
    die "sourceMappingURL references remain in the files above"
  fi

  # Every url(...) / @import in the vendored CSS must be a data: URI or a
  # relative path to a file that exists here (no CDN, no missing files).
  local status=0 css dir ref path
  while IFS= read -r -d '' css; do
    dir="$(dirname "$css")"
    while IFS= read -r ref; do
      [[ -z "$ref" ]] && continue
      case "$ref" in
        data:*) continue ;;
        http:*|https:*|//*|/*) echo "external/absolute reference in $css: $ref" >&2; status=1; continue ;;
      esac
      path="${ref%%[?#]*}"
      if [[ ! -f "$dir/$path" ]]; then
        echo "missing file referenced by $css: $ref" >&2
        status=1
      fi
    done < <(
      { grep -oE 'url\([[:space:]]*["'\'']?[^"'\'')]*' "$css" | sed -E 's/^url\([[:space:]]*["'\'']?//'
        grep -oE '@import[[:space:]]+["'\''][^"'\'']*' "$css" | sed -E 's/^@import[[:space:]]+["'\'']//'
      } || true
    )
  done < <(find "$VENDOR" -type f -name '*.css' -print0)
  [[ $status -eq 0 ]] || die "broken CSS references (see above)"

  echo "verify: OK ($(find "$VENDOR" -type f | wc -l) files, $(du -sh "$VENDOR" | cut -f1))"
}

if [[ "${1:-}" == "--check" ]]; then
  verify_tree
  exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/yunwei-vendor.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "Packing from $(npm config get registry) ..."
TABLER="$(fetch "@tabler/core@$TABLER_VERSION" "$TABLER_INTEGRITY")"
ICONS="$(fetch "@tabler/icons-webfont@$ICONS_VERSION" "$ICONS_INTEGRITY")"
HTMX="$(fetch "htmx.org@$HTMX_VERSION" "$HTMX_INTEGRITY")"
ECHARTS="$(fetch "echarts@$ECHARTS_VERSION" "$ECHARTS_INTEGRITY")"
BOOTSTRAP="$(fetch "bootstrap@$BOOTSTRAP_VERSION" "$BOOTSTRAP_INTEGRITY")"
POPPER="$(fetch "@popperjs/core@$POPPER_VERSION" "$POPPER_INTEGRITY")"
ZRENDER="$(fetch "zrender@$ZRENDER_VERSION" "$ZRENDER_INTEGRITY")"

# Sanity: the licence-only packages must match what upstream bundled.
grep -q "VERSION = \"$BOOTSTRAP_VERSION\"" "$TABLER/dist/js/tabler.js" \
  || die "tabler $TABLER_VERSION does not bundle Bootstrap $BOOTSTRAP_VERSION; update BOOTSTRAP_VERSION"
grep -q "@popperjs+core@$POPPER_VERSION/" "$TABLER/dist/js/tabler.js" \
  || die "tabler $TABLER_VERSION does not bundle Popper $POPPER_VERSION; update POPPER_VERSION"
grep -q "\"zrender\": \"$ZRENDER_VERSION\"" "$ECHARTS/package.json" \
  || die "echarts $ECHARTS_VERSION does not depend on zrender $ZRENDER_VERSION; update ZRENDER_VERSION"

# Start from a clean tree (README.md is hand-maintained and kept).
rm -rf "$VENDOR/tabler" "$VENDOR/tabler-icons" "$VENDOR/htmx" "$VENDOR/echarts"
mkdir -p "$VENDOR/tabler" "$VENDOR/tabler-icons/fonts" "$VENDOR/htmx" "$VENDOR/echarts"

# --- @tabler/core -----------------------------------------------------------
# tabler.min.js bundles Bootstrap's JS (Dropdown, Collapse, Modal, Tooltip, ...)
# and Popper, so bootstrap.bundle.min.js is NOT needed (and would
# double-register the data-api handlers).
cp "$TABLER/dist/css/tabler.min.css" "$TABLER/dist/js/tabler.min.js" "$VENDOR/tabler/"
cp "$BOOTSTRAP/LICENSE" "$VENDOR/tabler/LICENSE-bootstrap"
cp "$POPPER/LICENSE.md" "$VENDOR/tabler/LICENSE-popperjs"
# The @tabler/core tarball has no LICENSE file; package.json says MIT. Write the
# MIT text with the copyright lines taken from the dist banner.
[[ "$(node -p "require('$TABLER/package.json').license")" == "MIT" ]] \
  || die "@tabler/core $TABLER_VERSION is no longer MIT-licensed; review before vendoring"
if [[ -f "$TABLER/LICENSE" ]]; then
  cp "$TABLER/LICENSE" "$VENDOR/tabler/LICENSE"
else
  {
    echo "The MIT License (MIT)"
    echo
    grep -m 2 -E '^\* Copyright' "$TABLER/dist/js/tabler.min.js" | sed -E 's/^\* //'
    cat <<'EOF'

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

---
Note: the @tabler/core npm tarball ships no LICENSE file. This text is the
MIT License named in its package.json, with the copyright lines from the
banner of dist/js/tabler.min.js. Upstream copy:
https://github.com/tabler/tabler/blob/dev/LICENSE
EOF
  } > "$VENDOR/tabler/LICENSE"
fi

# --- @tabler/icons-webfont --------------------------------------------------
# Keep only the woff2 font (every browser that runs Tabler 1.x supports it);
# rewrite the @font-face src so it no longer lists the .woff/.ttf files.
cp "$ICONS/dist/tabler-icons.min.css" "$VENDOR/tabler-icons/"
cp "$ICONS/dist/fonts/tabler-icons.woff2" "$VENDOR/tabler-icons/fonts/"
cp "$ICONS/LICENSE" "$VENDOR/tabler-icons/LICENSE"
sed -i -E \
  "s#src:url\(\"[^\"]*tabler-icons\.woff2[^\"]*\"\)[^;}]*#src:url(\"fonts/tabler-icons.woff2?v$ICONS_VERSION\") format(\"woff2\")#" \
  "$VENDOR/tabler-icons/tabler-icons.min.css"
grep -q "src:url(\"fonts/tabler-icons.woff2?v$ICONS_VERSION\") format(\"woff2\")" \
  "$VENDOR/tabler-icons/tabler-icons.min.css" \
  || die "could not rewrite the @font-face src in tabler-icons.min.css (upstream format changed?)"

# --- htmx.org -----------------------------------------------------------------
cp "$HTMX/dist/htmx.min.js" "$VENDOR/htmx/"
cp "$HTMX/LICENSE" "$VENDOR/htmx/LICENSE"

# --- echarts ------------------------------------------------------------------
# Apache-2.0: LICENSE and NOTICE travel with the file. LICENSE points at
# licenses/LICENSE-d3; echarts.min.js also bundles ZRender (BSD-3-Clause).
cp "$ECHARTS/dist/echarts.min.js" "$VENDOR/echarts/"
cp "$ECHARTS/LICENSE" "$ECHARTS/NOTICE" "$VENDOR/echarts/"
cp "$ECHARTS/licenses/LICENSE-d3" "$VENDOR/echarts/LICENSE-d3"
cp "$ZRENDER/LICENSE" "$VENDOR/echarts/LICENSE-zrender"

# --- strip source maps and verify -------------------------------------------
while IFS= read -r -d '' f; do
  strip_sourcemap "$f"
done < <(find "$VENDOR" -type f \( -name '*.js' -o -name '*.css' \) -print0)

verify_tree

echo
echo "Vendored into ${VENDOR#"$REPO_ROOT"/}:"
echo "  @tabler/core           $TABLER_VERSION (bundles Bootstrap $BOOTSTRAP_VERSION JS + Popper $POPPER_VERSION)"
echo "  @tabler/icons-webfont  $ICONS_VERSION"
echo "  htmx.org               $HTMX_VERSION"
echo "  echarts                $ECHARTS_VERSION (bundles zrender $ZRENDER_VERSION)"
(cd "$VENDOR" && find . -type f | LC_ALL=C sort | xargs du -h | sed 's/^/  /')
du -sh "$VENDOR"
