"""Prompt-backed functions: text in, typed results out, implemented by a model.

Each is an :func:`agentfn.llm_function.llm_function` with a template in
``prompts/functions/``. Call them directly (``await translate("你好", target="en",
model=m)``) or offer them to an agent, which lends them its model.

``translate``, ``sentiment``, ``summarize``, ``classify`` and ``extract`` also have deterministic
rules (:mod:`agentfn.library._language_rules`: a phrasebook, a polarity lexicon, an extractive
summary, the nearest label by sentence embedding, typed values found by the field's name) used instead of the model when the model is one whose own prose is not shown
(``answer_mode="grounded"``, the embedded 135M default): it would invent an answer; the
rules answer or say that they cannot (:class:`NotSupportedOffline`). ``generate`` asks such a model
for plain text in reply to the user's whole request (:class:`agentfn.library._prose.ProseFunction`); ``generate_code`` asks
such a model for one plain code block of bounded length instead of code escaped in JSON
(:class:`CodeFunction`).
"""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

from pydantic import BaseModel, Field, create_model

from agentfn import ToolRetry
from agentfn.backends.base import Model, ModelRequest
from agentfn.context import RunContext
from agentfn.library._code_languages import named_language
from agentfn.library._language_rules import (
    NotSupportedOffline,
    extract_fields,
    extractive_summary,
    language_code,
    lexicon_sentiment,
    nearest_label,
    phrasebook_translate,
    requested_fields,
    writes_prose,
)
from agentfn.library._passage import (
    extractive_answer,
    passage_of,
    passages,
    question_of,
    question_parts,
    quoted_spans,
)
from agentfn.library._prose import prose_function, whole_request
from agentfn.llm_function import LLMFunction, default_options
from agentfn.messages import UserMessage

__all__ = [
    "Citation",
    "CitedAnswer",
    "Classification",
    "Code",
    "CodeFunction",
    "NotSupportedOffline",
    "RulesFirstFunction",
    "Sentiment",
    "Summary",
    "answer",
    "classify",
    "code_from_reply",
    "extract",
    "generate",
    "generate_code",
    "sentiment",
    "summarize",
    "translate",
]


class RulesFirstFunction(LLMFunction[Any, Any]):
    """An LLM function with deterministic rules for models whose own prose is not shown.

    ``rules(arguments)`` gives the result (or raises :class:`NotSupportedOffline`) when the
    resolved model has ``answer_mode="grounded"``; any other model runs the prompt as usual.
    """

    def __init__(self, original: Callable[..., Any], rules: Callable[[dict[str, Any]], Any], *, with_request: bool = False,
                 **options: Any) -> None:
        super().__init__(original, **default_options(**options))
        self.rules = rules
        self.with_request = with_request

    async def run(
        self,
        arguments: Mapping[str, Any],
        *,
        model: Model | str | None = None,
        ctx: RunContext[Any] | None = None,
        model_settings: Mapping[str, Any] | None = None,
    ) -> Any:
        backend = self.resolve_model(model, ctx)
        if not writes_prose(backend):
            if self.with_request:  # rules that read what the user asked for ("the due date and amount")
                return self.rules({**arguments, "request": _request_of(ctx)})
            return self.rules(dict(arguments))
        return await super().run(arguments, model=backend, ctx=ctx, model_settings=model_settings)


def _rules_first(rules: Callable[[dict[str, Any]], Any], *, with_request: bool = False,
                 **options: Any) -> Callable[[Callable[..., Any]], RulesFirstFunction]:
    def decorate(function: Callable[..., Any]) -> RulesFirstFunction:
        return RulesFirstFunction(function, rules, with_request=with_request, **options)

    return decorate


def _request_of(ctx: RunContext[Any] | None) -> str:
    """The run's last user message (what was asked), or ``""`` outside a run."""
    return next((str(m.content) for m in reversed(ctx.messages) if isinstance(m, UserMessage)), "") if ctx else ""


_LANGUAGE_AFTER = re.compile(r"\b(?:to|into|in)\s+([A-Za-zÀ-ÿ]+)")
_LANGUAGE_FROM = re.compile(r"\bfrom\s+([A-Za-zÀ-ÿ]+)")


