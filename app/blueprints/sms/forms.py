"""The form for an SMS to a customer or a typed number."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField


class SmsForm(FlaskForm):
    """Recipient and text; the checks live in app.services.sms."""

    customer_id = HiddenField()
    number = StringField(
        _l("Mobilfunknummer"), render_kw={"inputmode": "tel", "autocomplete": "off"}
    )
    text = TextAreaField(_l("Text"), render_kw={"rows": 5})
    # Asked for only when the customer has no SMS consent on record; stored with the message.
    confirm_no_consent = BooleanField(
        _l("Ich bestätige, dass diese SMS trotz fehlender Einwilligung gesendet werden darf.")
    )
    # Asked for only when the same text went to the same number a few minutes ago.
    confirm_repeat = BooleanField(_l("Ja, dieselbe SMS noch einmal senden."))
