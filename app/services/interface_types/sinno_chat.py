"""SiNNO-Chat: synchronises the app's chat with the shop; needs no configuration (SPEC §4.4)."""

from __future__ import annotations

import wtforms

from app.i18n import N_, _l
from app.services.interface_types import base, register


class SinnoChatSettingsForm(wtforms.Form):
    """No fields: the chat runs through the logged-in SiNNO-App Service interface."""


SINNO_CHAT = register(
    "sinno_chat",
    "App",
    N_("SiNNO-Chat"),
    description=_l(
        "Synchronisiert die Chat-Nachrichten zwischen Kunden-App und Filiale "
        "(serverseitig, alle 2–3 Minuten)."
    ),
    usages=base.SERVER_SIDE,
    settings_form=SinnoChatSettingsForm,
    protocol="sinno",
)
