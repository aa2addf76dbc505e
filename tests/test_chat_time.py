"""Quick time formats (the chat inbox, the status board) say exactly what the portal's `datetime("short")`
filter says, and that filter writes dates as the `date` filter does."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import g, render_template_string


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 2, 15, 7),
        datetime(2026, 7, 1, 0, 5),
        datetime(2026, 3, 29, 11, 59),
        datetime(2026, 1, 9, 23, 30),
    ],
)
def test_chat_time_matches_the_babel_short_format(app, lang, moment):
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = lang
        g.pop("_chat_time", None)
        quick = render_template_string("{{ m|chat_time }}", m=moment)
        babel = render_template_string('{{ m|datetime("short") }}', m=moment)
    assert quick == babel


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("de", "02.12.2026, 16:07"), ("en", "Dec 2, 2026, 4:07\u202fPM")],
)
def test_a_timestamp_writes_its_date_as_every_date_on_the_page(app, lang, expected):
    """A short timestamp (UTC, shown in Berlin time) carries the date as the `date` filter writes
    it, not the locale's short date (02.12.26 / 12/2/26) next to the medium one elsewhere."""
    moment = datetime(2026, 12, 2, 15, 7)
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = lang
        stamp = render_template_string('{{ m|datetime("short") }}', m=moment)
        day = render_template_string("{{ m.date()|date }}", m=moment)
    assert stamp == expected
    assert stamp.startswith(day + ", ")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_status_boards_times_read_as_the_datetime_filter(app, lang):
    from app.blueprints.status.texts import ShortTimes

    moment = datetime(2026, 7, 1, 0, 5)
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = lang
        board = ShortTimes()(moment)
        babel = render_template_string('{{ m|datetime("short") }}', m=moment)
    assert board == babel
