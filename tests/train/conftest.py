"""Fixtures for trainer tests: a tiny random chat model built on the spot, the shipped encoder, and
the opaque-tool registry whose traces (scripted agents, a real store) the router trainers learn from."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentfn.backends.tiny import build_tiny_chat_model
from agentfn.evals.evalset import EvalQuery
from agentfn.traces import TraceStore
from agentfn.train.synthetic import record_scripted_runs

# Training rows hold tool responses and role names, so the tokenizer learns those too.
TRAIN_CORPUS = [
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}\n</tool_call>',
    "<tool_response>\n{\"temp\": 21}\n</tool_response> The weather in Paris is sunny. You are a helpful assistant.",
    "# Tools\nYou may call one or more functions to assist with the user query. <tools></tools> system user assistant",
    "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ {}[]:,\"'\\/_-+.!?()<>=|",
]

# Tools with in-house names and terse descriptions: what users ask for is not written in them,
# so only traces can teach the router which request goes where.
OPAQUE = {
    "zorp_fetch": ("Fetch a zorp record by key.", [
        "how many loyalty points does {p} have", "check {p}'s rewards balance", "what is the points total for {p}",
        "look up the bonus points {p} earned", "show me {p}'s loyalty account", "how close is {p} to a free coffee"]),
    "kelvo_push": ("Push a kelvo job to the queue.", [
        "reprint the shipping labels for {p}", "print {p}'s packing slip again", "send {p}'s label to the printer",
        "I need a fresh copy of {p}'s parcel sticker", "redo the postage label for {p}", "print the return label for {p}"]),
    "quib_sync": ("Synchronise quib state.", [
        "refresh the stock counts for {p}'s store", "update inventory numbers at {p}'s shop",
        "recount what {p}'s warehouse holds", "make {p}'s shelf quantities current",
        "reconcile {p}'s stock levels", "get {p}'s inventory up to date"]),
}
DISTRACTORS = [
    ("send_email", "Send an email to a recipient."), ("get_weather", "Current weather for a city."),
    ("convert_currency", "Convert an amount between currencies."), ("create_event", "Create a calendar event."),
    ("search_web", "Search the web."), ("translate_text", "Translate text into another language."),
]
NEAR_DUPLICATES = [("zorp_delete", "Delete a zorp record by key."), ("kelvo_status", "Status of a kelvo job.")]
"""Tools worded like the opaque ones but for something else: the hard negatives."""
PEOPLE = ["Ann", "Bob", "Priya", "Marco", "Chen", "Sofia", "Diego", "Yuki"]
NO_TOOL = ["tell me a joke", "what is the meaning of life", "write a haiku about autumn", "hi, how are you today",
           "who won the 1998 world cup", "recommend a good novel"]


def spec(name: str, description: str, param: str = "query") -> dict[str, object]:
    """An OpenAI-style tool spec with one required string parameter."""
    return {"type": "function", "function": {
        "name": name, "description": description,
        "parameters": {"type": "object", "properties": {param: {"type": "string", "description": param}},
                       "required": [param]}}}


def tool_specs(near_duplicates: bool = False) -> list[dict[str, object]]:
    """The opaque tools and the distractors (and the near-duplicates) as specs."""
    extra = NEAR_DUPLICATES if near_duplicates else []
    return [spec(n, d) for n, (d, _) in OPAQUE.items()] + [spec(n, d) for n, d in [*DISTRACTORS, *extra]]


def queries(template_slice: slice, people: list[str]) -> list[EvalQuery]:
    """Requests for the opaque tools: the phrasings in ``template_slice``, once per person."""
    out: list[EvalQuery] = []
    for name, (_, templates) in OPAQUE.items():
        for t in templates[template_slice]:
            for p in people:
                out.append(EvalQuery(id=f"{name}{len(out)}", text=t.format(p=p), gold=[name], kind="single", template=t))
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    pytest.importorskip("peft")
    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-qwen2"), corpus=TRAIN_CORPUS, vocab_size=500)


@pytest.fixture(scope="session")
def encoder() -> object:
    """The shipped MiniLM encoder (offline), once per session."""
    from agentfn.router.encoder import load_encoder

    return load_encoder()


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real SQLite store filled by real agents whose scripted model calls the gold tools:
    3 tools x 4 phrasings x 4 people = 48 runs with tools, and 6 runs that needed none."""
    db = tmp_path_factory.mktemp("traces") / "traces.db"
    store = TraceStore.open(db)
    train_q = queries(slice(0, 4), PEOPLE[:4])
    none_q = [EvalQuery(id=f"n{i}", text=t, gold=[], kind="none", template=t) for i, t in enumerate(NO_TOOL)]
    assert record_scripted_runs(store, train_q + none_q, tool_specs(), wrong_first=0.2, seed=0) == 54
    store.close()
    return db


def opaque_specs(*extra: tuple[str, str]) -> list[dict[str, object]]:
    """The opaque tools, distractors and near-duplicates (and ``extra`` (name, description) rows) as plain specs."""
    rows = [(n, d) for n, (d, _) in OPAQUE.items()] + DISTRACTORS + NEAR_DUPLICATES + list(extra)
    return [{"name": n, "description": d, "parameters": {"type": "object", "properties": {"key": {"type": "string"}}}}
            for n, d in rows]


def opaque_pairs(templates: slice, people: list[str]) -> list[tuple[str, list[str]]]:
    """(request, [tool]) pairs for the opaque tools: the phrasings in ``templates``, once per person."""
    return [(t.format(p=p), [name]) for name, (_, ts) in OPAQUE.items() for t in ts[templates] for p in people]
