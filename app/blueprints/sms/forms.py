"""The form for an SMS to a customer or a typed number."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField


class SmsForm(FlaskForm):
    """Recipient and text; the checks live in app.services.sms."""

    customer_id = HiddenField()
    number = StringField(_l("Mobilfunknummer"), render_kw={"inputmode": "tel", "autocomplete": "off"})
    text = TextAreaField(_l("Text"), render_kw={"rows": 5})
