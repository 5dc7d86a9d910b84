#!/bin/sh
# Renders every PNG size of the app icon from its source, release-desk.svg.
# Needs rsvg-convert (Debian: apt-get install librsvg2-bin). The PNGs are committed, so neither
# a build nor CI runs this; run it after changing the SVG.
set -eu
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert --width "$size" --height "$size" release-desk.svg --output "release-desk-$size.png"
done