def _named_language(pattern: re.Pattern[str], request: str) -> str | None:
    """The last language the request names after ``to/into/in`` (or ``from``), outside its quotes."""
    unquoted = request
    for span in quoted_spans(request):
        unquoted = unquoted.replace(span, " ")
    names = [m.group(1) for m in pattern.finditer(unquoted) if language_code(m.group(1))]
    return names[-1] if names else None


def translation_arguments(text: str, target: str, source: str | None, request: str) -> tuple[str, str, str | None]:
    """``(text, target, source)`` repaired from the user's request: a small model puts a word of the
    request in ``target`` ("tomorrow" of "How do I say 'see you tomorrow' in Spanish?") or a fragment
    in ``text``. The request's one quoted span is the text; the language it names after "to/into/in"
    is the target; "from X" is the source."""
    if not request:
        return text, target, source
    quoted = [q for q in quoted_spans(request) if q.strip()]
    if len(quoted) == 1:
        text = quoted[0]
    elif quoted:
        text = next((q for q in quoted if text.strip().lower() in q.lower()), text)
    named = _named_language(_LANGUAGE_AFTER, request)
    if named:
        target = named
        if not quoted:  # unquoted, a span may run into the instruction: "thank you in italian"
            text = re.sub(rf"\s+(?:in|to|into)\s+{re.escape(named)}\b.*$", "", text, flags=re.I | re.S)
            text = re.sub(r"^\s*(?:how\s+(?:do|would|can)\s+(?:you|u|i|we)\s+say|translate|say)\s+", "", text, flags=re.I)
            text = text.strip(" ?.!") or text
    origin = _named_language(_LANGUAGE_FROM, request)
    if origin is None and source is not None and language_code(source) in (None, language_code(target)):
        source = None  # a word of the request ("tomorrow"), or the target itself
    return text, target, origin or source


def _translate_rules(arguments: dict[str, Any]) -> str:
    request = str(arguments.get("request") or "")
    text, target, source = translation_arguments(
        str(arguments["text"]), str(arguments["target"]), arguments.get("source"), request)
    try:
        return phrasebook_translate(text, target, source)
    except NotSupportedOffline as exc:
        if not request or language_code(target) is None:  # no language named: likely not a translation at all
            raise
        # In a run the user reads this: one honest line, not a failed call the small model retries with garbage.
        return f"I can't translate that offline: {exc}."  # e.g. "...: the offline phrasebook lacks 'invoice' (...)"


def _passage(arguments: dict[str, Any], name: str) -> str:
    """The argument ``name``, or the passage of the request it is a piece of (a small model copies fragments)."""
    return passage_of(str(arguments[name]), str(arguments.get("request") or ""))


def _sentiment_rules(arguments: dict[str, Any]) -> Sentiment:
    label, confidence = lexicon_sentiment(_passage(arguments, "text"))
    return Sentiment(label=cast(Any, label), confidence=confidence)


def _summary_rules(arguments: dict[str, Any]) -> Summary:
    request = str(arguments.get("request") or "")
    bullets = arguments.get("format") == "bullets"
    if request:  # what the user asked for, not the format a small model guessed
        bullets = re.search(r"\bbullet|\bpoints\b|\bas a list\b|\blist (?:of|the)\b", request, re.I) is not None
    parts = extractive_summary(_passage(arguments, "text"), int(arguments.get("max_words") or 100), bullets=bullets)
    if bullets:
        return Summary(format="bullets", text="\n".join(f"- {p}" for p in parts), points=parts)
    return Summary(format="prose", text=parts[0])


def _answer_rules(arguments: dict[str, Any]) -> CitedAnswer:
    context = _passage(arguments, "context")
    request = str(arguments.get("request") or "")
    if request and (found := passages(request)) and not any(context in p for p in found):
        # a small model swapped or cut the arguments ("context": "Alice's job"): the request's passage is the context
        question = _passage(arguments, "question")
        context = question if question in found else found[0]
    question = question_of(request, context) if request else None
    # "who sent this and what's the amount": each question answered
    founds = [extractive_answer(q, context) for q in question_parts(question or str(arguments["question"]))]
    spans = list(dict.fromkeys(span for f in founds if f.quote and (span := find_span(f.quote, context))))
    citations = [Citation(quote=context[a:b], start=a, end=b) for a, b in spans]
    answer = "; ".join(dict.fromkeys(f.answer for f in founds))
    return CitedAnswer(answer=answer, citations=citations, answerable=all(f.answerable for f in founds) and bool(citations))


