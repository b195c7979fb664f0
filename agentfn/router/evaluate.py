"""Deprecated location: routing metrics moved to :mod:`agentfn.evals.evaluate`.

Importing this module warns (``DeprecationWarning``) and re-exports the moved names.
"""

from __future__ import annotations

import warnings

from agentfn.evals.evaluate import RankerLike, evaluate, percentiles

warnings.warn(
    "agentfn.router.evaluate moved to agentfn.evals.evaluate; import it from there", DeprecationWarning, stacklevel=2
)

__all__ = ["RankerLike", "evaluate", "percentiles"]
