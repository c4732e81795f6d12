"""newstrace: trace news claims to their origin.

The flow runs one way: ingest -> clean -> analyse (reuse, stories, claims) ->
provenance -> report. Each stage is a package of plain functions over the typed
records in :mod:`newstrace.records`; the store, CLI, API and web UI are thin
edges around them.
"""

__version__ = "0.1.0"
