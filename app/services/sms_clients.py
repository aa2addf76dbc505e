"""SMSAPI clients for interfaces: the settings with secrets decrypted, one client per interface."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import Interface
from app.services.interface_secrets import read_secret
from app.services.secrets import SecretBox
from app.services.smsapi import SmsApiClient, SmsApiSettings


def settings_for(interface: Interface, box: SecretBox, **overrides) -> SmsApiSettings:
    """The client settings of an SMSAPI interface, with its secrets decrypted."""
    name = SmsApiSettings.credential(interface.settings or {})
    return SmsApiSettings.of(interface, **{name: read_secret(box, interface, name)}, **overrides)


@dataclass
class ClientPool:
    """One gateway client per interface (and configuration), reused across messages."""

    box: SecretBox
    timeouts: tuple[float, float] | None = None
    _clients: dict = field(default_factory=dict)
    _borrowed: dict = field(default_factory=dict)

    def get(self, interface: Interface) -> SmsApiClient:
        """The client for this interface as it is configured now (a change makes a new one)."""
        key = (interface.id, interface.updated_at)
        client = self._borrowed.get(key) or self._clients.get(key)
        if client is None:
            settings = settings_for(interface, self.box, timeouts=self.timeouts)
            client = self._clients[key] = SmsApiClient(settings)
        return client

    def use(self, interface: Interface, client: SmsApiClient) -> None:
        """Send through `client` for this interface (e.g. a test's or a benchmark's own client);
        the pool does not close it."""
        self._borrowed[(interface.id, interface.updated_at)] = client

    def close(self) -> None:
        """Close the clients the pool built."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
