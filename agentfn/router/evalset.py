"""Deprecated location: the routing eval set moved to :mod:`agentfn.evals.evalset`.

Importing this module warns (``DeprecationWarning``) and re-exports the moved names.
"""

from __future__ import annotations

import warnings

from agentfn.evals.evalset import EvalQuery, EvalSet, build_evalset, write_tools_jsonl

warnings.warn(
    "agentfn.router.evalset moved to agentfn.evals.evalset; import it from there", DeprecationWarning, stacklevel=2
)

__all__ = ["EvalQuery", "EvalSet", "build_evalset", "write_tools_jsonl"]
