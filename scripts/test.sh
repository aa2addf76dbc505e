#!/usr/bin/env bash
# Install everything the tests need and run the whole test suite; extra arguments go to pytest.
# SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (e.g. postgresql://postgres@127.0.0.1/test).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
ensure_venv

# The browser tests drive Debian's Chromium; Playwright's own browser download is not used.
CHROMIUM="${PORTAL_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  # sudo drops the environment, so the non-interactive setting goes on the command line.
  if [[ "$(id -u)" -eq 0 ]]; then
    as_root=(env DEBIAN_FRONTEND=noninteractive)
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo DEBIAN_FRONTEND=noninteractive)
  else
    echo "error: $CHROMIUM is missing and cannot be installed (not root, no password-less sudo)." >&2
    echo "       Install Debian's chromium package: apt-get install chromium" >&2
    exit 1
  fi
  echo "== Installing Debian's chromium for the browser tests"
  if ! { "${as_root[@]}" apt-get update -qq \
         && "${as_root[@]}" apt-get install -y -qq chromium >/dev/null; } \
     || [[ ! -x "$CHROMIUM" ]]; then
    echo "error: apt-get did not install $CHROMIUM (see above); the browser tests cannot run." >&2
    exit 1
  fi
fi
export PORTAL_CHROMIUM="$CHROMIUM"

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  # Show where the tests run without printing a password.
  shown="$(.venv/bin/python -c 'import sqlalchemy as sa, sys; print(sa.engine.make_url(sys.argv[1]).render_as_string(hide_password=True))' "$TEST_DATABASE_URL")"
  echo "== Test database: PostgreSQL ($shown; one database per worker)"
else
  echo "== Test database: SQLite (a temporary file per worker)"
fi

# Lint and format first (ruff, configured in pyproject.toml): a failure here fails the run.
echo "== ruff check and ruff format --check"
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .

# Two workers (pytest-xdist) pay off on the 2-core machines: each worker gets its own database,
# live server and browser. (--dist loadgroup would keep the browser tests together, but
# xdist 3.8 ignores xdist_group under pytest 9, so plain load balancing it is.)
status=0
.venv/bin/python -m pytest -n 2 "$@" || status=$?
if [[ $status -eq 5 ]]; then
  echo "error: pytest collected no tests." >&2
  status=1
fi
exit "$status"