@prose_function
async def generate(prompt: str, max_words: int | None = None, style: str | None = None) -> str:
    """Write new free text for a request: a poem, a haiku, a story, a joke, an email, a note, a tweet, a paragraph...

    Args:
        prompt: what to write.
        max_words: upper bound on the length.
        style: tone or form, e.g. "formal", "for children", "haiku".
    """
    ...


@_rules_first(_translate_rules, with_request=True)
async def translate(text: str, target: str, source: str | None = None) -> str:
    """Translate text into another language (how to say something in French, Spanish, German...).

    Args:
        text: the text to translate.
        target: the language to translate into (a name or code, e.g. "French" or "fr").
        source: the language of the text, when known.
    """
    ...


class Summary(BaseModel):
    """A summary as prose or as bullet points (``points`` holds the bullets)."""

    format: Literal["prose", "bullets"]
    text: str
    points: list[str] = []


def _summary_output(arguments: dict[str, Any]) -> Any:
    return list[str] if arguments.get("format") == "bullets" else str


def _finish_summary(value: Any, arguments: dict[str, Any]) -> Summary:
    if arguments.get("format") == "bullets":
        points = [p.strip().lstrip("-*• ").strip() for p in value if p.strip()]
        if not points:
            raise ValueError("give at least one bullet point")
        return Summary(format="bullets", text="\n".join(f"- {p}" for p in points), points=points)
    return Summary(format="prose", text=str(value).strip())


@_rules_first(_summary_rules, with_request=True, output_from=_summary_output, finalize=_finish_summary)
async def summarize(text: str, max_words: int = 100, format: Literal["prose", "bullets"] = "prose") -> Summary:
    """Summarize (shorten, condense, tl;dr) a given text as a short paragraph or as bullet points.

    Args:
        text: the text to summarize.
        max_words: upper bound on the summary's length.
        format: "prose" for a paragraph, "bullets" for a list of points.
    """
    ...


class Citation(BaseModel):
    """A span of the context: ``context[start:end] == quote``."""

    quote: str
    start: int
    end: int


class CitedAnswer(BaseModel):
    """An answer with the context spans that support it; ``answerable`` is False without support."""

    answer: str
    citations: list[Citation]
    answerable: bool


class _AnswerDraft(BaseModel):
    answer: str
    quotes: list[str] = Field(description="exact quotes from the context that support the answer")


def find_span(quote: str, context: str) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``context``: exactly, else ignoring whitespace and case differences."""
    quote = quote.strip()
    if not quote:
        return None
    at = context.find(quote)
    if at >= 0:
        return at, at + len(quote)
    words = quote.split()
    pattern = r"\s+".join(re.escape(w) for w in words)
    found = re.search(pattern, context, flags=re.IGNORECASE)
    return (found.start(), found.end()) if found else None


def _verify_answer(draft: _AnswerDraft, arguments: dict[str, Any]) -> CitedAnswer:
    context: str = arguments["context"]
    citations: list[Citation] = []
    missing: list[str] = []
    for quote in draft.quotes:
        span = find_span(quote, context)
        if span is None:
            missing.append(quote)
        else:
            citations.append(Citation(quote=context[span[0] : span[1]], start=span[0], end=span[1]))
    if missing:
        listed = "; ".join(repr(q[:200]) for q in missing)
        raise ValueError(f"these quotes are not in the context (copy them word for word, or drop them): {listed}")
    return CitedAnswer(answer=draft.answer.strip(), citations=citations, answerable=bool(citations))


@_rules_first(_answer_rules, with_request=True, output_type=_AnswerDraft, finalize=_verify_answer)
async def answer(question: str, context: str) -> CitedAnswer:
    """Answer a question about a given text (a passage, note or document), citing the exact spans of
    the text used.

    Every citation is checked to occur in the context (a reply with an invented quote is
    sent back); ``answerable`` is False when nothing in the context supports an answer.

    Args:
        question: the question.
        context: the text to answer from.
    """
    ...


class Classification(BaseModel):
    """The chosen label and the model's confidence in it (0-1)."""

    label: str
    confidence: float = Field(ge=0, le=1)


