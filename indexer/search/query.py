"""Turn what a person types into a search box into Whoosh queries.

The syntax is Whoosh's (quoted phrases, AND/OR/NOT, `-word`, trailing `*`,
`field:value`) restricted to the fields people may name, and made safe:
whatever is typed parses to a query or to nothing, never an exception, and
no pattern can make the index enumerate its whole vocabulary.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from whoosh import fields, qparser, query
from whoosh.analysis import STOP_WORDS
from whoosh.qparser.common import QueryParserError

from indexer.build.analysis import TOKEN, index_term
from indexer.build.schema import BODY, SOURCE, TITLE, build_schema
from indexer.curation.synonyms import NO_SYNONYMS, WORD, Synonyms
from indexer.facets.registry import BY_NAME, FACETS
from indexer.facets.vocabulary import Vocabularies
from indexer.search.ranking import FACET_BOOSTS

# Fields a query may name: the text fields and every facet.
TEXT_FIELDS = (TITLE, BODY)
QUERY_FIELDS = (*TEXT_FIELDS, SOURCE, *(facet.name for facet in FACETS))

MAX_FACET_PHRASE_WORDS = 6
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
# What Whoosh's parser raises on operator sequences it cannot read.
UNREADABLE_SYNTAX = (AssertionError, NotImplementedError, QueryParserError)
# Characters that carry meaning in the query syntax.
_SYNTAX = re.compile(r"""[:"*?()\[\]{}^~]|(?:^|\s)[-+]""")


@dataclasses.dataclass
class ParsedQuery:
    text: str
    strict: query.Query  # every word must match
    loose: query.Query  # any word may match; more matching words score higher
    boosts: list[query.Term]  # facet values the query names: they lift the score
    proximity_terms: frozenset[str]  # the words' index terms, rewarded when close together
    words: list[str]  # the plain words typed
    notices: list[str]
    # The words an editor's synonym rule covers: known, whatever the index holds.
    synonym_words: frozenset[str] = frozenset()

    @property
    def spelled_words(self) -> list[str]:
        """The words a spelling suggestion may correct."""
        return [word for word in self.words if word not in self.synonym_words]

    @property
    def is_empty(self) -> bool:
        return self.loose is query.NullQuery

    @property
    def has_several_terms(self) -> bool:
        return len(self.words) > 1


@functools.cache
def query_schema() -> fields.Schema:
    """The schema the parser sees: only the fields a user may name, so
    `id:` or `data:` in a query are read as plain words."""
    full = build_schema()
    return fields.Schema(**{name: full[name] for name in QUERY_FIELDS})


def _parser(group) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), query_schema(), group=group)
    parser.add_plugin(qparser.PlusMinusPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin({facet.name: list(facet.aliases) for facet in FACETS}))
    # Fuzzy `word~` and ranges over text expand to many terms; not offered.
    parser.remove_plugin_class(qparser.RangePlugin)
    return parser


@functools.cache
def _strict_parser() -> qparser.QueryParser:
    return _parser(qparser.AndGroup)


@functools.cache
def _loose_parser() -> qparser.QueryParser:
    return _parser(qparser.OrGroup.factory(0.9))


def parse_user_query(text: str, vocabularies: Vocabularies, synonyms: Synonyms = NO_SYNONYMS) -> ParsedQuery:
    """What a person typed, with facet values resolved by the serving
    index's `vocabularies` and the editors' `synonyms` applied."""
    text = " ".join(text.split())
    notices: list[str] = []
    words = plain_words(text)
    rewritten, boosts, synonym_words = _expand_phrases(text, words, vocabularies, synonyms)
    try:
        strict = _make_safe(_strict_parser().parse(rewritten), vocabularies, notices)
        loose = _make_safe(_loose_parser().parse(rewritten), vocabularies, [])
    except UNREADABLE_SYNTAX:
        # Whoosh's parser gives up on some operator sequences ("a AND AND
        # b", "(-word)"): search the words alone and say so.
        notices.append("The query's operators could not be read; its words were searched instead.")
        plain = " ".join(words) or '""'
        strict = _make_safe(_strict_parser().parse(plain), vocabularies, [])
        loose = _make_safe(_loose_parser().parse(plain), vocabularies, [])
    proximity_terms = _index_terms(words) if loose is not query.NullQuery else frozenset()
    proximity_terms = proximity_terms if len(proximity_terms) > 1 else frozenset()
    return ParsedQuery(text, strict, loose, boosts, proximity_terms, words, notices, synonym_words)


def plain_words(text: str) -> list[str]:
    """The words of a query that are not operators, field names or negated."""
    words = []
    for match in re.finditer(rf"(?<![\w.:])([-+]?)({WORD.pattern})(:?)", text):
        sign, word, colon = match.groups()
        if colon or sign == "-" or word in OPERATORS:
            continue
        words.append(word)
    return words


