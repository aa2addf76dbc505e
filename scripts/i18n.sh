#!/usr/bin/env bash
# Message catalogue upkeep: extract German source texts, merge into the English catalogue, compile.
# Usage: scripts/i18n.sh            (extract + update + compile)
#        scripts/i18n.sh compile    (only compile the .po files into .mo)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
if [ "${1:-}" != "compile" ]; then
  "$PYBABEL" extract --no-location --sort-output --no-wrap -F babel.cfg -k _l -k lazy_gettext -k N_ -k T_ -k TN_:1,2 --ignore-dirs ".* __pycache__ node_modules .venv" -o app/translations/messages.pot . >/dev/null
  if [ -f app/translations/en/LC_MESSAGES/messages.po ]; then
    "$PYBABEL" update --no-fuzzy-matching --no-wrap --ignore-obsolete -i app/translations/messages.pot -d app/translations -l en >/dev/null
  else
    "$PYBABEL" init -i app/translations/messages.pot -d app/translations -l en >/dev/null
  fi
fi
"$PYBABEL" compile -f -d app/translations
