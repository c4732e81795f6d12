"""``newstrace serve``: refuse to expose write endpoints off loopback without a token."""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: the only binds that count as loopback for the token rule: not 127.0.0.2 (another
#: host's view of the loopback net), not 0.0.0.0 / :: (every interface), not a name
LOOPBACK = {"127.0.0.1", "::1", "[::1]"}


def is_loopback(host: str) -> bool:
    """
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    >>> is_loopback("127.0.0.2"), is_loopback("localhost")
    (False, False)
    """
    return host.strip().lower() in LOOPBACK


def serve(db: str | None, *, host: str = "127.0.0.1", port: int = 8000,
          token: str | None = None, echo: Callable[[str], None] = print,
          allowed_hosts: Sequence[str] = ()) -> int:
    """Run the server; 2 when bound off loopback without a token. ``allowed_hosts``:
    host names clients may send besides the bound host, localhost and IP addresses."""
    if not is_loopback(host) and not token:
        echo(f"error: refusing to bind {host} without a token; pass --token or set "
             "NEWSTRACE_TOKEN (write endpoints need it off loopback)")
        return 2
    import uvicorn

    from newstrace.api import create_app

    app = create_app(db, token=token or None, allowed_hosts=[host, *allowed_hosts])
    echo(f"newstrace: serving on http://{host}:{port}/ (store {app.state.store.url})")
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
