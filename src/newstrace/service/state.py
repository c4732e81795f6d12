"""What one server holds for its lifetime: the corpus, its cached view, the jobs, the
CSRF keys and the write settings; one :class:`Service` on ``app.state.service``."""

from __future__ import annotations

from dataclasses import dataclass

from newstrace.corpus import Corpus
from newstrace.corpus_view import CorpusView
from newstrace.service.jobs import Jobs
from newstrace.service.security import Csrf
from newstrace.store import Store

DEFAULT_MAX_UPLOAD = 50 * 1024 * 1024


@dataclass
class Service:
    """The state the API routes and the web views share, handed to them by the
    dependencies of :mod:`newstrace.service.deps`.

    ``token``: the bearer token writes need (None: writes are open, with CSRF for
    forms); ``max_upload``: the cap of a request body and of an upload's files.
    """

    corpus: Corpus
    view: CorpusView
    jobs: Jobs
    csrf: Csrf
    token: str | None = None
    max_upload: int = DEFAULT_MAX_UPLOAD

    @classmethod
    def open(cls, store_url: str | None, *, token: str | None = None,
             max_upload: int = DEFAULT_MAX_UPLOAD) -> Service:
        """Open the corpus at ``store_url`` and everything serving it needs."""
        corpus = Corpus.open(store_url)
        view = CorpusView(corpus)
        # the store's secret: the workers of one server (uvicorn --workers N) check each
        # other's CSRF tokens and sign-ins
        csrf = Csrf(corpus.store.shared_secret("web.csrf"))
        jobs = Jobs(on_change=view.invalidate, store=corpus.store)
        return cls(corpus, view, jobs, csrf, token, max_upload)

    @property
    def store(self) -> Store:
        return self.corpus.store

    def close(self) -> None:
        """Cancel queued jobs, then close the store (the running job may still end)."""
        self.jobs.shutdown()
        self.corpus.close()
