"""The reference for the list benchmark: a bare Flask route returning a fixed string."""

import os

from flask import Flask

app = Flask(__name__)
BODY = "x" * int(os.environ.get("BARE_BODY_SIZE", "20000"))


@app.get("/login")
def ready():
    """Readiness probe used by the benchmark harness."""
    return "ok"


@app.get("/")
def bare():
    """The same number of bytes as the measured page, with no work behind it."""
    return BODY
