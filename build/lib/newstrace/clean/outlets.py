"""Outlet (publisher) detection from text cues and URLs.

Each finder returns the outlet name as the text spells it (we never "correct"
a name: a repost site called "Gatto Presss" is evidence in itself).

>>> outlet_from_syndication("The post Big news appeared first on Gatto Presss.")
'Gatto Presss'
>>> outlet_from_copyright("Copyright © 2024 The Kyiv Independent. All rights reserved.")
'The Kyiv Independent'
>>> outlet_from_copyright("The work of Euromaidan Press is supported by the IRF")
'Euromaidan Press'
>>> outlet_from_copyright("Copyright © 2024") is None
True
>>> outlet_from_url("https://edition.cnn.com/2023/02/24/politics/x/index.html")
'CNN'
>>> outlet_from_url("https://www.some-local-paper.co.uk/news/1")
'some-local-paper.co.uk'
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = [
    "DOMAIN_NAMES",
    "SYNDICATION_RE",
    "outlet_from_copyright",
    "outlet_from_syndication",
    "outlet_from_url",
    "outlet_from_wire_dateline",
]

#: WordPress/RSS plugins append "The post <title> appeared first on <site>."
SYNDICATION_RE = re.compile(
    r"^(?:the\s+post|this\s+(?:post|article|story))\s+(?P<title>.*?)\s*"
    r"(?:appeared\s+first|first\s+appeared|was\s+(?:first|originally)\s+published|"
    r"originally\s+appeared)\s+(?:on|in|at)\s+(?P<outlet>.+?)\s*\.?$",
    re.I,
)
# A name: up to six capitalised words, optionally led by "The" and joined by "&"/"of".
_NAME = r"(?P<outlet>(?:The\s+)?[A-Z0-9][\w'’.&-]*(?:\s+(?:of|the|and|&|[A-Z0-9][\w'’.&-]*)){0,6})"
_COPYRIGHT_RES = [
    re.compile(r"(?:copyright|©|\(c\))\s*(?:©|\(c\))?\s*(?:(?:19|20)\d\d\s*(?:[-–]\s*(?:19|20)\d\d)?)?"
               r"\s*,?\s*" + _NAME, re.I),
    re.compile(r"^(?i:the\s+work\s+of)\s+" + _NAME
               + r"\s+is\s+(?:supported|funded|made\s+possible)\s+by"),
]
_NOT_NAMES = {"all", "all rights reserved", "the", "by", "this", "copyright"}

#: Readable names of large outlets, by registered domain. Unknown domains are
#: returned bare ("example.co.uk"), which is already human-readable.
DOMAIN_NAMES: dict[str, str] = {
    "cnn.com": "CNN", "bbc.co.uk": "BBC", "bbc.com": "BBC", "reuters.com": "Reuters",
    "apnews.com": "Associated Press", "nytimes.com": "The New York Times",
    "washingtonpost.com": "The Washington Post", "theguardian.com": "The Guardian",
    "cbsnews.com": "CBS News", "nbcnews.com": "NBC News", "abcnews.go.com": "ABC News",
    "foxnews.com": "Fox News", "aljazeera.com": "Al Jazeera", "euromaidanpress.com":
    "Euromaidan Press", "kyivindependent.com": "The Kyiv Independent", "politico.com": "Politico",
    "politico.eu": "Politico Europe", "bloomberg.com": "Bloomberg",
    "wsj.com": "The Wall Street Journal",
    "ft.com": "Financial Times", "npr.org": "NPR", "usatoday.com": "USA Today",
    "spiegel.de": "Der Spiegel", "lemonde.fr": "Le Monde", "dw.com": "Deutsche Welle",
    "france24.com": "France 24", "rferl.org": "Radio Free Europe/Radio Liberty",
    "tass.com": "TASS", "rt.com": "RT", "globaltimes.cn": "Global Times",
    "xinhuanet.com": "Xinhua", "understandingwar.org": "Institute for the Study of War",
    "nypost.com": "New York Post", "huffpost.com": "HuffPost", "latimes.com": "Los Angeles Times",
    "independent.co.uk": "The Independent", "telegraph.co.uk": "The Telegraph",
    "dailymail.co.uk": "Daily Mail", "axios.com": "Axios", "thehill.com": "The Hill",
}
# Second-level labels that are part of a public suffix ("co.uk", "com.au").
_SLD = {"co", "com", "org", "net", "gov", "ac", "edu", "go", "ne", "or"}


def _clean_name(name: str) -> str | None:
    name = re.split(r"\s*(?:[.|,;]\s|\ball rights reserved\b|\.$)", name, maxsplit=1, flags=re.I)[0]
    name = name.strip(" .,;:-–—")
    if not name or name.lower() in _NOT_NAMES or len(name) > 60:
        return None
    return name


def outlet_from_syndication(line: str) -> str | None:
    """Outlet named in a feed footer ("The post X appeared first on Y.")."""
    m = SYNDICATION_RE.match(line.strip())
    return _clean_name(m.group("outlet")) if m else None


def outlet_from_copyright(line: str) -> str | None:
    """Outlet named in a copyright or funding notice; None for a bare year."""
    for regex in _COPYRIGHT_RES:
        m = regex.search(line)
        if m:
            name = _clean_name(m.group("outlet"))
            if name and not re.fullmatch(r"[\d\s–-]+", name):
                return name
    return None


_WIRE_RE = re.compile(
    r"^(?:[A-Z][A-Z .,'-]{1,40}\s)?\((?P<outlet>[A-Z][A-Za-z&. ]{1,30})\)\s*[-–—]"
)


def outlet_from_wire_dateline(paragraph: str) -> str | None:
    """Agency tag of a wire dateline: "(CNN) —", "WASHINGTON (Reuters) -".

    >>> outlet_from_wire_dateline("WASHINGTON (Reuters) - The U.S. said")
    'Reuters'
    """
    m = _WIRE_RE.match(paragraph)
    return m.group("outlet").strip() if m else None


def registered_domain(url: str | None) -> str | None:
    """The registrable domain of a URL ("edition.cnn.com" -> "cnn.com")."""
    if not url:
        return None
    try:
        host = (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()
    except ValueError:
        return None
    labels = [x for x in host.split(".") if x]
    if len(labels) < 2 or host.replace(".", "").isdigit():
        return None
    keep = 3 if len(labels) >= 3 and labels[-2] in _SLD and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def outlet_from_url(url: str | None) -> str | None:
    """A readable outlet name for the URL's domain (mapped, else the bare domain)."""
    domain = registered_domain(url)
    if not domain:
        return None
    full = url if url and "://" in url else "http://" + (url or "")
    host = (urlsplit(full).hostname or "").lower()
    for candidate in (host.removeprefix("www."), domain):
        if candidate in DOMAIN_NAMES:
            return DOMAIN_NAMES[candidate]
    return domain
