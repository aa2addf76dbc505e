"""Serving a simulator's WSGI app from a background thread (tests, `flask sim`)."""

from __future__ import annotations

import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """The werkzeug handler without per-request log lines (tests)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class BackgroundServer:
    """A WSGI app on host:port (0 = any free one), served by a daemon thread; a context manager."""

    thread_name = "sim"

    def __init__(
        self,
        app,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        quiet: bool = True,
        name: str | None = None,
    ):
        self.app = app
        self.thread_name = name or self.thread_name
        self._host, self._port, self._quiet = host, port, quiet
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL without trailing slash, e.g. http://127.0.0.1:53123."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return f"http://{self._host}:{self._server.server_port}"

    def start(self):
        """Bind the port and serve in a daemon thread."""
        self._server = make_server(
            self._host,
            self._port,
            self.app,
            threaded=True,
            request_handler=QuietHandler if self._quiet else None,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class SimulatorServer(BackgroundServer):
    """A simulator's config, its state and its app, served in the background.

    A subclass names `config_class`, `state_class` and `make_app(config, state)`.
    """

    config_class: type
    state_class: type

    def __init__(
        self, config=None, *, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
    ) -> None:
        self.config = config or self.config_class()
        self.state = self.state_class(self.config)
        super().__init__(self.make_app(self.config, self.state), host=host, port=port, quiet=quiet)

    @staticmethod
    def make_app(config, state):
        raise NotImplementedError
