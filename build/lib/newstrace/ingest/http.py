"""Fetch URLs over HTTP(S) with time and size limits; every failure becomes a reason."""

from __future__ import annotations

import httpx

from newstrace.ingest.files import ReadError, too_large

USER_AGENT = "newstrace/0.1 (+https://github.com/newstrace)"


class Fetcher:
    """One HTTP client for a whole ingest (connection reuse), created on first use."""

    def __init__(self, *, timeout: float, max_bytes: int) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._client: httpx.Client | None = None

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.timeout), follow_redirects=True, max_redirects=5,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    def get(self, url: str) -> tuple[bytes, str, str | None]:
        """Body, final URL and declared charset of ``url``; raises ReadError with the reason."""
        try:
            with self.client.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise ReadError(f"HTTP {response.status_code} {response.reason_phrase}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise ReadError(f"response is {too_large(int(declared), self.max_bytes)}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise ReadError(f"response is over the {self.max_bytes / 1e6:g} MB limit")
                return bytes(body), str(response.url), response.charset_encoding
        except httpx.TimeoutException as exc:
            raise ReadError(f"timed out after {self.timeout:g} s") from exc
        except httpx.TooManyRedirects as exc:
            raise ReadError("too many redirects") from exc
        except httpx.InvalidURL as exc:
            raise ReadError(f"invalid URL: {exc}") from exc
        except httpx.HTTPError as exc:
            raise ReadError(f"cannot fetch: {type(exc).__name__}: {exc}") from exc
