"""Abstention: "no offered tool fits this request".

Two parts. A *probe threshold*, calibrated on the registry itself: cosine levels depend on how a registry's tools are described (short
descriptions score lower everywhere), so a fixed number cannot say "no tool
fits". The router scores built-in off-topic probe requests
(:mod:`agentfn.router._probes`) against its own registry and takes
``abstain_quantile`` of their top abstention scores; the value is cached until
the registry changes. Pure-lexical routers use one absolute threshold (lexical
scores are normalised per query). It decides which steps of a request are
real, and feeds the model below as a margin.

The decision itself is a small logistic model (:func:`p_fits`) over signals
that carry across registries and phrasings rather than raw thresholds: the
best cosine, its margin over the probe threshold, how much of the request's
content (values such as names, numbers and quoted strings left out) the best
tools' vocabulary covers, how much of a tool's name the request mentions, how
much of its required input the request fills, the normalised BM25 score, and
three signals that keep short requests (low cosines everywhere) apart from
requests for something else: the best cosine against the request's cosines
with a background of tools of many domains (:data:`~agentfn.router._probes.BACKGROUND_TOOLS`),
against each top tool's name and first sentence (:func:`head_text`: long
docstrings dilute a tool's vector; embedded when the tool is indexed, see
:mod:`agentfn.router.heads`), and of what the request acts on
(:func:`object_request`), plus signals of one request against one tool that do not depend on how many
tools are offered: the head cosine over the background's best (``hbg``), whether the request asks for
the kind of action the tool's name does and mentions what it acts on, and whether every top tool's action
clashes with the asked one, and whether a question meets a tool that reads (``act``, ``obj``, ``agree``, ``reads``:
:mod:`agentfn.router.fitness`), what it acts on against each tool (``ocov``, ``ovoc``, ``ohead``, ``ohbg``:
:mod:`agentfn.router.objfit`), and whether one tool carries both the asked action and the named object
(``pair``, ``pairvoc``: :mod:`agentfn.router.pairfit`), and the same with finer action senses ("add time" is
not "remove time": ``sense``, ``sagree``, ``spair``: :mod:`agentfn.router.senses`), and whether some offered tool is of no service or the one the request
names (``vendor``: :mod:`agentfn.router.namefit`), and how brief the request is (``brief``: :func:`brevity`; a
request of two or three content words ("convert 5 km") scores low against every tool, the one that serves
it too, so low cosines say less about it than about a sentence). It is the default rule since it beat the threshold
on held-out foreign requests without refusing more short requests
(``benchmarks/fit_abstention.py``, which also scores offers of one to three tools of the request's own
source that do not serve it). ``agentfn train router`` refits the
weights when traces include requests that needed no tool.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from agentfn.router.heads import head_text
from agentfn.router.index import FloatArray
from agentfn.router.mood import without_lead
from agentfn.router.scoring import Scorer
from agentfn.router.text import ToolRecord, lexical_tokens, split_name, tokenize

__all__ = [
    "ABSTAIN_FEATURES",
    "BRIEF_WORDS",
    "DEFAULT_ABSTAIN_WEIGHTS",
    "LEXICAL_THRESHOLD",
    "OBJECT_VECTOR_FEATURES",
    "ProbeCalibrator",
    "bare_request",
    "bare_spans",
    "brevity",
    "coverage",
    "head_text",
    "name_words",
    "object_request",
    "p_fits",
    "request_words",
    "tool_vocabulary",
]

LEXICAL_THRESHOLD = 0.07
"""Cold-start threshold of pure-lexical routers (measured on the dev eval set, seed 1)."""


class ProbeCalibrator:
    """The probe-calibrated threshold of one router, recomputed after registry changes."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self._probe_vecs: FloatArray | None = None
        self._level_vecs: FloatArray | None = None
        self._background_vecs: FloatArray | None = None
        self._key: tuple[int, bool, float, int] | None = None
        self._value = 0.0
        self._tool_stats: dict[tuple[str, float, float], tuple[float, float]] = {}

    def reset(self) -> None:
        """Forget the probe vectors (the encoder changed) and the cached threshold."""
        self._probe_vecs = None
        self._level_vecs = None
        self._background_vecs = None
        self._key = None
        self._tool_stats.clear()

    def probe_vectors(self) -> FloatArray:
        encoder = self.scorer.index.encoder
        assert encoder is not None
        if self._probe_vecs is None:
            from agentfn.router._probes import PROBES

            self._probe_vecs = encoder.encode(PROBES)
        return self._probe_vecs

    def level_vectors(self) -> FloatArray:
        """The off-topic probes and the task probes of other domains, encoded once."""
        encoder = self.scorer.index.encoder
        assert encoder is not None
        if self._level_vecs is None:
            from agentfn.router._probes import TASK_PROBES

            self._level_vecs = np.concatenate([self.probe_vectors(), encoder.encode(TASK_PROBES)])
        return self._level_vecs

    def background(self, vectors: Sequence[FloatArray]) -> FloatArray:
        """A request's cosine with each tool of many domains (each tool's best over ``vectors``).

        The tools are :data:`~agentfn.router._probes.BACKGROUND_TOOLS`, encoded
        once per encoder. A request that some background tool serves far
        better than every offered tool asks for something else; a short
        request's cosines are low everywhere, so it is measured against its
        own level rather than an absolute one.
        """
        encoder = self.scorer.index.encoder
        assert encoder is not None
        if self._background_vecs is None:
            from agentfn.router._probes import BACKGROUND_TOOLS

            self._background_vecs = encoder.encode(BACKGROUND_TOOLS)
        if not vectors:
            return np.zeros(len(self._background_vecs), dtype=np.float32)
        sims = np.max(np.stack([self._background_vecs @ v for v in vectors]), axis=0)
        return sims

    def head_vector(self, name: str) -> FloatArray:
        """The vector of a tool's name and first sentence (:func:`head_text`).

        Long docstrings (paragraphs of syntax and examples) dilute a tool's
        vector, so a short request scores low against it even when the tool
        serves it; the first sentence says what the tool is for. Embedded when
        the tool was indexed (a router saved without head vectors: on first use).
        """
        return self.head_vectors([name])[0]

    def head_vectors(self, names: Sequence[str]) -> list[FloatArray]:
        """:meth:`head_vector` of several tools (see :meth:`~agentfn.router.index.ToolIndex.head_vectors`)."""
        return list(self.scorer.index.head_vectors(names))

    def tool_level(self, name: str) -> tuple[float, float]:
        """Mean and spread of one tool's cosine with requests it does not serve (how high it scores for nothing).

        The requests are the off-topic probes and ordinary tasks of many domains
        (:data:`~agentfn.router._probes.TASK_PROBES`). A tool described in three
        words scores low cosines with every request; measuring a request against
        this tool's own level makes tersely and richly described tools comparable.
        """
        index = self.scorer.index
        vec: FloatArray = index.emb[index.slot_of[name]]
        key = (name, float(vec[0]), float(vec[-1]))
        got = self._tool_stats.get(key)
        if got is None:
            sims = self.level_vectors() @ vec
            got = self._tool_stats[key] = (float(np.mean(sims)), max(float(np.std(sims)), 0.03))
        return got

    def threshold(self, approximate: bool) -> float:
        scorer = self.scorer
        index = scorer.index
        if index.encoder is None:
            return LEXICAL_THRESHOLD
        key = (index.version, approximate, scorer.config.abstain_quantile, id(index.encoder))
        if self._key != key:
            from agentfn.router._probes import PROBES

            # The same (candidate) scoring as route(): no pass over every tool per probe.
            tops = [
                float(np.max(scorer.score_all(p, vector=v, approximate=approximate)["abstain"], initial=0.0))
                for p, v in zip(PROBES, self.probe_vectors(), strict=True)
            ]
            self._value = float(np.quantile(np.asarray(tops), scorer.config.abstain_quantile))
            self._key = key
        return self._value


