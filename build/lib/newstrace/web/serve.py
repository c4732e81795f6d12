"""``newstrace serve``: refuse to expose write endpoints off loopback without a token."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    """
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(db: str | None, *, host: str = "127.0.0.1", port: int = 8000,
          token: str | None = None, echo: Callable[[str], None] = print) -> int:
    """Run the server; 2 when bound off loopback without a token."""
    if not is_loopback(host) and not token:
        echo(f"error: refusing to bind {host} without a token; pass --token or set "
             "NEWSTRACE_TOKEN (write endpoints need it off loopback)")
        return 2
    import uvicorn

    from newstrace.api import create_app

    app = create_app(db, token=token or None)
    echo(f"newstrace: serving on http://{host}:{port}/ (store {app.state.store.url})")
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
