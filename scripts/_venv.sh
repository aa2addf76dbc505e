# Shared by scripts/dev.sh and scripts/test.sh (sourced, not run): the project's virtualenv.
# Expects the caller to have `set -euo pipefail` and to be in the repository root.

VENV_DIR=.venv
REQUIREMENTS="requirements-dev.txt"

# The interpreter for a new venv: 3.11 if present, else any python3 that is at least 3.11.
_pick_python() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "error: Python 3.11 or newer is needed (python3.11 or python3 on PATH)." >&2
  return 1
}

# Create .venv if missing or broken, and install the pinned requirements unless the stamp
# (a hash of every requirements file and the interpreter version) says they are current.
ensure_venv() {
  local python
  if ! "$VENV_DIR/bin/python" -c '' >/dev/null 2>&1; then
    python="$(_pick_python)"
    echo "== Creating $VENV_DIR with $("$python" --version)"
    rm -rf "$VENV_DIR"
    "$python" -m venv "$VENV_DIR"
  fi
  local stamp="$VENV_DIR/.requirements.sha256" want
  # requirements-dev.txt includes requirements.txt (-r), so both go into the hash.
  want="$( { "$VENV_DIR/bin/python" --version; cat requirements*.txt; } | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "== Installing Python packages from $REQUIREMENTS into $VENV_DIR"
  "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$want" >"$stamp"
}