# ------------------------------------------------------------------ abstention model

ABSTAIN_FEATURES = ("dense", "margin", "zdense", "gap", "qcov", "ncov", "fill", "lexical", "bgmargin", "zreq", "bgrank", "odense", "hdense", "hbg", "act", "obj", "agree", "reads", "ocov", "ovoc", "ohead", "ohbg", "pair", "pairvoc", "sense", "sagree", "spair", "vendor", "brief")
"""Signals the abstention model weighs (each in about [0, 1]; see :func:`abstain_features`)."""

OBJECT_VECTOR_FEATURES = ("odense", "ohead", "ohbg")
"""Features read from the vector of what the request acts on: the router encodes that text only when the
abstention weights give one of them a weight."""

DEFAULT_ABSTAIN_WEIGHTS: dict[str, float] = {
    "bias": -5.42, "dense": 2.05, "margin": 0.0, "zdense": 1.97, "gap": 2.41, "qcov": 1.27, "ncov": 0.0,
    "fill": 0.43, "lexical": 1.12, "bgmargin": 3.24, "zreq": 0.0, "bgrank": 0.16, "odense": 0.0, "hdense": 1.56,
    "hbg": 0.15, "act": 0.0, "obj": 0.0, "agree": 2.21, "reads": 0.0, "ocov": 0.0, "ovoc": 0.1, "ohead": 0.0,
    "ohbg": 0.0, "pair": 0.0, "pairvoc": 0.87, "sense": 0.0, "sagree": 0.06, "spair": 0.0, "vendor": 0.17,
    "brief": 0.49,
}
"""Cold-start weights of the logistic abstention model (see :func:`p_fits`): the rule ``benchmarks/fit_abstention.py``
chooses (``chosen_weights`` in results/fit_abstention.json; a refit ships only when it beats these)."""

