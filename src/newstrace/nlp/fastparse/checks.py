"""What the accelerator relies on in spaCy, thinc and the English model, checked at load.

Each accelerated component reimplements part of spaCy's own work (the attribute ruler's
and lemmatizer's rules, the arc-eager and BILUO transition systems, thinc's embedding
layers) for the model it was written for. Before a component is built, its check walks
the parts it reads (layer names and shapes, tables, transition moves, the library
versions) and raises :class:`Unsupported` with the reason when one differs; the loader
(:mod:`newstrace.nlp.fastparse.model`) then logs a warning and runs spaCy's own
component for that part.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

#: The library versions (major, minor) the accelerator was written and checked against.
SUPPORTED = {"spacy": (3, 8), "thinc": (8, 3)}


class Unsupported(Exception):
    """spaCy's model or libraries are not what an accelerated component was written for."""


def require(condition: bool, reason: str) -> None:
    """Raise :class:`Unsupported` with ``reason`` unless ``condition``.

    >>> require(True, "fine")
    >>> require(False, "no such layer")
    Traceback (most recent call last):
    ...
    newstrace.nlp.fastparse.checks.Unsupported: no such layer
    """
    if not condition:
        raise Unsupported(reason)


def installed_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def check_versions() -> None:
    """The installed spaCy and thinc are the minor versions of :data:`SUPPORTED`."""
    for name, (major, minor) in SUPPORTED.items():
        version = installed_version(name)
        require(version.split(".")[:2] == [str(major), str(minor)],
                f"{name} {version} installed, the accelerator was written for "
                f"{name} {major}.{minor}")


def layer_name(layer: Any) -> str:
    """A thinc layer's name without its arguments ("with_array(maxout)" -> "with_array")."""
    return str(getattr(layer, "name", "")).split("(")[0]


def dims(layer: Any) -> dict[str, int | None]:
    """A thinc layer's dimensions (None where unset)."""
    return {d: layer.maybe_get_dim(d) for d in layer.dim_names}