def _expand_phrases(
    text: str, words: list[str], vocabularies: Vocabularies, synonyms: Synonyms
) -> tuple[str, list[query.Term], frozenset[str]]:
    """Where the query names a facet value (a country, a programme's name
    or acronym, a theme, a region), let items tagged with it match too and
    rank them higher: `CCP` finds the Container Control Programme's news
    even where the acronym is not written out. Where it holds a term of an
    editors' synonym rule, let the rule's other terms match too."""
    if _SYNTAX.search(text) or any(w in OPERATORS for w in text.split()):
        # Queries with syntax mean what they say: no rewriting, boosts only.
        return text, _facet_boosts(words, vocabularies), frozenset()
    alternatives, boosts, synonym_words = [], [], set()
    i = 0
    while i < len(words):
        synonym = synonyms.expansion(words, i) if synonyms else None
        if synonym:
            n, others = synonym
            phrase = " ".join(words[i : i + n])
            found_too = " OR ".join(f'"{other}"' for other in others)  # a phrase when several words
            alternatives.append(f"(({phrase}) OR {found_too})")
            boosts += _boost_terms(_facet_values(phrase, vocabularies))
            synonym_words.update(words[i : i + n])
            i += n
            continue
        for n in range(min(MAX_FACET_PHRASE_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            matches = _facet_values(phrase, vocabularies)
            if matches:
                terms = " OR ".join(f'{field}:"{value}"' for field, value in matches)
                alternatives.append(f"(({phrase}) OR {terms})")
                boosts += _boost_terms(matches)
                i += n
                break
        else:
            alternatives.append(words[i])
            i += 1
    return " ".join(alternatives), boosts, frozenset(synonym_words)


def _facet_boosts(words: list[str], vocabularies: Vocabularies) -> list[query.Term]:
    boosts = []
    for n in range(1, min(MAX_FACET_PHRASE_WORDS, len(words)) + 1):
        for i in range(len(words) - n + 1):
            boosts += _boost_terms(_facet_values(" ".join(words[i : i + n]), vocabularies))
    return boosts


def _facet_values(phrase: str, vocabularies: Vocabularies) -> list[tuple[str, str]]:
    words = phrase.split()
    if all(word.lower() in STOP_WORDS for word in words):
        return []
    # Short lowercase words ("in", "be", "us") are words, not country codes
    # or acronyms; typed in capitals ("US", "CCP") they are names.
    if len(phrase) < 4 and not phrase.isupper():
        return []
    found = []
    for facet in FACETS:
        if facet.named_by is not None:
            found += [(facet.name, value) for value in facet.named_by(vocabularies, phrase)]
    return found


def _boost_terms(matches: list[tuple[str, str]]) -> list[query.Term]:
    boosts = []
    for name, value in matches:
        boosts.append(query.Term(BY_NAME[name].boost_field, value, boost=FACET_BOOSTS[name]))
    return boosts


def _index_terms(words: list[str]) -> frozenset[str]:
    return frozenset(term for word in words for token in TOKEN.findall(word) if (term := index_term(token)))


def _make_safe(q: query.Query, vocabularies: Vocabularies, notices: list[str]) -> query.Query:
    """Resolve facet values and drop what would be expensive or meaningless."""

    def fix(node: query.Query) -> query.Query:
        field = getattr(node, "fieldname", None)
        if isinstance(node, query.Every):
            return query.NullQuery  # a lone `*` means "everything": browse mode
        if isinstance(node, (query.Wildcard, query.Prefix, query.FuzzyTerm, query.Regex)):
            pattern = getattr(node, "text", "")
            # A facet's values are codes and slugs, not what people type,
            # unless the facet says its values are typed as they are (years).
            facet_values = field in BY_NAME and not BY_NAME[field].values_typed
            if facet_values or not pattern or pattern[0] in "*?" or len(pattern) < 2:
                _note(notices, f"Wildcards need at least two letters before the `*`; `{pattern}` was ignored.")
                return query.NullQuery
            return node
        if field in BY_NAME and isinstance(node, (query.Term, query.Phrase)):
            typed = node.text if isinstance(node, query.Term) else " ".join(node.words)
            values = BY_NAME[field].values_named(vocabularies, typed)
            if not values:
                _note(notices, f"No {field} is called `{typed}`.")
                return query.NullQuery
            return (
                query.Or([query.Term(field, v) for v in values])
                if len(values) > 1
                else query.Term(field, values[0], boost=node.boost)
            )
        if isinstance(node, query.Or) and any(isinstance(c, query.Not) for c in node.subqueries):
            # `a b NOT c` read as "any of a, b" must still exclude c.
            excluded = [c.query for c in node.subqueries if isinstance(c, query.Not)]
            wanted = [c for c in node.subqueries if not isinstance(c, query.Not)]
            if not wanted:
                return query.NullQuery
            return query.AndNot(query.Or(wanted), query.Or(excluded))
        if isinstance(node, query.Phrase) and field not in TEXT_FIELDS:
            # Only titles and bodies keep word positions: elsewhere a quoted
            # phrase means all of its words.
            return query.And([query.Term(node.fieldname, word) for word in node.words])
        if isinstance(node, query.Phrase) and len(node.words) == 1:
            return query.Term(node.fieldname, node.words[0], boost=node.boost)
        return node

    return q.accept(fix).normalize()


def _note(notices: list[str], message: str) -> None:
    if message not in notices:
        notices.append(message)