_VALUE = re.compile(r"\"[^\"]*\"|(?<!\w)'[^'\n]*'(?!\w)|`[^`]*`|\S*\d\S*|\S+@\S+|https?://\S+|www\.\S+")
_CAPITAL = re.compile(r"(?<=[a-z,;:]\s)[A-Z][\w-]*")
_VERBS = frozenset(
    ["get", "fetch", "retrieve", "search", "find", "lookup", "look", "list", "query", "show", "read", "create", "make", "update", "delete", "remove", "set", "add", "check", "calculate", "compute", "convert", "send", "post", "put", "patch", "api", "v1", "v2", "v3", "by", "info", "data", "details"]
)


_PAYLOAD = re.compile(r"^\s*([^:\n]{2,60}?):\s+(\S.*)$", re.S)
_PLACE = frozenset(["in", "on", "at", "using", "via", "with", "from", "for", "to", "by", "re", "subject", "note"])


def bare_request(text: str) -> str:
    """The request without the values it carries (quoted strings, numbers, ids, names mid-sentence), and
    without a text it hands over after a colon ("tl;dr of this article: the council voted ..." -> "tl;dr of
    this article"; not "In Vault: who signed in", where the part before the colon only names a place, nor
    "quick one: how far is ...", where it is only an opening filler)."""
    return re.sub(r"\s+", " ", " ".join(text[a:b] for a, b in bare_spans(text))).strip()


