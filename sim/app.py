"""A minimal Flask app that only carries the `sim` commands (no portal settings needed)."""

from flask import Flask

from sim.cli import sim_cli

app = Flask(__name__)
app.cli.add_command(sim_cli)
