"""The boilerplate rule table: line patterns that are page furniture, not article.

Every rule has a *reason* (shown to users in ``Article.boilerplate``), a regular
expression and a maximum length: furniture lines are short, so a long paragraph
that merely mentions "cookies" or "comment" is not removed. Patterns come from
what real news pages and their plain-text copies carry (WordPress footers,
funding notices, donation pleas, ad-blocker walls, comment widgets...).

Multi-sentence pleas (donation, subscription) are recognised by *several* cues
in one paragraph, so a news story about a charity's donations is left alone.

>>> match_line("Leave a Comment")
'comment-prompt'
>>> match_line("Copyright © 2024")
'copyright-notice'
>>> match_line("Read also: Zelensky meets Biden in Kyiv")
'read-also'
>>> match_line("The company said it would donate profits to charity.") is None
True
>>> match_line("Please disable your ad blocker to keep reading.")
'ad-blocker-plea'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PROMO_RE", "RELATED_HEADER_REASONS", "RULES", "Rule", "match_line", "plea_reason"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One boilerplate pattern; it only fires on lines up to ``max_chars`` long."""

    reason: str
    pattern: re.Pattern[str]
    max_chars: int
    note: str
    #: lower-case substrings one of which must occur for the pattern to match
    #: (a cheap gate: most lines are prose and skip the regex); empty = always try
    keywords: tuple[str, ...] = ()


def _r(reason: str, pattern: str, max_chars: int, note: str, *keywords: str) -> Rule:
    return Rule(reason, re.compile(pattern, re.I), max_chars, note, keywords)


#: Ordered rule table: the first matching rule gives the reason.
RULES: tuple[Rule, ...] = (
    _r("syndication-footer",
       r"^(?:the\s+post|this\s+(?:post|article|story))\s+.*?(?:appeared\s+first|first\s+appeared|"
       r"was\s+(?:first|originally)\s+published|originally\s+appeared)\s+(?:on|in|at)\s+\S",
       600, "RSS/WordPress footer: 'The post X appeared first on Y.'", "appeared", "published"),
    _r("copyright-notice",
       r"^(?:copyright\s*(?:©|\(c\)|(?:19|20)\d\d|by\b|$)|©|\(c\)\s*(?:19|20)\d\d)|"
       r"\ball rights reserved\b",
       250, "'Copyright © 2024 Outlet', '© Outlet. All rights reserved.'",
       "copyright", "©", "(c)", "rights reserved"),
    _r("funding-notice",
       r"^the\s+work\s+of\s+.{2,80}\s+is\s+(?:supported|funded|made\s+possible)\s+by\b",
       300, "'The work of X is supported by Y' (grant notice)", "the work of"),
    _r("reprint-notice",
       r"^(?:when|if\s+you\s+are)\s+(?:referencing|quoting|citing|using|republishing)\s+our\s+materials|"
       r"^to\s+(?:reprint|republish)\b|^reprinted\s+with\s+permission|\bwritten\s+permission\s+must\s+be\b",
       500, "reuse/reprint conditions", "our materials", "reprint", "republish", "permission"),
    _r("cookie-notice",
       r"\b(?:we|this\s+(?:web)?site|our\s+site)\s+uses?\s+cookies\b|^accept\s+(?:all\s+)?cookies",
       400, "cookie banners ('This website uses cookies...')", "cookies"),
    _r("cookie-notice",
       r"\bcookie\s+(?:policy|policies|settings|preferences|consent)\b|"
       r"^privacy\s+(?:policy|notice|(?:and|&)\s+cookie)",
       120, "privacy/cookie policy links (short lines only)", "cookie", "privacy"),
    _r("ad-blocker-plea",
       r"\b(?:disabl\w*|turn(?:ing)?\s+off|whitelist\w*|pause|allowlist\w*)\b.{0,40}\bad[\s-]?block",
       600, "'please disable your ad blocker'", "block"),
    _r("correction-prompt",
       r"suggest\s+a\s+correction|highlight\s+the\s+text\s+and\s+press\s+ctrl|"
       r"\b(?:leave|send|submit)\s+your\s+(?:suggestions|corrections)\b|\breport\s+(?:an\s+error|a\s+typo)|"
       r"\bspotted\s+(?:an?\s+)?(?:error|mistake|typo)|\bfound\s+an?\s+(?:error|mistake|typo)\b",
       200, "'To suggest a correction...', 'press Ctrl + Enter'",
       "correction", "ctrl", "suggestions", "report a", "spotted", "found a"),
    _r("comment-prompt",
       r"^(?:leave|post|add|write|submit)\s+a\s+(?:comment|reply)\b.{0,30}$|^\d+\s+comments?$|"
       r"^(?:show|view|load|read)\s+(?:all\s+)?(?:\d+\s+)?comments$|^comments?\s*(?:\(\d+\))?$|"
       r"^join\s+the\s+(?:conversation|discussion)\b",
       80, "comment widgets", "comment", "reply", "join the"),
    _r("related-links",
       r"^(?:related(?:\s+(?:posts?|articles?|stories|news|content|coverage|links|topics))?|"
       r"more\s+(?:stories|news|on\s+this(?:\s+(?:story|topic))?)|you\s+(?:may|might)\s+(?:also\s+)?like|"
       r"recommended(?:\s+for\s+you)?|latest\s+(?:news|stories)|most\s+(?:read|popular|viewed)|"
       r"trending(?:\s+now)?|top\s+stories)\s*:?$",
       50, "headers of link lists"),
    _r("read-also",
       r"^(?:(?:read|see)\s+(?:also|more)|also\s+read)\s*[:.\-–—|]?(?:\s|$)|^related\s*[:|]",
       250, "'Read also:' / 'READ MORE:' inline links", "read", "see", "related"),
    _r("subscription-plea",
       r"^(?:sign\s+up|subscribe)\b.{0,150}\b(?:newsletter|inbox|updates|alerts)\b|"
       r"^get\s+(?:our|the)\s.{0,40}newsletter|^subscribe(?:\s+(?:now|today|here))?\s*!?$",
       250, "newsletter / subscription calls", "sign up", "subscribe", "newsletter"),
    _r("donation-plea",
       r"^(?:please\s+)?(?:donate|support\s+us|become\s+a\s+(?:patron|member|supporter)|"
       r"support\s+(?:our|independent)\s+journalism)\b",
       120, "short donation calls ('Become a Patron!')", "donate", "support", "become a"),
    _r("share-prompt",
       r"^(?:share|tweet|email|print)(?:\s+(?:this|the)(?:\s+(?:article|story|page))?)?"
       r"(?:\s+(?:on|via)\s+\w+)?\s*:?$|^follow\s+us\s+on\b|^click\s+to\s+share\b",
       80, "social sharing widgets"),
    _r("ad-label",
       r"^(?:advertisement|advertising|sponsored(?:\s+content)?|ad|scroll\s+to\s+continue.*)$",
       40, "advertisement placeholders"),
    _r("media-credit",
       r"^(?:photo|image|picture|video|file\s+photo)(?:\s+credit)?\s*:\s*\S.{0,120}$",
       140, "photo credit lines", ":"),
)

