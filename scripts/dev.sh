#!/usr/bin/env bash
# Install everything, prepare the demo database and serve the portal at http://127.0.0.1:5000.
# Local data and generated development secrets live in instance/ (PORTAL_INSTANCE_DIR to move it).
# Ports (defaults in brackets): PORT the portal (5000), SIM_PORT the SMSAPI simulator (8025),
# SINNO_PORT the SiNNO simulator (8026), SMTP_PORT the SMTP simulator (8027) and SMTP_HTTP_PORT its
# JSON view (8028); the demo interfaces follow them, e.g.
#   PORT=5001 SIM_PORT=8035 SINNO_PORT=8036 SMTP_PORT=8037 SMTP_HTTP_PORT=8038 bash scripts/dev.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
ensure_venv

export PORTAL_ENV=development
export FLASK_DEBUG=0  # the debugger would let anyone on the page run code
FLASK=(.venv/bin/flask --app wsgi)
HOST=127.0.0.1
PORT="${PORT:-5000}"
SIM_PORT="${SIM_PORT:-8025}"
SINNO_PORT="${SINNO_PORT:-8026}"
SMTP_PORT="${SMTP_PORT:-8027}"
SMTP_HTTP_PORT="${SMTP_HTTP_PORT:-8028}"
# The links in the demo's e-mails ("Im Portal öffnen") lead to this portal.
export PORTAL_URL="${PORTAL_URL:-http://$HOST:$PORT}"
for value in "$PORT" "$SIM_PORT" "$SINNO_PORT" "$SMTP_PORT" "$SMTP_HTTP_PORT"; do
  [[ "$value" =~ ^[0-9]+$ ]] || { echo "PORT, SIM_PORT, SINNO_PORT, SMTP_PORT and SMTP_HTTP_PORT must be port numbers (got '$value')" >&2; exit 2; }
done

# Helpers started in the background are stopped whenever this script ends (Ctrl+C included).
BG_PIDS=()
cleanup() {
  local pid
  for pid in "${BG_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== Migrating the database"
"${FLASK[@]}" db upgrade

echo "== Seeding the demo data"
seed_report="$("${FLASK[@]}" demo seed --sms-url "http://$HOST:$SIM_PORT/" \
  --sinno-url "http://$HOST:$SINNO_PORT/v1" --smtp-port "$SMTP_PORT")"
echo "$seed_report"

# Wait until something listens on a local port (at most ~5 s); false if the process died.
wait_for_port() {
  local port="$1" pid="$2" _
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# The SMSAPI simulator lets the demo send "SMS" without a real account.
if "${FLASK[@]}" sim smsapi --help >/dev/null 2>&1; then
  echo "== Starting the SMSAPI simulator on port $SIM_PORT"
  # Enough credit for weeks of demo reminders; the simulator keeps everything in memory.
  "${FLASK[@]}" sim smsapi --host "$HOST" --port "$SIM_PORT" --points 100000 &
  BG_PIDS+=("$!")
  wait_for_port "$SIM_PORT" "$!" || echo "warning: the SMSAPI simulator did not start (port $SIM_PORT in use?)" >&2
fi

# The SiNNO-App Service simulator (docs/sinno-api.md); customers count as logged in to the app
# two minutes after their registration, so the demo shows "eingeladen" turn into "aktiv".
if "${FLASK[@]}" sim sinno --help >/dev/null 2>&1; then
  echo "== Starting the SiNNO-App Service simulator on port $SINNO_PORT"
  "${FLASK[@]}" sim sinno --host "$HOST" --port "$SINNO_PORT" --auto-activate 120 &
  BG_PIDS+=("$!")
  if wait_for_port "$SINNO_PORT" "$!"; then
    # The simulator keeps its sessions in memory: log the demo interface in (again).
    "${FLASK[@]}" sinno login "SiNNO-App (Simulator)" || echo "warning: the demo SiNNO interface could not log in" >&2
    # Demo customers write in the (fresh) simulator, so an employee sees unread chats at once.
    "${FLASK[@]}" chat demo || echo "warning: no demo chats" >&2
  else
    echo "warning: the SiNNO simulator did not start (port $SINNO_PORT in use?)" >&2
  fi
fi

# The SMTP simulator (docs/smtp-simulator.md): e-mail notifications and "Test-E-Mail senden".
if "${FLASK[@]}" sim smtp --help >/dev/null 2>&1; then
  echo "== Starting the SMTP simulator on port $SMTP_PORT (received mails: http://$HOST:$SMTP_HTTP_PORT/_sim/messages)"
  "${FLASK[@]}" sim smtp --host "$HOST" --port "$SMTP_PORT" --http-port "$SMTP_HTTP_PORT" &
  BG_PIDS+=("$!")
  wait_for_port "$SMTP_PORT" "$!" || echo "warning: the SMTP simulator did not start (port $SMTP_PORT in use?)" >&2
fi

# The background worker (scheduled and queued jobs) exists only once the worker command does.
if "${FLASK[@]}" worker --help >/dev/null 2>&1; then
  echo "== Starting the background worker"
  "${FLASK[@]}" worker &
  BG_PIDS+=("$!")
fi

admin_login="$(awk '$1 == "admin" && $2 == "user:" { print "user " $3 ", password " $5; exit }' <<<"$seed_report")"
cat <<BANNER

================================================================
  Portal:  http://$HOST:$PORT/
  Log in as administrator: ${admin_login:-see the log-ins above}
  (other demo log-ins are listed above; stop with Ctrl+C)
================================================================

BANNER
# Served from a background job and waited for, so that a TERM to this script also runs the cleanup
# (bash defers traps while a foreground command runs); Ctrl+C reaches us and the trap stops it.
"${FLASK[@]}" run --host "$HOST" --port "$PORT" &
server_pid=$!
BG_PIDS+=("$server_pid")
wait "$server_pid"
