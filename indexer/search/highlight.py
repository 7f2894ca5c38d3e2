"""Highlighted titles and snippets: HTML-escaped text, `<mark>` around the
words that matched, and no other markup.

Whoosh's highlighter runs the whole analyzer chain over every word of every
result on every request; here each word goes through the index's own cached
`index_term`, so a snippet costs one regex scan of the body.
"""

from __future__ import annotations

import html

from indexer.build.analysis import TOKEN, index_term

SNIPPET_CHARS = 240


def matched_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), term) for m in TOKEN.finditer(text) if (term := index_term(m.group())) in terms]


def mark(text: str, spans: list[tuple[int, int, str]]) -> str:
    out, last = [], 0
    for start, end, _ in spans:
        out.append(html.escape(text[last:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        last = end
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def highlight_title(title: str, terms: frozenset[str]) -> str:
    return mark(title, matched_spans(title, terms) if terms else [])


def snippet(body: str, terms: frozenset[str], width: int = SNIPPET_CHARS) -> str:
    """The stretch of `body` of about `width` characters holding the most
    distinct matched terms (then the most matches), marked; the opening of
    the body when nothing matches."""
    text = " ".join(body.split())
    spans = matched_spans(text, terms) if terms else []
    if not spans:
        return html.escape(_clip(text, 0, width), quote=False)
    best_start, best_score = 0, (-1, -1)
    for i, (start, _, _) in enumerate(spans):
        window_start = max(0, start - width // 4)
        inside = [s for s in spans[i:] if s[1] <= window_start + width]
        score = (len({term for _, _, term in inside}), len(inside))
        if score > best_score:
            best_start, best_score = window_start, score
    start = _word_start(text, best_start)
    end = _word_end(text, start + width)
    window = [(s - start, e - start, t) for s, e, t in spans if s >= start and e <= end]
    return ("… " if start > 0 else "") + mark(text[start:end], window) + (" …" if end < len(text) else "")


def _clip(text: str, start: int, width: int) -> str:
    end = _word_end(text, start + width)
    return text[start:end] + (" …" if end < len(text) else "")


def _word_start(text: str, index: int) -> int:
    if index <= 0:
        return 0
    space = text.rfind(" ", 0, index)
    return space + 1 if space >= 0 else 0


def _word_end(text: str, index: int) -> int:
    if index >= len(text):
        return len(text)
    space = text.rfind(" ", 0, index)
    return space if space > 0 else index


def proximity(text: str, terms: frozenset[str]) -> float:
    """1.0 when every term occurs in `text` within a window of about as many
    words as there are terms, falling towards 0 as the closest such window
    widens; 0 when some term is missing."""
    positions = [
        (i, term) for i, match in enumerate(TOKEN.finditer(text)) if (term := index_term(match.group())) in terms
    ]
    if len({term for _, term in positions}) < len(terms):
        return 0.0
    best = len(text)
    last_seen: dict[str, int] = {}
    for i, term in positions:
        last_seen[term] = i
        if len(last_seen) == len(terms):
            best = min(best, i - min(last_seen.values()) + 1)
    return len(terms) / best
