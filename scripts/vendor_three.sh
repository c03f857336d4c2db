#!/usr/bin/env bash
# Re-vendor three.js for `patchalign3d serve` from the npm registry at a pinned version.
# The web page loads only these files, so it works with no network; nothing else is taken from the package.
#   bash scripts/vendor_three.sh            # writes src/patchalign3d/serve/static/vendor/three/
set -euo pipefail
VERSION=0.187.0
cd "$(dirname "$0")/.."
dest=src/patchalign3d/serve/static/vendor/three
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "three@$VERSION" > /dev/null && tar xzf "three-$VERSION.tgz")
mkdir -p "$dest"
cp "$work/package/LICENSE" "$dest/LICENSE"
cp "$work/package/build/three.module.js" "$work/package/build/three.core.js" "$dest/"
cp "$work/package/examples/jsm/controls/OrbitControls.js" "$dest/"
{
  echo "# three.js $VERSION, vendored"
  echo
  echo "Copied unchanged from the npm package \`three@$VERSION\` by \`scripts/vendor_three.sh\` (MIT, see LICENSE):"
  echo "\`build/three.module.js\`, \`build/three.core.js\` and \`examples/jsm/controls/OrbitControls.js\`."
  echo
  echo "sha256:"
  echo
  (cd "$dest" && sha256sum three.module.js three.core.js OrbitControls.js | sed 's/^/    /')
} > "$dest/README.md"
echo "vendored three@$VERSION into $dest"
