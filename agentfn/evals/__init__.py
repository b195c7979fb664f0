"""Evaluation of a model plus this runtime on the user's own tools (``agentfn eval calls``)."""

from agentfn.evals.calls import CallCase, CaseResult, EvalReport, ExpectedCall, Turn, load_cases
from agentfn.evals.calls_run import evaluate_calls
from agentfn.evals.generate import cases_from_schemas, cases_from_traces

__all__ = [
    "CallCase",
    "CaseResult",
    "EvalReport",
    "ExpectedCall",
    "Turn",
    "cases_from_schemas",
    "cases_from_traces",
    "evaluate_calls",
    "load_cases",
]