def bare_spans(text: str) -> list[tuple[int, int]]:
    """The character spans of ``text`` that :func:`bare_request` keeps, in order (the words between its values).

    What lets the router pool the bare request's vector from the request's own forward pass
    (:mod:`agentfn.router.request_pass`) instead of encoding the bare text again.
    """
    start, end = 0, len(text)
    m = _PAYLOAD.match(text)
    if m:
        head = m.group(1).split()
        if (head and len(head) <= 8 and head[0].lower() not in _PLACE and len(m.group(2).split()) >= 4
                and without_lead(m.group(0)[: m.end(1) + 1])):  # "quick one: <request>" opens, it hands nothing over
            start, end = m.span(1)
    part = text[start:end]
    # Values become one space each, as in a substitution; names are looked for in that text
    # (``shifted``), and each kept piece remembers where it lies in ``text``.
    pieces: list[tuple[int, int, int]] = []  # (start in shifted, start in text, end in text)
    shifted: list[str] = []
    shift = last = 0
    for v in _VALUE.finditer(part):
        shifted += [part[last : v.start()], " "]
        if v.start() > last:
            pieces.append((last - shift, start + last, start + v.start()))
        shift += v.end() - v.start() - 1
        last = v.end()
    if last < len(part):
        pieces.append((last - shift, start + last, end))
    shifted.append(part[last:])
    names = [(c.start(), c.end()) for c in _CAPITAL.finditer("".join(shifted))]
    spans: list[tuple[int, int]] = []
    for at, first, b in pieces:
        a = first
        for ns, ne in names:  # a name lies inside one piece (it holds no space)
            na, nb = ns - at + first, ne - at + first
            if a <= na < b:
                if na > a:
                    spans.append((a, na))
                a = nb
        if b > a:
            spans.append((a, b))
    return spans


_ACTIONS = _VERBS | frozenset(
    ["cancel", "stop", "start", "resume", "pause", "continue", "turn", "switch", "open", "close", "book", "reserve",
     "play", "tell", "give", "say", "write", "change", "modify", "edit", "move", "schedule", "pay", "buy", "order",
     "return", "exchange", "want", "need", "please", "can", "could", "would", "you", "me", "my", "i", "help", "let",
     "know", "what", "what's", "whats", "how", "which", "who", "when", "where", "is", "are", "the", "a", "an", "to",
     "of", "for", "in", "on", "and", "it", "this", "that", "do", "does", "all", "some", "new", "next", "current"]
)


def object_request(text: str) -> str:
    """The request without its values and its action and function words: what it acts on.

    "cancel the 1 hour timer" -> "hour timer"; a tool that only shares the
    action ("cancel calendar event") scores low against it.
    """
    words = [w for w in re.findall(r"[\w'-]+", bare_request(text)) if w.lower() not in _ACTIONS]
    return " ".join(words)


def request_words(text: str) -> frozenset[str]:
    """Content words of a request, without the values it carries."""
    return frozenset(tokenize(bare_request(text)))


def tool_vocabulary(rec: ToolRecord) -> frozenset[str]:
    """Every word a request for this tool could use: name, description, parameters, enums, result fields."""
    words = set(lexical_tokens(rec))
    for _, schema in rec.param_items():
        enum = schema.get("enum")
        if isinstance(enum, list):
            words.update(tokenize(" ".join(str(v) for v in enum)))  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return frozenset(words)


def name_words(rec: ToolRecord) -> frozenset[str]:
    """The tool name's distinctive words (``calculate_triangle_area`` -> triangle, area)."""
    words = frozenset(tokenize(" ".join(split_name(rec.name))))
    return (words - _VERBS) or words


BRIEF_WORDS = 8
"""A request of this many content words or more is not brief at all (:func:`brevity` 0)."""


def brevity(text: str, words: frozenset[str] | None = None) -> float:
    """How brief a request is: 1.0 with no content word (values left out), falling by ``1 / BRIEF_WORDS`` a word
    to 0.0 at :data:`BRIEF_WORDS` words. Its weight (0 or above) lowers the evidence the abstention model asks of
    a brief request, whose cosines are low against every tool. ``words``: its :func:`request_words`, when the
    caller has them already."""
    return max(0.0, 1.0 - len(request_words(text) if words is None else words) / BRIEF_WORDS)


def coverage(request: frozenset[str], vocab: frozenset[str]) -> float:
    return len(request & vocab) / len(request) if request else 0.0


def p_fits(features: dict[str, float], weights: dict[str, float]) -> float:
    """P(some offered tool fits the request): a logistic model over :data:`ABSTAIN_FEATURES`."""
    z = weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * features.get(k, 0.0) for k in ABSTAIN_FEATURES)
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
