"""Given values among near-duplicates: a tool that would compute what the request already states.

Near-duplicate tools often compute each other's inputs: ``remaining_amount(initial, half_life, elapsed)``
and ``half_life_from_decay(initial, remaining, elapsed)``, ``ph_from_concentration(h_concentration)`` and
``hydrogen_ion_concentration(ph)``. Their words are the same, so retrieval scores them as near-ties; what
tells them apart is which quantity the request *gives a value for*. "its half-life is 5 years", "a
solution of pH 4.5": a word written right before a number (one glue word apart: "is", "of", "=") labels
that number (:func:`value_labels`), and a labelled quantity is an input, not the answer.

:func:`given_outputs` counts, per competitor, one misfit for a tool whose name's object (its name words
that are not verbs: :attr:`agentfn.router.dataflow.ToolIO.object_words`) holds a labelled quantity that is
none of its inputs, when another competitor takes that quantity as a required input. A tool that changes
state (``set_temperature``: "set the temperature to 21") names its input in its name, and never pays.
The near-duplicate head (:mod:`agentfn.router.neardup`) charges it as it charges its other misfits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from agentfn.router.dataflow import ToolIO, name_words
from agentfn.router.mood import changes_state

__all__ = ["given_outputs", "value_labels"]

_TOKEN = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?%?|[A-Za-z][A-Za-z+'-]*|=")
_GLUE = frozenset({"of", "is", "was", "=", "equals", "at", "to", "be", "as", "are", "were"})


def value_labels(text: str) -> list[frozenset[str]]:
    """The words (as :func:`~agentfn.router.dataflow.name_words`) of each label written right before a number."""
    tokens = [m.group() for m in _TOKEN.finditer(text)]
    out: list[frozenset[str]] = []
    for i, tok in enumerate(tokens):
        if not tok[-1].isdigit() and not tok.endswith("%"):
            continue
        j = i - 1
        if j >= 0 and tokens[j].lower() in _GLUE:
            j -= 1
        if j < 0 or not tokens[j][0].isalpha():
            continue
        words = frozenset(name_words(tokens[j].lower()))  # "pH" is one word, not camel case
        if words and words not in out:
            out.append(words)
    return out


def given_outputs(names: Sequence[str], text: str, io_of: Callable[[str], ToolIO]) -> list[int]:
    """One misfit per competitor that would compute a quantity ``text`` gives a value for (see the module
    docstring), when another competitor takes that quantity as a required input."""
    out = [0] * len(names)
    labels = value_labels(text)
    if not labels or len(names) < 2:
        return out
    ios = [io_of(n) for n in names]
    for label in labels:
        takes = [any(label <= s.words for s in io.inputs if s.required) for io in ios]
        if not any(takes):
            continue
        for i, (name, io) in enumerate(zip(names, ios, strict=True)):
            if label <= io.object_words and not label & io.input_words and not changes_state(name):
                out[i] += 1
    return out