#: Reasons whose line heads a list of links: following short lines go too.
RELATED_HEADER_REASONS = frozenset({"related-links", "read-also"})

#: Promotional lines: a block made of short lines with one of these is an ad.
PROMO_RE = re.compile(
    r"\bspecial\s+(?:discount|offer|price)\b|\bstay\s+informed\s+with\b|\bknow\s+what\s+moves\s+the\s+world\b|"
    r"\bget\s+(?:quality\s+journalism|unlimited\s+access|\d+%\s+off)\b|\bfree\s+trial\b|\bpromo\s+code\b|"
    r"\b(?:subscribe|download\s+(?:our|the)\s+app)\b",
    re.I,
)

# Cues of a multi-sentence plea for money; two or more in one paragraph = plea.
_PLEA_CUES = [re.compile(p, re.I) for p in (
    r"\bbecome\s+a\s+(?:patron|member|supporter|subscriber)\b",
    r"\bsupport\s+(?:of\s+)?(?:us|our\s+(?:work|journalism|reporting|newsroom|team))\b",
    r"\b(?:readers|people)\s+like\s+you\b",
    r"\bdonat(?:e|ion)s?\b",
    r"\bcup\s+of\s+coffee\b",
    r"\b(?:join|support)\s+our\s+community\b",
    r"\byou\s+could\s+close\s+this\s+page\b",
    r"\b(?:keep|keeping)\s+our\s+(?:reporting|journalism|content)\s+(?:open|free)\b",
    r"\b(?:small|independent)\s+(?:team|newsroom)\s+depends\b",
    r"\b(?:a\s+little\s+bit|every\s+contribution)\s+(?:goes\s+a\s+long\s+way|helps)\b",
    r"\bpaywall\b",
    r"\bsubscri(?:be|ption)\b",
)]


_CUE_KEYWORDS = ("patron", "member", "support", "like you", "donat", "coffee", "community",
                 "close this page", "keep", "depends", "little bit", "contribution", "paywall",
                 "subscri")


def plea_reason(paragraph: str) -> str | None:
    """'donation-plea' when a paragraph carries two or more plea cues.

    >>> plea_reason("We keep our reporting open. Readers like you help: become a patron.")
    'donation-plea'
    >>> plea_reason("The charity said donations rose by 10% last year.") is None
    True
    """
    lowered = paragraph.lower()
    if not any(k in lowered for k in _CUE_KEYWORDS):
        return None
    hits = sum(1 for cue in _PLEA_CUES if cue.search(paragraph))
    return "donation-plea" if hits >= 2 else None


def match_line(line: str) -> str | None:
    """The reason of the first rule matching ``line`` (a stripped line), else None."""
    size = len(line)
    lowered = line.lower()
    for rule in RULES:
        if size > rule.max_chars:
            continue
        if rule.keywords and not any(k in lowered for k in rule.keywords):
            continue
        if rule.pattern.search(line):
            return rule.reason
    return plea_reason(line)