def _label_values(labels: Any) -> list[str]:
    if isinstance(labels, type) and issubclass(labels, enum.Enum):
        return [str(m.value) for m in labels]
    values = [str(v) for v in cast(list[Any], labels)]
    if not values:
        raise ToolRetry("give at least one label")
    if len(set(values)) != len(values):
        raise ToolRetry("labels must be distinct")
    return values


def _classify_output(arguments: dict[str, Any]) -> Any:
    values = tuple(_label_values(arguments["labels"]))
    return create_model(
        "LabelChoice",
        label=(Literal[values], ...),  # type: ignore[valid-type]
        confidence=(float, Field(ge=0, le=1)),
    )


def _finish_classification(value: Any, arguments: dict[str, Any]) -> Classification:
    return Classification(label=value.label, confidence=value.confidence)


def _classify_rules(arguments: dict[str, Any]) -> Classification:
    labels = _label_values(arguments["labels"])
    label, confidence = nearest_label(_passage(arguments, "text"), labels, arguments.get("instructions"))
    return Classification(label=label, confidence=confidence)


@_rules_first(_classify_rules, with_request=True, output_from=_classify_output, finalize=_finish_classification)
async def classify(text: str, labels: list[str], instructions: str | None = None) -> Classification:
    """Put a text into one of the given categories or labels (a topic, spam or not, a ticket type,
    which of some given languages it is written in...).

    From Python, ``labels`` may also be an ``Enum`` class (its values are the labels).

    Args:
        text: the text to classify.
        labels: the allowed labels.
        instructions: what the labels mean or how to decide, when not obvious.
    """
    ...


class Sentiment(BaseModel):
    """Overall sentiment with confidence (0-1)."""

    label: Literal["positive", "negative", "neutral", "mixed"]
    confidence: float = Field(ge=0, le=1)


@_rules_first(_sentiment_rules, with_request=True)
async def sentiment(text: str) -> Sentiment:
    """Tell the sentiment of a text (a review, comment or message): positive, negative, neutral or
    mixed (good or bad); how the writer or a customer feels about something (happy, pleased, angry, disappointed).

    Args:
        text: the text to judge.
    """
    ...


def _extract_output(arguments: dict[str, Any]) -> Any:
    schema = arguments["schema"]
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema
    if not isinstance(schema, dict):
        raise ToolRetry("schema must be a JSON Schema object (or, from Python, a pydantic model class)")
    return schema


def _schema_fields(schema: Any) -> list[str]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return [str(k) for k in cast(dict[str, Any], props)] if isinstance(props, dict) else []


def _extract_rules(arguments: dict[str, Any]) -> dict[str, Any]:
    schema = arguments["schema"]
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        fields = list(schema.model_fields)
    else:  # a small model's schema is often no schema at all: the request says what it wants
        fields = _schema_fields(schema) or requested_fields(str(arguments.get("request") or ""))
    values = extract_fields(_passage(arguments, "text"), fields, str(arguments.get("request") or ""))
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return cast(Any, schema).model_validate(values)
    return values


@_rules_first(_extract_rules, with_request=True, output_from=_extract_output)
async def extract(text: str, schema: dict[str, Any], instructions: str | None = None) -> dict[str, Any]:
    """Extract structured data (names, emails, phone numbers, dates, amounts, places...) from a text
    into the fields of a given JSON Schema: pull out or get the due date and amount, the name and
    email, the city from a quoted line or message.

    From Python, pass a pydantic model class as ``schema`` to get an instance of it:
    ``person = await extract(text, schema=Person)``; a JSON Schema dict gives a dict.

    Args:
        text: the text to extract from.
        schema: JSON Schema of the object to fill in.
        instructions: extra guidance, e.g. date formats or how to treat ambiguity.
    """
    ...


class Code(BaseModel):
    """Generated source code with an explanation."""

    language: str
    code: str
    explanation: str


class _CodeDraft(BaseModel):
    code: str
    explanation: str


