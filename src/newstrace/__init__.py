"""newstrace: trace news claims to their origin.

The flow runs one way: ingest -> clean -> analyse (reuse, stories, claims) ->
provenance -> report. Each stage is a package of plain functions over the typed
records in :mod:`newstrace.records`; the store, CLI, API and web UI are thin
edges around them.
"""

__version__ = "0.1.0"

__all__ = ["Corpus", "Selection", "__version__"]


def __getattr__(name: str) -> object:
    # the front door, imported when first used: `import newstrace` stays light
    if name in ("Corpus", "Selection"):
        from newstrace import corpus

        return getattr(corpus, name)
    raise AttributeError(f"module 'newstrace' has no attribute {name!r}")
