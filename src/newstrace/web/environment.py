"""The Jinja2 environment of the web UI's pages: Jinja2's own, with three things it does
for nearly every expression taken on a shorter way that gives the same result.

A story page renders the dossier's partial templates over a few dozen claims, reuse
pairs and article cards: hundreds of ``item.field`` lookups and of calls (of macros,
``dict.get``, the dossier's helpers) per page, and most of a page's render time went
to Jinja2's generic handling of them, not to what the templates write:

* ``obj.name`` on a dict: Jinja2 tries the attribute first and takes the key after
  the ``AttributeError`` (an exception per lookup). For a plain dict and a name that is
  no attribute of ``dict`` the answer can only be the key (or undefined), so the key
  is read at once; ``d.get``, ``d.items``... still find the methods, as before.
* a call: :meth:`jinja2.runtime.Context.call` looks, for every call, for a
  ``pass_context``-style marker on the callable and on its ``__call__``. A macro, a
  built-in (``articles.get``) or a plain function without the marker is called
  directly, with Jinja2's handling of ``StopIteration`` and of its internal keyword
  arguments kept.
* the escape of every ``{{ value }}`` (autoescape): a plain ``str`` is escaped and made
  :class:`~markupsafe.Markup` without ``Markup``'s own constructor (written in Python),
  a ``Markup`` is already safe and is passed on; any other value goes to
  :func:`markupsafe.escape`, which this gives the same answer as.

Everything else (a marked filter or function such as the dossier's ``human``, any
other object) goes through Jinja2's code, unchanged; the pages come out byte for byte
the same (``tests/api/test_web_render.py`` renders them both ways). It is a fast path
over Jinja2's internals, so it is optional: with ``NEWSTRACE_ACCELERATE=0``
(:mod:`newstrace.settings`) the pages render with Jinja2's own environment
(:func:`newstrace.web.views.page_environment`).
"""

from __future__ import annotations

import types
from collections.abc import Callable, MutableMapping
from types import CodeType
from typing import Any

import markupsafe
from jinja2 import Environment, Template
from jinja2.runtime import Context, Macro
from markupsafe import Markup

try:  # markupsafe's C escaping, which its escape() calls too (a private name)
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - no extension, or another layout: escape() as is
    _escape_inner = None

#: every attribute a plain dict has (its methods and object's): a name outside this
#: set, looked up on a plain dict, can only be one of its keys
_DICT_ATTRIBUTES = frozenset(dir(dict))
#: callables that cannot carry Jinja2's pass-argument marker, or whose class never sets
#: it (a built-in cannot be given attributes; a macro is Jinja2's own)
_UNMARKED = (types.BuiltinFunctionType, Macro)


_new_str = str.__new__


def _escape(value: Any) -> Markup:
    kind = type(value)
    if kind is str:
        return _new_str(Markup, _escape_inner(value))
    if kind is Markup:
        return value
    return markupsafe.escape(value)


#: :func:`markupsafe.escape`, shorter for the values pages mostly write (markupsafe's
#: own where its C escaping is not found)
escape: Callable[[Any], Markup] = _escape if _escape_inner is not None else markupsafe.escape


class PageTemplate(Template):
    """A template whose compiled code escapes with :func:`escape`."""

    @classmethod
    def from_code(cls, environment: Environment, code: CodeType,
                  globals: MutableMapping[str, Any],
                  uptodate: Callable[[], bool] | None = None) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        # the namespace the template's code ran in, which its render functions and
        # macros read ``escape`` from at each call (the code imported markupsafe's)
        namespace = template.root_render_func.__globals__
        if namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = escape
        return template


class PageContext(Context):
    """A template context whose calls of unmarked callables skip the marker lookups
    (see the module)."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind in _UNMARKED or (kind is types.FunctionType
                                 and "jinja_pass_arg" not in __obj.__dict__):
            if kwargs:  # Jinja2's own keywords are not for the callable (as in Context.call)
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a"
                    " StopIteration exception")
        return Context.call(__self, __obj, *args, **kwargs)


class PageEnvironment(Environment):
    """:class:`jinja2.Environment` with the shorter lookups of the module."""

    context_class = PageContext
    template_class = PageTemplate

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)