_CODE_FENCE = re.compile(r"^\s*```[\w+-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


def _finish_code(draft: _CodeDraft, arguments: dict[str, Any]) -> Code:
    code = draft.code
    fenced = _CODE_FENCE.match(code)
    if fenced:
        code = fenced.group(1)
    if not code.strip():
        raise ValueError("the code is empty")
    language = str(arguments.get("language") or "python")
    if language.lower() in ("python", "py", "python3"):
        try:
            ast.parse(code)
        except SyntaxError as exc:
            raise ValueError(f"the Python code does not parse: line {exc.lineno}: {exc.msg}") from None
    return Code(language=language, code=code, explanation=draft.explanation.strip())


_FENCED = re.compile(r"```[\w+-]*[ \t]*\n(.*?)(?:\n?```|$)", re.DOTALL)
_PLAIN_CODE_TOKENS = 160  # a short function; more runs past the tool timeout on a loaded CPU


def _python_prefix(code: str) -> str | None:
    """The longest run of leading lines that parses (a reply cut off by its token limit keeps its
    complete part); None when no line does."""
    lines = code.rstrip().splitlines()
    while lines:
        text = "\n".join(lines).rstrip()
        try:
            ast.parse(text)
        except SyntaxError:
            lines.pop()
            continue
        return text if text.strip() else None
    return None


def code_from_reply(reply: str, language: str) -> str:
    """The code block of a plain-text reply (the first fenced block, else the whole reply); Python
    is cut to its longest parsing prefix. Raises :class:`NotSupportedOffline` when nothing is left."""
    fenced = _FENCED.search(reply)
    code = (fenced.group(1) if fenced else reply).strip("\n")
    if language.lower() in ("python", "py", "python3"):
        code = _python_prefix(code) or ""
    if not code.strip():
        raise NotSupportedOffline(
            "the embedded model did not write usable code for this task; use a larger model (--model/--base-url)")
    return code


def _whole_task(task: str, ctx: RunContext[Any] | None) -> str:
    """The user's request when ``task`` is only a piece of it ("reverses a string" of "Write a Python
    function that reverses a string")."""
    return whole_request(task, ctx)


class CodeFunction(LLMFunction[Any, Any]):
    """``generate_code``: the language the request names (:mod:`agentfn.library._code_languages`) over the call's
    ``language`` argument; a :class:`Code` record from the model's JSON reply, or, for a model whose
    own prose is not shown (``answer_mode="grounded"``, the embedded 135M default), from one
    plain-text reply with a bounded length: such a model writes a readable code block but loops
    when the code must be escaped inside JSON."""

    async def run(
        self,
        arguments: Mapping[str, Any],
        *,
        model: Model | str | None = None,
        ctx: RunContext[Any] | None = None,
        model_settings: Mapping[str, Any] | None = None,
    ) -> Any:
        backend = self.resolve_model(model, ctx)
        task = _whole_task(str(arguments["task"]), ctx)
        named = named_language(task)  # "write me a javascript function...": JavaScript, whatever the call said
        if named is not None and str(arguments.get("language") or "python").lower() != named:
            arguments = {**arguments, "language": named}
        if writes_prose(backend):
            return await super().run(arguments, model=backend, ctx=ctx, model_settings=model_settings)
        language = str(arguments.get("language") or "python")
        ask = f"Write {language} code for this task: {task}. Reply with only the code in a ```{language.lower()} block."
        request = ModelRequest(messages=[UserMessage(content=ask)], tool_choice="none",
                               max_tokens=_PLAIN_CODE_TOKENS, temperature=0, stop=["\n```\n"])
        response = await backend.request(request)
        code = code_from_reply(response.message.content or "", language)
        return Code(language=language, code=code, explanation="")


def _code_function(**options: Any) -> Callable[[Callable[..., Any]], CodeFunction]:
    def decorate(function: Callable[..., Any]) -> CodeFunction:
        return CodeFunction(function, **default_options(**options))

    return decorate


@_code_function(output_type=_CodeDraft, finalize=_finish_code)
async def generate_code(task: str, language: str = "python") -> Code:
    """Write source code (a function, script or snippet in Python, JavaScript or another language) for
    a task and explain it: "write a Python function to compute...", "give me code that...". Python
    code is checked to parse; run it with ``run_python``.

    Args:
        task: what the code must do.
        language: programming language.
    """
    ...
