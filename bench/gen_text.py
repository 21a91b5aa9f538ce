"""Ticket texts from the phrase bank, each with its search form already computed.

jieba takes tens of microseconds a sentence: on a million tickets that is most of the
run. Every text here is phrases put together at a boundary jieba never joins words across
(a newline, a space, Chinese punctuation), so its segmented form is the phrases' own
forms, each computed once, joined by spaces — what `search.segment` gives for the whole
text (tests/bench/test_generate.py checks a sample against it).
"""

from __future__ import annotations

import html
import random
from typing import Any

from bench.phrases import GENERIC_NOTES, GENERIC_REPLIES, IMPACTS, ISSUES, OPENERS, PLACES, Texts
from yunwei.tickets import search

SEARCH_WORDS = {"zh": "网络", "en": "VPN"}  # common words of the bank, for the harness


class Segmented:
    """Phrase → its indexed form, computed on first use."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, phrase: str) -> str:
        found = self.cache.get(phrase)
        if found is None:
            found = self.cache[phrase] = search.segment(phrase)
        return found

    def join(self, phrases: list[str]) -> str:
        return " ".join(s for s in map(self, phrases) if s)


def reference_words(reference: str) -> str:
    """INC-000123 → "inc inc 000123": `search.segment` keeps the whole and its parts, and
    jieba's search mode yields the prefix once more on its own."""
    prefix, number = reference.split("-")
    return f"{prefix.lower()} {prefix.lower()} {number}"


def paragraphs_html(text: str) -> str:
    """What the Markdown renderer makes of plain sentences: one escaped paragraph."""
    return f"<p>{html.escape(text, quote=False)}</p>"


def _pick(rng: random.Random, texts: Texts, zh: bool) -> str:
    return rng.choice(texts[0] if zh else texts[1])


ISSUE_WEIGHTS = [issue["weight"] for issue in ISSUES]


class TicketText:
    """One ticket's title, description and comment bodies, with their indexed forms."""

    __slots__ = ("description", "indexed", "issue", "title", "zh")

    def __init__(self, rng: random.Random, segmented: Segmented) -> None:
        self.issue: int = rng.choices(range(len(ISSUES)), ISSUE_WEIGHTS)[0]
        issue = ISSUES[self.issue]
        language = rng.random()
        title_zh = language < 0.75  # 65% Chinese, 20% English, 15% one of each
        self.zh = language < 0.65 or 0.9 <= language < 0.95
        title = [_pick(rng, PLACES, title_zh), _pick(rng, issue["titles"], title_zh)]
        details = issue["details"][0 if self.zh else 1]
        sentences = [_pick(rng, OPENERS, self.zh)]
        sentences += rng.sample(details, min(len(details), rng.choice((1, 1, 1, 2, 2, 3))))
        sentences.append(_pick(rng, IMPACTS, self.zh))
        sentences = [s for s in sentences if s]
        self.title = "".join(title)
        self.description = ("" if self.zh else " ").join(sentences)
        self.indexed = segmented.join(title + sentences)

    def comment(self, rng: random.Random, public: bool) -> str:
        own = rng.random() < 0.6
        issue: dict[str, Any] = ISSUES[self.issue]
        source = issue["replies" if public else "notes"] if own else None
        if source is None:
            source = GENERIC_REPLIES if public else GENERIC_NOTES
        return _pick(rng, source, self.zh)
