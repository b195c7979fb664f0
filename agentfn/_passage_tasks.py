"""What a request asks about a passage it holds: a question on its content, a choice among listed labels,
or an instruction verb ("condense this paragraph: ...").

Everyday requests often carry a passage, quoted ("'The museum is open 10am to 6pm...' How much is
entry?") or after the instruction ("Please condense this paragraph: Heavy rain is expected on
Friday..."). The passage's own dates, times and numbers then look like arguments of date, unit or
counting tools, and a router ranks those first. The request's *instruction* says what to do with
the passage; these functions read it, pure functions of the text:

* :func:`split_passage`: ``(instruction, passage)``: the longest quoted span is the passage and the
  rest the instruction; unquoted, the text after the first ``": "``, the statements before a closing
  wh-question ("The gym opens at 6 on weekdays. When does it open on Sunday?"), or the text after a short first
  sentence ending in ``?``/``.`` (at most :data:`INSTRUCTION_WORDS` words) is the passage.
* :func:`holds_passage`: the passage has at least :data:`PASSAGE_WORDS` words.
* :func:`content_question`: the instruction asks a wh-question ("where was it signed", "tell me how
  long the course lasts") that is not about the passage's form (words, characters, lines...), its
  sentiment or language, nor a choice among listed labels.
* :func:`leading_verb`: the instruction's first word that asks for something (greetings and
  "can you", "please" skipped).
"""

from __future__ import annotations

import re

from agentfn._values import listed_options, quoted_spans

__all__ = ["INSTRUCTION_WORDS", "PASSAGE_WORDS", "PASTE_CHARS", "content_question", "holds_passage", "leading_verb", "split_passage",
           "stated_passage"]

PASSAGE_WORDS = 6
"""A passage has at least this many words."""
INSTRUCTION_WORDS = 12
"""An unquoted instruction sentence before a passage has at most this many words."""
PASTE_CHARS = 200
"""A passage at least this long is pasted text: copied into a call, never written by the model
(``agentfn.backends._pasted``), and left out when the request is routed (``agentfn._request_cues``)."""

_WH = re.compile(r"\b(?:who|whom|whose|when|where|which|why|what|what's|whats|how)\b", re.I)
_ABOUT_FORM = re.compile(
    r"\b(?:words?|characters|letters|sentences|lines|paragraphs|syllables|vowels|sentiment|tone|mood|"
    r"feels?|feeling|language|summary|summari[sz]e|gist|translat\w*|mean(?:s|ing)?\s+in)\b", re.I)
_LAST_QUESTION = re.compile(
    r"^([^?]*[^\W\d_][.!])\s+((?:who|whom|whose|when|where|which|why|what|what's|whats|at\s+what|on\s+which)\b[^.?!]*\?)\s*$",
    re.I)
"""Statements, then one wh-question about them ("The pool opens at 7 on weekdays. When does it open on Sunday?");
not "how many/much", which asks for arithmetic on the numbers stated."""
_FRAME = frozenset(
    "who whom whose when where which why what what's whats at on in of to for from by with is are was were be been "  # noqa: SIM905
    "do does did it its they them their there he she his her i me my we us our you your the a an that this time day".split())


def _stem(word: str) -> str:
    return re.sub(r"(?:ies|es|s|ing|ed)$", "", word.lower()) if len(word) > 4 else word.lower()


def _looks_up(question: str, statements: str) -> bool:
    """Whether ``question`` looks something up in ``statements``: they have :data:`PASSAGE_WORDS` words or more and
    every word the question adds to its frame is one of theirs ("When does it *open* on *Saturday*?" after "opens
    ... on Saturdays"); a new word ("when does it *end*", "what time is that in *Chicago*") asks for something
    computed from them, which other tools do."""
    own = {_stem(w) for w in re.findall(r"[A-Za-z']+", statements)}
    asked = [w for w in re.findall(r"[A-Za-z']+", question) if w.lower() not in _FRAME]
    return len(statements.split()) >= PASSAGE_WORDS and bool(asked) and all(_stem(w) in own for w in asked)
_SKIP = frozenset(
    "hi hey hello ok okay so please pls kindly can could would will you u me i for just quickly now then "  # noqa: SIM905
    "and this that the a an".split())


def split_passage(text: str) -> tuple[str, str]:
    """``(instruction, passage)`` of a request (see the module docstring); the passage may be empty."""
    whole = text.strip()
    quotes = [q for q in quoted_spans(whole) if q.strip()]
    if quotes:
        passage = max(quotes, key=lambda q: len(q.split()))
        return whole.replace(passage, " ", 1), passage
    first = whole.splitlines()[0] if whole else ""  # unquoted, the passage is on the first line (not a table)
    head, colon, rest = first.partition(": ")
    if colon and len(head.split()) <= INSTRUCTION_WORDS:
        return head, rest
    if stated := stated_passage(first):  # statements first, the question about them last
        return first[len(stated):].strip(), stated
    sentence = re.match(r"(.+?[?.!])\s+(\S.*)", first)
    if sentence and len(sentence.group(1).split()) <= INSTRUCTION_WORDS:
        return sentence.group(1), sentence.group(2)
    return first, ""


def stated_passage(text: str) -> str:
    """The statements before a closing wh-question that looks them up ("The pool opens at 7 on weekdays. When does it
    open on Sunday?" -> "The pool opens at 7 on weekdays."); empty when the request is not so shaped."""
    last = _LAST_QUESTION.match(text.strip())
    return last.group(1) if last is not None and _looks_up(last.group(2), last.group(1)) else ""


def holds_passage(text: str) -> bool:
    """Whether the request carries a passage of at least :data:`PASSAGE_WORDS` words."""
    return len(split_passage(text)[1].split()) >= PASSAGE_WORDS


def content_question(text: str) -> bool:
    """Whether the request asks a question about its passage's content (see the module docstring)."""
    instruction, passage = split_passage(text)
    if len(passage.split()) < PASSAGE_WORDS or listed_options(text):
        return False
    return _WH.search(instruction) is not None and _ABOUT_FORM.search(instruction) is None


def leading_verb(text: str) -> str | None:
    """The first word of the instruction that asks for something, lower case ("Can you summarize..." -> summarize)."""
    instruction = split_passage(text)[0]
    for word in re.findall(r"[A-Za-z][A-Za-z'-]*", instruction):
        if word.lower() not in _SKIP:
            return word.lower()
    return None
