"""GET /healthz (the process answers) and GET /readyz (database, migrations, worker heartbeat).

The bodies are tiny JSON documents naming only which condition failed: no versions, hosts or errors.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, jsonify

from app.blueprints.auth.decorators import public
from app.blueprints.health import bp
from app.extensions import db
from app.services import health


def _no_store(resp):
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/healthz")
@public
def healthz():
    """Liveness: the process answers (touches nothing else)."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
@public
def readyz():
    """Readiness: 200 when the database answers, its migrations are at head and a worker beat
    within 5 minutes; otherwise 503 with the failed conditions."""
    migrations = Path(current_app.root_path).parent / "migrations"
    result = health.readiness(db.engine, str(migrations))
    if result.ready:
        return _no_store(jsonify(status="ready"))
    resp = jsonify(status="not ready", failed=result.failed)
    resp.status_code = 503
    return _no_store(resp)
