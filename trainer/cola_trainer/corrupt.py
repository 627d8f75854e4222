"""One realistic error per sentence, for unacceptable training and test examples made from clean prose.

Each corruption keeps the original sentence, the error type (ERROR_TYPES) and the character span of the
edit in the corrupted text. Inflections come from lemminflect (its lexicon and rules), not from lists of
word forms here; the only word lists are closed classes (determiners, pronouns, prepositions,
auxiliaries) and the confusable pairs the error types name. There is no part-of-speech tagger offline, so
a word's possible parts of speech come from lemminflect's lexicon, and every rule needs context that
makes the edit an error in the usual reading (docs/trainer.md lists the filters).

Deterministic: the same sentence, seed and allowed types give the same corruption."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from lemminflect import getAllLemmas, getInflection

ERROR_TYPES = ("subject_verb", "det_noun", "verb_form", "pronoun_case", "a_an", "dropped_word", "doubled_word",
               "swapped_words", "wrong_preposition", "confusable")

TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+|\S")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()


@dataclass(frozen=True)
class Corruption:
    original: str
    text: str
    error_type: str
    detail: str
    span: tuple[int, int]   # [start, end) of the edit in `text` (an empty span where a word was dropped)


@dataclass(frozen=True)
class _Edit:
    start: int              # character range of `original` that is replaced
    end: int
    replacement: str
    detail: str


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


@lru_cache(maxsize=1 << 16)
def _lemmas(word: str) -> dict[str, tuple[str, ...]]:
    return getAllLemmas(word.lower())


def _is(word: str, upos: str) -> bool:
    return upos in _lemmas(word)


def _only(word: str, upos: str) -> bool:
    lemmas = _lemmas(word)
    return bool(lemmas) and set(lemmas) <= {upos, "PROPN"} and upos in lemmas


def _match_case(new: str, old: str) -> str:
    if old.isupper() and len(old) > 1:
        return new.upper()
    if old[0].isupper():
        return new[0].upper() + new[1:]
    return new


@lru_cache(maxsize=1 << 16)
def _forms(lemma: str, tag: str) -> frozenset[str]:
    return frozenset(getInflection(lemma, tag) or ())


def _noun_lemma(word: str) -> str | None:
    lemmas = _lemmas(word).get("NOUN")
    return lemmas[0] if lemmas else None


def _is_singular_noun(word: str) -> bool:
    lemma = _noun_lemma(word)
    return lemma is not None and word.lower() == lemma and bool(_forms(lemma, "NNS") - {lemma})


def _is_plural_noun(word: str) -> bool:
    lemma = _noun_lemma(word)
    return lemma is not None and word.lower() != lemma and word.lower() in _forms(lemma, "NNS")


def _verb_lemma(word: str) -> str | None:
    lemmas = _lemmas(word).get("VERB") or _lemmas(word).get("AUX")
    return lemmas[0] if lemmas else None


# Closed classes.
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their", "each",
               "every", "some", "any", "no", "many", "several", "both", "all"}
PREPOSITIONS = ("in", "on", "at", "of", "for", "to", "with", "from", "by", "about", "into", "over", "under", "between")
# Replacements learners and fast typists make; each one a different preposition of the same family.
PREPOSITION_SWAPS = {"in": ("on", "at"), "on": ("in", "at"), "at": ("in", "on"), "of": ("for", "from"), "for": ("of", "at"),
                     "with": ("by", "of"), "from": ("of", "by"), "by": ("with", "from"), "about": ("of", "on"),
                     "into": ("onto", "at"), "between": ("among", "from")}
PRONOUNS = {"i", "you", "he", "she", "it", "we", "they", "me", "him", "her", "us", "them"}
MODALS = {"can", "could", "will", "would", "shall", "should", "may", "might", "must"}
AUX_NUMBER = {"is": "are", "are": "is", "was": "were", "were": "was", "has": "have", "have": "has", "does": "do", "do": "does"}
SINGULAR_SUBJECTS = {"he", "she", "it", "this", "that"}
PLURAL_SUBJECTS = {"they", "we", "these", "those"}
SUBJECT_TO_OBJECT = {"i": "me", "he": "him", "she": "her", "we": "us", "they": "them"}
OBJECT_TO_SUBJECT = {"me": "I", "him": "he", "us": "we", "them": "they"}
# "that" and "those" swap only at the start of a sentence: elsewhere "that" may be a complementizer
# ("He said that files are ignored"), where "those" is fine too.
SINGULAR_DETS = {"this": "these", "that": "those", "a": None, "an": None, "each": None, "every": None, "one": None}
PLURAL_DETS = {"these": "this", "those": "that", "many": None, "several": None, "both": None, "few": None}
CONFUSABLES = {"its": "it's", "it's": "its", "their": "there", "there": "their", "they're": "their", "than": "then",
               "then": "than", "affect": "effect", "effect": "affect", "affects": "effects", "effects": "affects",
               "your": "you're", "you're": "your", "whose": "who's", "who's": "whose"}
# Doubling these can be grammatical ("that that", "had had", "very very").
VALID_DOUBLES = {"that", "had", "very", "really", "so", "much", "many", "far", "more", "is"}
INFINITIVE_VERBS = {"want", "need", "have", "able", "going", "try", "allow", "used", "order", "likely", "unable"}
VOWEL_SOUND_EXCEPTIONS = re.compile(r"^(?:u[bcdfgklmnprstvz][aeiou]|use|usu|eu|one|once|uni)", re.I)
SILENT_H = re.compile(r"^(?:hour|honest|honou?r|heir)", re.I)


def _starts_with_vowel_sound(word: str) -> bool:
    if SILENT_H.match(word):
        return True
    if VOWEL_SOUND_EXCEPTIONS.match(word):
        return False
    if word.isupper() and len(word) > 1:  # acronyms read letter by letter: "an SQL", "a URL" is ambiguous; keep letters
        return word[0] in "AEFHILMNORSX"
    return word[0].lower() in "aeiou"


def _replace(tok: Token, new: str, detail: str) -> _Edit:
    return _Edit(tok.start, tok.end, _match_case(new, tok.text), detail)


# ---------------------------------------------------------------------------------------------- the generators
def subject_verb(toks: list[Token]) -> Iterable[_Edit]:
    for i, t in enumerate(toks):
        prev = toks[i - 1] if i else None
        if t.low in AUX_NUMBER and prev is not None and prev.is_word:
            # "there is/are" agrees with what follows, but swapping it still breaks that agreement.
            if prev.low in SINGULAR_SUBJECTS | PLURAL_SUBJECTS | {"there"} or _is_singular_noun(prev.text) or _is_plural_noun(prev.text):
                yield _replace(t, AUX_NUMBER[t.low], f"{t.low} -> {AUX_NUMBER[t.low]}")
            continue
        # After a personal pronoun a word that can be a verb is one ("it runs"), even if it can be a noun too.
        if prev is None or prev.low not in ("he", "she", "it", "they", "we") or not _is(t.text, "VERB") or _is(t.text, "ADJ"):
            continue
        lemma = _verb_lemma(t.text)
        if not lemma or lemma in ("be", "have", "do"):
            continue
        vbz = _forms(lemma, "VBZ")
        if prev.low in ("he", "she", "it") and t.low in vbz:
            yield _replace(t, lemma, f"{t.low} -> {lemma}")
        elif prev.low in ("they", "we") and t.low == lemma and vbz:
            new = sorted(vbz)[0]
            yield _replace(t, new, f"{t.low} -> {new}")


def det_noun(toks: list[Token]) -> Iterable[_Edit]:
    for i in range(len(toks) - 1):
        d, n = toks[i], toks[i + 1]
        if n.low in PRONOUNS:
            continue
        if d.low in ("that", "those") and i > 0:
            continue
        if d.low in SINGULAR_DETS and _is_singular_noun(n.text) and not _is(n.text, "ADJ"):
            swap = SINGULAR_DETS[d.low]
            if swap:
                yield _replace(d, swap, f"{d.low} {n.low} -> {swap} {n.low}")
            elif d.low not in ("a", "an") and not _is(n.text, "VERB"):  # "each run" / "each runs" can both parse
                plural = sorted(_forms(_noun_lemma(n.text) or n.low, "NNS"))[0]
                yield _replace(n, plural, f"{d.low} {n.low} -> {d.low} {plural}")
        elif d.low in PLURAL_DETS and _is_plural_noun(n.text):
            swap = PLURAL_DETS[d.low]
            if swap:
                yield _replace(d, swap, f"{d.low} {n.low} -> {swap} {n.low}")
            else:
                lemma = _noun_lemma(n.text)
                if lemma:
                    yield _replace(n, lemma, f"{d.low} {n.low} -> {d.low} {lemma}")


def verb_form(toks: list[Token]) -> Iterable[_Edit]:
    for i in range(len(toks) - 1):
        a, v = toks[i], toks[i + 1]
        # The auxiliary before it makes a noun/verb word a verb ("can read"); adjectives after "is" are not.
        if not v.is_word or _is(v.text, "ADV"):
            continue
        lemma = _verb_lemma(v.text)
        if not lemma or lemma in ("be",):
            continue
        allowed: set[str]
        if a.low in MODALS or (a.low == "to" and i and toks[i - 1].low in INFINITIVE_VERBS):
            if v.low != lemma:
                continue
            allowed, tags = {lemma}, ("VBD", "VBG", "VBZ")
        elif a.low in ("has", "have", "had") and v.low in _forms(lemma, "VBN"):
            allowed, tags = _forms(lemma, "VBN"), ("VBD", "VB", "VBG")
        elif a.low in ("is", "are", "was", "were") and v.low in _forms(lemma, "VBG") and not _is(v.text, "ADJ"):
            allowed, tags = _forms(lemma, "VBG") | _forms(lemma, "VBN"), ("VBZ", "VB")
        else:
            continue
        for tag in tags:
            for new in sorted(_forms(lemma, tag) - allowed):
                yield _replace(v, new, f"{a.low} {v.low} -> {a.low} {new}")
                break


def pronoun_case(toks: list[Token]) -> Iterable[_Edit]:
    for i, t in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        prev = toks[i - 1] if i else None
        # A subject: first word, or after a comma or "and"/"that"/"because", followed by a verb.
        if t.low in SUBJECT_TO_OBJECT and nxt is not None and (_is(nxt.text, "VERB") or _is(nxt.text, "AUX") or nxt.low in MODALS):
            if prev is None or prev.text == "," or prev.low in ("and", "but", "because", "when", "if", "so"):
                new = SUBJECT_TO_OBJECT[t.low]
                yield _Edit(t.start, t.end, new.capitalize() if t.text[0].isupper() else new, f"{t.low} -> {new}")
        # An object after a preposition.
        elif t.low in OBJECT_TO_SUBJECT and prev is not None and prev.low in PREPOSITIONS:
            new = OBJECT_TO_SUBJECT[t.low]
            yield _Edit(t.start, t.end, new, f"{prev.low} {t.low} -> {prev.low} {new}")


def a_an(toks: list[Token]) -> Iterable[_Edit]:
    for i in range(len(toks) - 1):
        t, n = toks[i], toks[i + 1]
        if t.low not in ("a", "an") or not n.is_word or n.text == "X":
            continue
        # Swap only where the sentence's own choice agrees with the spelling rule: a sentence that wrote "a
        # one-time" or "an SQL" knew better than the rule, and its swap might be the correct form.
        vowel = _starts_with_vowel_sound(n.text)
        if (t.low == "an") == vowel:
            new = "a" if t.low == "an" else "an"
            yield _replace(t, new, f"{t.low} {n.low} -> {new} {n.low}")


def dropped_word(toks: list[Token]) -> Iterable[_Edit]:
    for i in range(1, len(toks) - 1):
        t, prev, nxt = toks[i], toks[i - 1], toks[i + 1]
        if not nxt.is_word:
            continue
        kind = None
        if t.low in ("a", "an") and _is_singular_noun(nxt.text) or (t.low in ("a", "an") and _is(nxt.text, "ADJ")):
            kind = "article"
        elif t.low == "to" and prev.low in INFINITIVE_VERBS and _verb_lemma(nxt.text) == nxt.low:
            kind = "to"
        elif t.low in ("of", "with", "from") and prev.is_word and nxt.low in DETERMINERS:
            kind = "preposition"
        elif t.low in MODALS | {"is", "are", "was", "were", "has", "have"} and prev.is_word and (
                (t.low in MODALS and _verb_lemma(nxt.text) == nxt.low and nxt.low != "not")
                or (t.low not in MODALS and (nxt.low.endswith("ing") or nxt.low in ("been", "being")))):
            kind = "auxiliary"
        if kind is None:
            continue
        # Remove the word and the space before it, so the result has no double space.
        yield _Edit(prev.end, t.end, "", f"dropped {kind} '{t.text}'")


def doubled_word(toks: list[Token]) -> Iterable[_Edit]:
    for i, t in enumerate(toks):
        if t.is_word and t.text != "X" and t.low not in VALID_DOUBLES and i + 1 < len(toks):
            # A sentence's capital belongs to its first word only: "The the tests".
            copy = t.text.lower() if i == 0 and t.text[1:].islower() else t.text
            yield _Edit(t.end, t.end, " " + copy, f"doubled '{t.text}'")


def swapped_words(toks: list[Token]) -> Iterable[_Edit]:
    for i in range(len(toks) - 1):
        a, b = toks[i], toks[i + 1]
        if not (a.is_word and b.is_word) or "X" in (a.text, b.text) or a.low == b.low:
            continue
        if a.end + 1 != b.start:  # only words separated by one space
            continue
        # Often still fine: two adjectives ("big red"), an adverb ("also uses" / "uses also"), a conjunction,
        # and a noun before an adjective ("keep your work private" -> "keep your private work").
        if (_is(a.text, "ADJ") and _is(b.text, "ADJ")) or _is(a.text, "ADV") or _is(b.text, "ADV") \
                or (_is(a.text, "NOUN") and _is(b.text, "ADJ")) \
                or a.low in ("and", "or", "but") or b.low in ("and", "or", "but"):
            continue
        # A question's inversion ("They have" -> "Have they") and a determiner moved before a participle or
        # adjective ("have written a guide" -> "have a written guide") can be grammatical.
        if (i == 0 and (b.low in AUX_NUMBER or b.low in MODALS or b.low in ("was", "were", "had"))) \
                or (b.low in DETERMINERS and (_is(a.text, "ADJ") or a.low.endswith(("ed", "en")))):
            continue
        if i == 0 and a.text[0].isupper() and not b.text[0].isupper():
            first, second = _match_case(b.low, a.text), a.text[0].lower() + a.text[1:] if not a.text.isupper() else a.text
        else:
            first, second = b.text, a.text
        yield _Edit(a.start, b.end, f"{first} {second}", f"'{a.text} {b.text}' -> '{first} {second}'")


def wrong_preposition(toks: list[Token]) -> Iterable[_Edit]:
    for i in range(1, len(toks) - 1):
        t, nxt = toks[i], toks[i + 1]
        if t.low in PREPOSITION_SWAPS and nxt.is_word and (nxt.low in DETERMINERS or _is(nxt.text, "NOUN")):
            for new in PREPOSITION_SWAPS[t.low]:
                yield _replace(t, new, f"{t.low} -> {new}")


def confusable(toks: list[Token]) -> Iterable[_Edit]:
    for t in toks:
        low = t.low.replace("’", "'")
        if low in CONFUSABLES:
            # "then" is a confusable only where "than" would be read (after a comparative); elsewhere the swap
            # "then" -> "than" is still wrong, so both directions stay.
            yield _replace(t, CONFUSABLES[low], f"{low} -> {CONFUSABLES[low]}")


GENERATORS: dict[str, Callable[[list[Token]], Iterable[_Edit]]] = {
    "subject_verb": subject_verb, "det_noun": det_noun, "verb_form": verb_form, "pronoun_case": pronoun_case,
    "a_an": a_an, "dropped_word": dropped_word, "doubled_word": doubled_word, "swapped_words": swapped_words,
    "wrong_preposition": wrong_preposition, "confusable": confusable,
}
assert tuple(GENERATORS) == ERROR_TYPES


def candidates(sentence: str, error_type: str) -> list[Corruption]:
    toks = tokenize(sentence)
    out, seen = [], set()
    for e in GENERATORS[error_type](toks):
        text = sentence[:e.start] + e.replacement + sentence[e.end:]
        if text == sentence or text in seen:
            continue
        seen.add(text)
        # The span covers the new word(s) without the space an insertion brings; a deletion is an empty
        # span where the word was.
        start = e.start + (len(e.replacement) - len(e.replacement.lstrip(" ")))
        end = e.start + len(e.replacement)
        out.append(Corruption(sentence, text, error_type, e.detail, (start, end)))
    return out


def corrupt(sentence: str, rng: np.random.Generator, types: Iterable[str] = ERROR_TYPES,
            weights: Mapping[str, float] | None = None) -> Corruption | None:
    """One corruption of `sentence`: an error type drawn from those that apply (uniformly, or in proportion to
    `weights`, 1 for a type it leaves out), then one of its edits uniformly; None when no type applies."""
    applicable = [(t, c) for t, c in ((t, candidates(sentence, t)) for t in types) if c]
    if not applicable:
        return None
    if weights is None:
        pool = applicable[int(rng.integers(len(applicable)))][1]
    else:
        w = np.array([weights.get(t, 1.0) for t, _ in applicable], dtype=np.float64)
        pool = applicable[int(rng.choice(len(applicable), p=w / w.sum()))][1]
    return pool[int(rng.integers(len(pool)))]


def corrupt_all(sentences: list[str], seed: int, types: Iterable[str] = ERROR_TYPES,
                weights: Mapping[str, float] | None = None) -> list[Corruption | None]:
    """`corrupt` for each sentence with its own stream (seed, index): adding or removing sentences does not
    change the corruptions of the others."""
    types = tuple(types)
    return [corrupt(s, np.random.Generator(np.random.PCG64([seed, i])), types, weights) for i, s in enumerate(sentences)]


def parse_type_weights(text: str) -> dict[str, float]:
    """'a_an=3,wrong_preposition=2' as {type: weight}; raises ValueError naming the bad part."""
    out: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, eq, value = part.partition("=")
        name = name.strip()
        if name not in ERROR_TYPES:
            raise ValueError(f"unknown error type '{name}' (known: {', '.join(ERROR_TYPES)})")
        try:
            weight = float(value) if eq else float("nan")
        except ValueError:
            weight = float("nan")
        if not (weight > 0 and weight < float("inf")):
            raise ValueError(f"'{part}' needs a positive weight, e.g. {name}=2")
        if name in out:
            raise ValueError(f"'{name}' is given twice")
        out[name] = weight
    if not out:
        raise ValueError("no TYPE=WEIGHT pairs")
    return out
