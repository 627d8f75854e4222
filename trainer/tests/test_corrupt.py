"""The corruption generator on fixed sentences: each error type makes the expected edit, records the original
and the span of the edit, leaves alone what the filters keep out, and is deterministic."""
import numpy as np
import pytest

from cola_trainer.corrupt import ERROR_TYPES, candidates, corrupt, corrupt_all


def texts(sentence, error_type):
    return {c.text for c in candidates(sentence, error_type)}


def test_every_candidate_keeps_the_original_and_the_span_of_the_edit():
    sentence = "They have written a guide for new contributors, and its sections are better than the old ones."
    for t in ERROR_TYPES:
        for c in candidates(sentence, t):
            assert c.original == sentence and c.error_type == t and c.text != sentence
            start, end = c.span
            # Outside the span (give or take the space an insertion brings) the text is the original's.
            assert sentence.startswith(c.text[:start].rstrip())
            assert sentence.endswith(c.text[end:].lstrip())
            assert 0 <= start <= end <= len(c.text)


@pytest.mark.parametrize("error_type, sentence, expected", [
    ("subject_verb", "These tools are useful.", "These tools is useful."),
    ("subject_verb", "The project was created in 2001.", "The project were created in 2001."),
    ("subject_verb", "It runs on every platform.", "It run on every platform."),
    ("subject_verb", "They allow us to test changes.", "They allows us to test changes."),
    ("det_noun", "This change breaks nothing.", "These change breaks nothing."),
    ("det_noun", "Those files are ignored.", "That files are ignored."),
    ("det_noun", "Each user gets a copy.", "Each users gets a copy."),
    ("det_noun", "Several options were considered.", "Several option were considered."),
    ("verb_form", "They have written a guide.", "They have wrote a guide."),
    ("verb_form", "The parser can read the file.", "The parser can reading the file."),
    ("verb_form", "We want to release it soon.", "We want to released it soon."),
    ("verb_form", "The server is running now.", "The server is runs now."),
    ("pronoun_case", "They maintain the package.", "Them maintain the package."),
    ("pronoun_case", "Send the report to them today.", "Send the report to they today."),
    ("a_an", "It is an experiment.", "It is a experiment."),
    ("a_an", "It is a hard problem.", "It is an hard problem."),
    ("a_an", "It takes an hour to build.", "It takes a hour to build."),
    ("a_an", "It is a one-time fee.", "It is an one-time fee."),
    ("dropped_word", "It is a hard problem.", "It is hard problem."),
    ("dropped_word", "We need to release it.", "We need release it."),
    ("dropped_word", "The end of the year is near.", "The end the year is near."),
    ("dropped_word", "The parser will read the file.", "The parser read the file."),
    ("dropped_word", "The tests are running now.", "The tests running now."),
    ("doubled_word", "The tests pass.", "The the tests pass."),
    ("swapped_words", "The tests pass.", "The pass tests."),
    ("wrong_preposition", "The file is in the folder.", "The file is on the folder."),
    ("wrong_preposition", "It depends on the platform.", "It depends in the platform."),
    ("confusable", "The package and its tests are ready.", "The package and it's tests are ready."),
    ("confusable", "Their code is faster than ours.", "There code is faster than ours."),
    ("confusable", "Their code is faster than ours.", "Their code is faster then ours."),
    ("confusable", "The flag does not affect the output.", "The flag does not effect the output."),
])
def test_each_type_makes_its_error(error_type, sentence, expected):
    assert expected in texts(sentence, error_type)


@pytest.mark.parametrize("error_type, sentence, not_expected", [
    # Two adjectives, an adverb, a noun before its predicative adjective: swaps that often stay grammatical.
    ("swapped_words", "It has a big red button.", "It has a red big button."),
    ("swapped_words", "It also uses the cache.", "It uses also the cache."),
    ("swapped_words", "Keep your work private.", "Keep your private work."),
    # A sentence-initial pronoun and auxiliary swap into a question.
    ("swapped_words", "They have written a guide.", "Have they written a guide."),
    ("swapped_words", "They have written a guide.", "They have a written guide."),
    # Doubles that can be grammatical.
    ("doubled_word", "He said that that was fine.", "He said that that that was fine."),
    ("doubled_word", "She had had enough.", "She had had had enough."),
    # "that" before a pronoun is a complementizer, not a determiner.
    ("det_noun", "He said that she left.", "He said those she left."),
    # Where the sentence's choice breaks the spelling rule ("an historic"), the swap might be the fix.
    ("a_an", "It is an historic event.", "It is a historic event."),
    # "the" is not dropped: "to disk", "in practice" are fine without it.
    ("dropped_word", "It writes the file to the disk.", "It writes the file to disk."),
])
def test_filters_leave_likely_acceptable_edits_out(error_type, sentence, not_expected):
    assert not_expected not in texts(sentence, error_type)


def test_dropped_word_span_is_empty_at_the_gap():
    c = next(c for c in candidates("It is a hard problem.", "dropped_word") if "'a'" in c.detail)
    assert c.span[0] == c.span[1] == len("It is")
    assert c.detail == "dropped article 'a'"


def test_doubled_word_span_covers_the_new_word():
    c = next(c for c in candidates("The tests pass.", "doubled_word") if c.text == "The tests tests pass.")
    assert c.text[c.span[0]:c.span[1]] == "tests"


def test_deterministic_given_the_seed_and_independent_per_sentence():
    sentences = ["They have written a guide for new contributors.", "The file is in the folder.", "It is an experiment."]
    a = corrupt_all(sentences, seed=7)
    assert a == corrupt_all(sentences, seed=7)
    assert corrupt_all(sentences[:2], seed=7) == a[:2]
    many = [corrupt("They have written a guide for new contributors.", np.random.Generator(np.random.PCG64(s))) for s in range(40)]
    assert len({c.text for c in many}) > 5 and len({c.error_type for c in many}) > 3


def test_types_can_be_restricted_and_none_when_nothing_applies():
    rng = np.random.Generator(np.random.PCG64(0))
    assert corrupt("The file is in the folder.", rng, types=["a_an"]) is None
    c = corrupt("The file is in the folder.", rng, types=["wrong_preposition"])
    assert c is not None and c.error_type == "wrong_preposition"


def test_weights_tilt_the_type_draw_and_none_keeps_the_uniform_draw():
    sentence = "They have written a guide for new contributors in the folder."
    streams = [np.random.Generator(np.random.PCG64([5, i])) for i in range(300)]
    uniform = [corrupt(sentence, np.random.Generator(np.random.PCG64([5, i]))) for i in range(300)]
    assert [corrupt(sentence, g, weights=None) for g in streams] == uniform
    tilted = corrupt_all([sentence] * 300, seed=5, weights={"a_an": 20.0})
    share = lambda cs: sum(c.error_type == "a_an" for c in cs) / len(cs)  # noqa: E731
    assert share(uniform) < 0.25 and share(tilted) > 0.6
    # A weight for a type that does not apply changes nothing but the draw's stream.
    no_pronoun = "The team has written a guide for new contributors."
    assert not candidates(no_pronoun, "pronoun_case")
    assert all(c.error_type != "pronoun_case" for c in corrupt_all([no_pronoun] * 50, seed=5, weights={"pronoun_case": 50.0}))
