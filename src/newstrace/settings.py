"""Process-wide choices of how newstrace computes: set by arguments, or from the environment.

    >>> from newstrace import settings
    >>> settings.current().entities in ("spacy", "crf")
    True
    >>> before = settings.configure(processes=1)
    >>> settings.current().processes
    1
    >>> _ = settings.configure(**before.as_dict())

A program sets them with :func:`configure` (``newstrace.Corpus.open(..., processes=1)``
does), the command line and servers from ``NEWSTRACE_*`` environment variables, read
when first needed (never at import). Helper processes are started with the settings of
the process that starts them; :func:`configure` stops the running ones, so that the
next job starts helpers with the new settings.

==================  ==========================  ===============================================
setting             environment                 meaning
==================  ==========================  ===============================================
``processes``       ``NEWSTRACE_PROCESSES``     processes that share a large job (default 2,
                                                1 on a one-core machine)
``blas_threads``    ``NEWSTRACE_BLAS_THREADS``  BLAS threads a process (default 1: more spin-
                                                wait on 2 cores)
``entities``        ``NEWSTRACE_ENTITIES``      the entity recogniser: ``spacy`` (the model's
                                                own) or ``crf`` (distilled, faster)
``accelerate``      ``NEWSTRACE_ACCELERATE``    the accelerated paths (default ``1``); ``0``:
                                                the libraries' own: spaCy's stock pipeline
                                                (:mod:`newstrace.nlp.fastparse`), Jinja2's
                                                own environment for the web pages
                                                (:mod:`newstrace.web.environment`)
==================  ==========================  ===============================================
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

ENTITY_CHOICES = ("spacy", "crf")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _flag(name: str, value: str | None, default: bool) -> bool:
    """An environment variable read as a yes or no (unset or empty: ``default``).

    >>> _flag("X", "Off", True), _flag("X", None, True), _flag("X", " 1 ", False)
    (False, True, True)
    """
    text = (value or "").strip().lower()
    if not text:
        return default
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(f"{name} must be one of {', '.join(_TRUE + _FALSE)}, not {value!r}")


def _default_processes() -> int:
    return min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """How this process (and the helpers it starts) computes."""

    processes: int = 2
    blas_threads: int = 1
    entities: str = "spacy"
    accelerate: bool = True

    def __post_init__(self) -> None:
        if self.processes < 1 or self.blas_threads < 1:
            raise ValueError("processes and blas_threads are at least 1")
        if self.entities not in ENTITY_CHOICES:
            raise ValueError(f"entities must be 'crf' or 'spacy', not {self.entities!r}")
        if not isinstance(self.accelerate, bool):
            raise ValueError(f"accelerate must be True or False, not {self.accelerate!r}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_environment(cls) -> Settings:
        """The settings the ``NEWSTRACE_*`` variables ask for (defaults where unset).

        >>> Settings.from_environment().blas_threads >= 1
        True
        """
        env = os.environ
        try:
            return cls(
                processes=int(env.get("NEWSTRACE_PROCESSES") or _default_processes()),
                blas_threads=int(env.get("NEWSTRACE_BLAS_THREADS") or 1),
                entities=(env.get("NEWSTRACE_ENTITIES") or "spacy").strip().lower() or "spacy",
                accelerate=_flag("NEWSTRACE_ACCELERATE", env.get("NEWSTRACE_ACCELERATE"), True))
        except ValueError as exc:
            raise ValueError(f"NEWSTRACE_* environment: {exc}") from None


_lock = threading.Lock()
_current: Settings | None = None


def current() -> Settings:
    """The settings in force: configured, or read from the environment on first use."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = Settings.from_environment()
    return _current


def configure(**changes: Any) -> Settings:
    """Change some settings for this process and the helpers it starts from now on;
    returns the settings before (to restore them)."""
    global _current
    before = current()
    after = replace(before, **changes)
    if after != before:
        with _lock:
            _current = after
        for listener in list(_listeners):
            listener()  # the helper pools stop: they run with the old settings
    return before


_listeners: list[Callable[[], None]] = []


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` after every change :func:`configure` makes."""
    _listeners.append(listener)


def adopt(values: dict[str, Any]) -> None:
    """Take the settings of the process that started this one (a helper's initializer)."""
    global _current
    with _lock:
        _current = Settings(**values)
