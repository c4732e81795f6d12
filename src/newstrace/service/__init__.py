"""What the HTTP API and the web UI share while serving one corpus: the
:class:`~newstrace.service.state.Service` state, its FastAPI dependencies
(:mod:`~newstrace.service.deps`), the one auth decision (:mod:`~newstrace.service.auth`),
request guards and CSRF (:mod:`~newstrace.service.security`) and background jobs
(:mod:`~newstrace.service.jobs`).

Neither edge imports the other: both depend on this package and on the library
facade; :mod:`newstrace.server` assembles them into one app. Nothing is imported here,
so that importing one module does not load the others.
"""
