"""The router's records: :class:`RoutePlan` (one decision) and :class:`RouterConfig` (every knob).

Both are plain pydantic models; ``RouterConfig`` is saved in ``router.json`` so a
trainer can fit and swap its values.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agentfn.router.encoder import DEFAULT_ENCODER

__all__ = ["RoutePlan", "RouterConfig"]


class RoutePlan(BaseModel):
    """What the router decided for one request."""

    model_config = ConfigDict(extra="forbid")

    ranked: list[tuple[str, float]] = Field(default_factory=list[tuple[str, float]])
    """Tool names and scores, best first, at most ``k``."""
    selected: list[str] = Field(default_factory=list[str])
    """The predicted combination, in the order the tools should run."""
    abstain: bool = False
    """True when no tool fits the request."""
    confidence: float = 0.0
    """What ``abstain`` was decided on: P(some tool fits) from the abstention
    model, or (``RouterConfig.abstain_mode="threshold"``) the top abstention
    score ``dense + abstain_w_lexical * lexical``."""


class RouterConfig(BaseModel):
    """Every tunable of a router; saved in ``router.json``."""

    model_config = ConfigDict(extra="forbid")

    encoder: str | None = DEFAULT_ENCODER
    """Encoder spec for :func:`load_encoder`; None = pure-lexical mode (no model). ``"minilm-static"``:
    a static token table; ``"minilm-l3"`` (``-l1`` .. ``-l5``, ``-from48``: only requests of 48+ tokens):
    requests through MiniLM's first layers and a fitted map, tools full MiniLM (cheaper, less accurate:
    benchmarks/results/router_encoders_shallow.md)."""
    encoder_backend: Literal["auto", "onnx", "numpy", "sentence-transformers"] = "auto"
    request_tokens: int | None = Field(default=None, ge=2)
    """Request-side texts (a request, its steps, its context) are cut to their first this many
    tokens before encoding; tool texts are embedded whole. None: the encoder's own limit.
    Applied when the router is built or its encoder set (:class:`~agentfn.router.encoder.TruncatedRequests`)."""
    query_int8: bool = False
    """Request-side texts go through an int8 copy of the (onnxruntime) encoder, built from the same
    weights (:func:`~agentfn.router.onnx_encoder.quantized`); tool texts stay float32. Less encoder CPU
    on CPUs with VNNI int8 dot products (``hybrid_int8`` in benchmarks/results/router_latency.md), a
    little quality (benchmarks/results/router_int8.md). Applied like :attr:`request_tokens`, to a local
    BERT encoder on onnxruntime; other encoders are used as they are."""
    fusion: Literal["weighted", "rrf"] = "weighted"
    w_dense: float = 1.0
    head_blend: float = 0.5
    """The ranking's dense score is the cosine with ``tool vector + head_blend * head vector``
    (the head: name and first sentence, :mod:`agentfn.router.heads`), normalised; 0: the tool vector
    alone. Chosen on the tune splits of the foreign benchmark (0.5 over 0 and 1)."""
    blend_candidates: int = Field(default=512, ge=0)
    """Routing blends the head into each request's (and step's) best this many tools by an estimate
    that needs no head product (:mod:`agentfn.router.blend`), not into every tool; the others rank
    below them. At least :attr:`candidates` (the ranking's spread and pools read that deep);
    0: blend into every tool."""
    w_lexical: float = 1.0
    abstain_w_lexical: float = 0.35
    """Lexical weight inside the abstention score (``dense + this * lexical``);
    it separates "no tool fits" best at a lower value than ranking wants."""
    rrf_k: float = 60.0
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    context_weight: float = 0.35
    """Weight of earlier user turns relative to the latest one."""
    abstain_mode: Literal["model", "threshold"] = "model"
    """``model``: abstain when the logistic model's P(some tool fits) is below
    ``abstain_cut`` (:mod:`agentfn.router.calibration`); ``threshold``: when the
    top abstention score is below :attr:`Router.threshold` (the older rule)."""
    abstain_weights: dict[str, float] | None = None
    """Weights of the abstention model; None = the cold-start defaults."""
    abstain_cut: float = 0.46
    """P(some tool fits) below which the router abstains (model mode; chosen on the
    foreign benchmark's dev split by ``benchmarks/fit_abstention.py``)."""
    abstain_threshold: float | None = None
    """Threshold mode: None = calibrated on the registry itself (see
    :attr:`Router.probe_threshold`); a number (e.g. fitted from traces) is used as is."""
    abstain_quantile: float = 0.8
    """Cold-start threshold = this quantile of the top scores that built-in
    off-topic probe requests get against the registry (0.8 measured best on the
    dev eval set)."""
    segment_boost: float = 1.0
    """How far a step's ranking is lifted towards the whole request's top score
    (1.0: each real step's best tool ties with the overall best), so every
    step's tools reach the top of ``ranked``."""
    mood_weight: float = 0.3
    """A single-step question ("what is the temperature...") lowers tools that change state by this
    share of the ranking's spread (:mod:`agentfn.router.mood`); 0 turns it off."""
    server_boost: float = 0.2
    """How much a tool is lifted when other tools of its server (``server__tool``) rank
    among the top ``server_depth`` (:mod:`agentfn.router.servers`; 0: off). A mild lift:
    larger values start to reorder single-step requests of the generated set."""
    server_depth: int = 10
    """Top candidates whose servers count as support for :attr:`server_boost`."""
    server_agreement: float = 0.6
    """Long requests (:attr:`agreement_min_words`): each tool of a server that the whole request's ranking
    and its steps' rankings agree on (two of them or more rank its tools among their top 5) is lifted by
    this share of the ranking's spread per extra agreeing vote (:func:`~agentfn.router.multiquery.server_votes`;
    0: off). Lifts the lookups a persona-style request implies (``get_order_details`` beside the
    ``exchange_delivered_order_items`` it asks for) above other servers' near-duplicates."""
    agreement_min_words: int = 30
    """Requests with at least this many words get :attr:`server_agreement`; shorter ones (which usually
    name each tool, and may mix servers) are ranked without it."""
    segment_context: float = 0.0
    """Weight of the whole request's vector mixed into each step's vector
    (carries e.g. a provider named in another step)."""
    step_vectors: Literal["separate", "spans", "auto"] = "auto"
    """How each step of a multi-step request is embedded: ``"separate"`` encodes
    every step's text on its own (one more forward pass per step); ``"spans"``
    pools the step's tokens from the whole request's single pass (late chunking,
    :meth:`~agentfn.router._bert.LocalBertEncoder.encode_spans`); ``"auto"``:
    spans for requests of more than :attr:`span_min_words` words, else separate."""
    span_min_words: int = 30
    """``step_vectors="auto"``: requests longer than this use span vectors."""
    step_parse: Literal["connectives", "actions"] = "actions"
    """How a request is split into steps (:func:`~agentfn.router.combine.segment`): ``"connectives"``
    on sentences and connective words only; ``"actions"`` also counts the actions asked for: only
    asking sentences (not a persona or context) are steps, and nested operations and written-out
    expressions give one step each (:mod:`agentfn.router.steps`)."""
    segment_margin: float = 0.05
    """A step's own top tool joins ``selected`` if its step score is within this
    of the abstention threshold or above."""
    co_usage_min: float = 0.5
    """P(B | A) from traces above which B joins A in ``selected``."""
    flow_pull: bool = True
    """Pull the producer of a chosen tool's open required input into ``selected``
    (see :mod:`agentfn.router.dataflow`)."""
    flow_min: float = 0.5
    """Least data-flow score (output -> input match, 0..1) for a producer to be pulled in."""
    flow_depth: int = 3
    """How many producer levels a chain may grow behind a chosen tool."""
    flow_candidates: int = 30
    """Top candidates of the request a producer is looked for among."""
    flow_consumer_rank: int = 3
    step_runners: int = 3
    """Next-best tools kept per step: one whose open inputs the other steps' tools all feed may replace
    a step's top whose open input none feeds (:func:`~agentfn.router.selection.select`; 0: off)."""
    step_runner_margin: float = 0.1
    """Most a runner's step score (``weighted``) may trail the step's top to replace it."""
    inspect_depth: int = 10
    """A lookup among the top this many that shows what a selected tool changes, by the same id
    (``get_order(order_id)`` for ``cancel_order(order_id)``), joins the top 5 where room is left
    (:func:`~agentfn.router.flowlinks.inspectors`; not ``selected``; 0: off)."""
    """A tool ranked this high that consumes a chosen tool's output joins when the
    request mentions something only it covers (0: never)."""
    head_margin: float = 0.03
    """One-step requests: candidates within this of the best score are near-duplicates whose order
    is decided by how well the request fits them (:mod:`agentfn.router.neardup`; 0: off)."""
    head_depth: int = 5
    """At most this many top candidates compete for the head."""
    head_fill: float = 0.1
    """Weight of the share of a competitor's required inputs the request fills."""
    head_name: float = 0.03
    """Weight of the share of a competitor's distinctive name words the request uses."""
    head_words: float = 0.2
    """Weight of the share of the request's content words in a competitor's vocabulary."""
    rerank_weights: dict[str, float] | None = None
    """Weights of the re-ranker fitted from traces (:mod:`agentfn.router.rerank`); None = off."""
    rerank_depth: int = 30
    """How many top candidates the re-ranker re-scores."""
    candidates: int = 64
    """Per-query candidate pool before the final sort."""
    index: Literal["exact", "usearch", "auto"] = "exact"
    """Dense search: ``exact`` (numpy over every tool), ``usearch`` (HNSW
    candidates, needs ``agentfn[ann]``), or ``auto`` (usearch once the registry
    holds ``ann_min_tools`` live tools). Ignored in pure-lexical mode."""
    ann_min_tools: int = 100_000
    """Registry size at which ``index="auto"`` switches to usearch."""
    ann_candidates: int = 1000
    """Tools taken from the ANN (dense) ranking, at least ``k``, per request and per step.
    Defaults here and below: on the benchmark's 1M-tool registry (hundreds of
    near-duplicates per tool) they keep ~93% of the exact top-10 at ~1/6 of the
    exact latency; smaller settings are faster and lose more (benchmarks/router_bench.py)."""
    ann_lexical_candidates: int = 2000
    """Tools taken from the BM25 ranking per request and per step. Scoring a
    candidate exactly costs one dot product, so this pool is wide: it keeps
    lexically equal near-duplicates (one tool from many providers) together
    for the exact dense score to order."""
    ann_connectivity: int = 32
    """HNSW edges per node ("M" in the paper); fixed when the index is built."""
    ann_expansion_add: int = 128
    """HNSW search breadth while inserting ("efConstruction")."""
    ann_expansion_search: int = 2048
    """HNSW search breadth for queries ("ef"); usearch widens it to the candidate
    count. The expansions can change any time; a changed connectivity or dtype
    rebuilds the index on next use."""
    ann_dtype: Literal["f32", "f16", "i8"] = "f16"
    """Storage of the index's own vector copy; candidates are re-scored from the
    exact float32 vectors, so this trades memory for candidate recall only."""
    ann_threads: int = Field(default=0, ge=0)
    """Threads that insert tools into the HNSW graph (0: all cores). Several threads build faster but insert
    in a varying order, so two builds of one registry can rank a few near-duplicates differently; 1 builds
    the same graph every time."""
    strip_quoted: bool = True
    """Score a request (and each step) without the values it quotes ("email the text 'Hey, how is it
    going?'", "the 'Networking event'"): quoted words are arguments, not a description of the tool
    (:func:`~agentfn.router.text.without_quoted`); the request is cut into steps from that text too.
    Measured in benchmarks/results/router.md (foreign part)."""
    bare_vector: Literal["pooled", "encoded"] = "pooled"
    """How the request without its values (abstention's bare text) gets its vector: ``"pooled"`` from
    the tokens between the values in the request's own forward pass (each word encoded once,
    :mod:`agentfn.router.request_pass`); ``"encoded"``: as a text of its own in the same packed pass
    (the router before: about twice the encoder's work per request)."""
    query_int8_min_tokens: int = Field(default=0, ge=0)
    """With :attr:`query_int8`, only requests of at least this many tokens go through the int8 copy
    (the long requests, whose float32 pass sets the p95 latency); shorter ones stay float32. 0: every request."""
