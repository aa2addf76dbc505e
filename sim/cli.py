"""Flask CLI group `sim`: `flask sim smsapi` and `flask sim sinno` run a simulator in the foreground."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import click
from flask.cli import AppGroup
from werkzeug.serving import make_server

from sim.smsapi import SimConfig, create_sim_app, md5_hex

sim_cli = AppGroup("sim", help="Local gateway simulators for development and tests.")


@sim_cli.command("smsapi", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, type=int, help="Port to listen on.")
@click.option("--token", default="demo-token", show_default=True, help="Accepted OAuth token.")
@click.option("--username", default="demo", show_default=True, help="Legacy API user name.")
@click.option(
    "--password",
    default="demo-password",
    show_default=True,
    help="Legacy API password (clients send its MD5 hex).",
)
@click.option("--points", default=100.0, show_default=True, type=float, help="Start balance.")
@click.option(
    "--senders",
    default="Test,Filiale",
    show_default=True,
    help="Comma-separated verified sender names.",
)
def smsapi_command(
    host: str, port: int, token: str, username: str, password: str, points: float, senders: str
) -> None:
    """Run the SMSAPI/HQsms simulator until Ctrl+C."""
    config = SimConfig(
        token=token,
        username=username,
        password=password,
        points=points,
        senders=tuple(s.strip() for s in senders.split(",") if s.strip()),
    )
    _serve(
        create_sim_app(config),
        host,
        port,
        lambda url: (
            f'SMSAPI simulator on {url}/  (service "custom", base URL {url}/)',
            f"  token:     {token}",
            f"  username:  {username}  password: {password}  (md5: {md5_hex(password)})",
            f"  points:    {points:g}   senders: {', '.join(config.senders) or '-'}",
            f"  control:   {url}/_sim/messages  {url}/_sim/state  POST {url}/_sim/faults",
        ),
    )


def _serve(app, host: str, port: int, banner: Callable[[str], Iterable[str]]) -> None:
    """Serve `app` in the foreground until Ctrl+C, after printing `banner(url)`."""
    server = make_server(host, port, app, threaded=True)
    for line in banner(f"http://{host}:{server.server_port}"):
        click.echo(line)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@sim_cli.command("sinno", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8026, show_default=True, type=int, help="Port to listen on.")
@click.option("--client-id", default="winpro", show_default=True, help="Accepted ClientID.")
@click.option(
    "--companies",
    default="4711=Demo-Optik",
    show_default=True,
    help="Comma-separated accepted Firmen-Nr., each optionally =Name.",
)
@click.option(
    "--token-ttl",
    default=86400,
    show_default=True,
    type=int,
    help="Lifetime of a session token in seconds.",
)
@click.option(
    "--auto-activate",
    default=None,
    type=float,
    help="Seconds after registration when a customer counts as logged in to the app.",
)
def sinno_command(
    host: str,
    port: int,
    client_id: str,
    companies: str,
    token_ttl: int,
    auto_activate: float | None,
) -> None:
    """Run the SiNNO-App Service simulator (docs/sinno-api.md) until Ctrl+C."""
    from sim.sinno import SimConfig as SinnoConfig
    from sim.sinno import create_sim_app as create_sinno_app

    accepted = {}
    for item in (c.strip() for c in companies.split(",")):
        if item:
            number, _, name = item.partition("=")
            accepted[number.strip()] = name.strip() or f"Firma {number.strip()}"
    config = SinnoConfig(
        client_id=client_id,
        companies=accepted,
        token_ttl=token_ttl,
        auto_activate_after=auto_activate,
    )
    _serve(
        create_sinno_app(config),
        host,
        port,
        lambda url: (
            f"SiNNO-App Service simulator on {url}/  (Server: {url}/v1)",
            f"  ClientID:   {client_id}   Firmen-Nr.: {', '.join(accepted) or '-'}",
            f"  token TTL:  {token_ttl} s   auto-activate: {auto_activate or 'off'}",
            f"  control:    {url}/_sim/state  {url}/_sim/customers  POST {url}/_sim/faults",
        ),
    )


@sim_cli.command("smtp", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8027, show_default=True, type=int, help="SMTP port.")
@click.option(
    "--http-port",
    default=8028,
    show_default=True,
    type=int,
    help="Port of the JSON view (/_sim/messages, /_sim/faults).",
)
@click.option(
    "--username",
    default="demo",
    show_default=True,
    help="Accepted user name (AUTH PLAIN/LOGIN); log-in is optional.",
)
@click.option("--password", default="demo-password", show_default=True, help="Accepted password.")
@click.option(
    "--security",
    type=click.Choice(["none", "starttls", "ssl"]),
    default="none",
    show_default=True,
    help="TLS with a self-signed certificate (printed at start).",
)
def smtp_command(
    host: str, port: int, http_port: int, username: str, password: str, security: str
) -> None:
    """Run the SMTP simulator (aiosmtpd) until Ctrl+C."""
    import time

    from sim.smtp import SmtpSimConfig, SmtpSimServer

    server = SmtpSimServer(
        SmtpSimConfig(username=username, password=password, security=security),
        host=host,
        port=port,
        http_port=http_port,
        quiet=False,
    )
    server.start()
    click.echo(f"SMTP simulator on {host}:{server.port} (security {security})")
    click.echo(f"  user name: {username}  password: {password}")
    click.echo(f"  control:   {server.http_url}/_sim/messages  POST {server.http_url}/_sim/faults")
    if server.cert_pem:
        click.echo(server.cert_pem.decode())
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
