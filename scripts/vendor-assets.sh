#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry (run by hand when upgrading).
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --ignore-scripts
cp node_modules/htmx.org/dist/htmx.min.js app/static/vendor/htmx.min.js
cp node_modules/@picocss/pico/css/pico.min.css app/static/vendor/pico.min.css
echo "vendored: htmx $(node -p 'require("htmx.org/package.json").version'), pico $(node -p 'require("@picocss/pico/package.json").version')"
