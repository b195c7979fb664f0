"""Evaluation of a model plus this runtime on the user's own tools (``agentfn eval calls``)."""

from agentfn.evals.calls import CallCase, CaseResult, EvalReport, ExpectedCall, evaluate_calls, load_cases
from agentfn.evals.generate import cases_from_schemas, cases_from_traces

__all__ = [
    "CallCase",
    "CaseResult",
    "EvalReport",
    "ExpectedCall",
    "cases_from_schemas",
    "cases_from_traces",
    "evaluate_calls",
    "load_cases",
]
