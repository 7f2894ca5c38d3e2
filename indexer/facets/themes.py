"""Themes from a fixed taxonomy, weighed from phrases and programmes.

The taxonomy, the phrases for each theme and every weight and threshold are
in `data/themes.toml`.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from indexer.facets.sections import ItemText
from indexer.facets.text import Found, Phrase, PhraseMatcher, fold, spelling_forms
from indexer.facets.vocabulary import Vocabularies, VocabularyError

if TYPE_CHECKING:  # programmes imports this module, to check its themes against the taxonomy
    from indexer.facets.programmes import Programme

_IGNORED = "-"
_TIE = 1e-9  # scores this close are equal


@dataclasses.dataclass(frozen=True)
class _Rules:
    labels: tuple[str, ...]
    matcher: PhraseMatcher  # keys: a phrase form, or "-" for phrases that are evidence for nothing
    weights: dict[str, dict[str, float]]  # phrase form -> theme -> weight
    where: dict[str, float]
    fallback: str
    max_themes: int
    uncounted: frozenset[str]  # themes not counted in max_themes
    min_score: float
    relative_min: float
    listed_factor: float
    list_min_themes: int
    programme_weight: float
    fund_weight: float
    once: frozenset[str]  # folded forms of phrases that count once in an item


def theme_labels(vocabularies: Vocabularies) -> tuple[str, ...]:
    """The taxonomy, in display order."""
    return _rules(vocabularies).labels


def theme_label(vocabularies: Vocabularies, typed: str) -> str | None:
    """The label for a label typed in any case, or as a slug
    (`human-trafficking`)."""
    return _labels_by_form(vocabularies).get(fold(typed))


def assign_themes(text: ItemText, programmes: Sequence[tuple[Programme, list[Found]]]) -> tuple[str, ...]:
    """1 to `max_themes` themes, and any `uncounted` ones, the best
    supported first. The text should
    have the programme names masked (their words count through the
    programmes' themes)."""
    rules = _rules(text.vocabularies)
    scores = theme_scores(text, programmes)
    # Ties go to a programme's first themes (its registry order), then to
    # the taxonomy order.
    programme_rank: dict[str, int] = {}
    for programme, _ in programmes:
        for rank, label in enumerate(programme.themes):
            programme_rank[label] = min(rank, programme_rank.get(label, rank))
    ranked = sorted(
        scores,
        key=lambda label: (-scores[label], programme_rank.get(label, len(rules.labels)), rules.labels.index(label)),
    )
    if not ranked:
        return (rules.fallback,)
    best = scores[ranked[0]]
    kept = [ranked[0]] + [
        label for label in ranked[1:] if scores[label] >= rules.min_score and scores[label] >= rules.relative_min * best
    ]
    counted = kept[:1] + [label for label in kept[1:] if label not in rules.uncounted]
    if len(counted) > rules.max_themes:
        # Themes tied with the first one left out go too; the best one
        # stays whatever its ties, as every item has a theme.
        cut = scores[counted[rules.max_themes]]
        left_out = {label for label in counted[1:] if scores[label] <= cut + _TIE} | set(counted[rules.max_themes :])
        kept = [label for label in kept if label not in left_out]
    return tuple(kept)


def theme_scores(text: ItemText, programmes: Sequence[tuple[Programme, list[Found]]]) -> dict[str, float]:
    """The evidence for each theme with any."""
    rules = _rules(text.vocabularies)
    scores: dict[str, float] = collections.defaultdict(float)
    found = [f for f in rules.matcher.find(text.text) if f.key != _IGNORED]
    sentences = [text.sentence_at(f.start) for f in found]
    themes_in_sentence: dict[tuple[int, int], set[str]] = collections.defaultdict(set)
    for phrase, sentence in zip(found, sentences, strict=True):
        themes_in_sentence[sentence].update(rules.weights[phrase.key])
    # A phrase repeated within a sentence counts once; a phrase of `once`,
    # once in the item.
    in_place: dict[tuple[tuple[int, int] | None, str, str], float] = {}
    for phrase, sentence in zip(found, sentences, strict=True):
        where = rules.where[text.section_at(phrase.start).kind]
        if len(themes_in_sentence[sentence]) >= rules.list_min_themes:
            where *= rules.listed_factor
        place = None if phrase.key in rules.once else sentence
        for label, weight in rules.weights[phrase.key].items():
            key = (place, phrase.key, label)
            in_place[key] = max(in_place.get(key, 0.0), weight * where)
    for (_, _, label), evidence in in_place.items():
        scores[label] += evidence
    # Programmes on one theme are one piece of evidence for it, the best
    # placed: an overview naming five programmes against drugs is not five
    # times about drugs.
    by_programmes: dict[str, float] = {}
    for programme, mentions in programmes:
        where = max(rules.where[text.section_at(m.start).kind] for m in mentions)
        weight = rules.fund_weight if programme.type == "fund" else rules.programme_weight
        for label in programme.themes:
            by_programmes[label] = max(by_programmes.get(label, 0.0), weight * where)
    for label, evidence in by_programmes.items():
        scores[label] += evidence
    return dict(scores)


@functools.lru_cache(maxsize=4)
def _rules(vocabularies: Vocabularies) -> _Rules:
    data = vocabularies.toml("themes.toml")
    labels = tuple(data["labels"])
    unknown = (set(data["phrases"]) | {data["fallback"]} | set(data.get("uncounted", []))) - set(labels)
    if unknown:
        raise VocabularyError(f"themes.toml: {', '.join(sorted(unknown))} not in `labels`")
    weights: dict[str, dict[str, float]] = collections.defaultdict(dict)
    forms: dict[str, str] = {}  # folded form -> form as written
    for label, phrases in data["phrases"].items():
        # A theme's own label ("terrorism and violent extremism") is one of
        # its phrases: read as one phrase, not as two themes' words.
        for phrase, weight in {label: 1.0, **phrases}.items():
            for form in spelling_forms(phrase):
                weights[fold(form)][label] = max(weight, weights[fold(form)].get(label, 0.0))
                forms[fold(form)] = form
    for key, form in list(forms.items()):  # plurals: "prison" also matches "prisons"
        plural = form + "s"
        if not form.isupper() and not form.endswith("s") and fold(plural) not in forms:
            weights[fold(plural)] = weights[key]
            forms[fold(plural)] = plural
    once = frozenset(fold(form) for phrase in data.get("once", []) for form in spelling_forms(phrase))
    if once - weights.keys():
        raise VocabularyError(f"themes.toml: `once` names {', '.join(sorted(once - weights.keys()))}, not a phrase")
    once |= {fold(forms[key] + "s") for key in once if fold(forms[key] + "s") in weights}
    phrases = [Phrase(form, key, exact_case=form.isupper()) for key, form in forms.items()]
    phrases += [Phrase(text, _IGNORED) for text in data["ignore"]]
    return _Rules(
        labels=labels,
        matcher=PhraseMatcher(phrases),
        weights=dict(weights),
        where=data["where"],
        fallback=data["fallback"],
        max_themes=data["max_themes"],
        uncounted=frozenset(data.get("uncounted", [])),
        min_score=data["min_score"],
        relative_min=data["relative_min"],
        listed_factor=data["listed_factor"],
        list_min_themes=data["list_min_themes"],
        programme_weight=data["programme_weight"],
        fund_weight=data["fund_weight"],
        once=once,
    )


@functools.lru_cache(maxsize=4)
def _labels_by_form(vocabularies: Vocabularies) -> dict[str, str]:
    return {fold(label): label for label in theme_labels(vocabularies)}


def themes_named_by(vocabularies: Vocabularies, phrase: str) -> list[str]:
    """The themes a phrase names outright: its label in any spelling, or a
    phrase that is full evidence for it (`illegal logging` -> wildlife and
    forest crime). Search reads a query naming a theme as that theme too."""
    weights = _rules(vocabularies).weights.get(fold(phrase), {})
    return [label for label in theme_labels(vocabularies) if weights.get(label, 0.0) >= 1.0]
