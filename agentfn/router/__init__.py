"""Tool routing: pick the right few tools (and their combination) out of thousands.

```python
from agentfn.router import Router
router = Router.build(tools)
plan = router.route("convert 20 USD to EUR and email it to Ann", k=10)
plan.ranked, plan.selected, plan.abstain
```
"""

from typing import Any

from agentfn.router.encoder import Encoder, load_encoder
from agentfn.router.planner import ModelPlanner, PlannedRouter, PlannerResult
from agentfn.router.router import RoutePlan, Router, RouterConfig
from agentfn.router.search import ToolSearch
from agentfn.router.text import ToolRecord

__all__ = [
    "Encoder",
    "ModelPlanner",
    "PlannedRouter",
    "PlannerResult",
    "RoutePlan",
    "Router",
    "RouterConfig",
    "ToolRecord",
    "ToolSearch",
    "load_encoder",
]


def __getattr__(name: str) -> Any:
    """``agentfn.router.evaluate`` (the function) moved to :func:`agentfn.evals.evaluate.evaluate`."""
    if name == "evaluate":
        import warnings

        from agentfn.evals.evaluate import evaluate

        warnings.warn("agentfn.router.evaluate moved to agentfn.evals.evaluate.evaluate", DeprecationWarning, stacklevel=2)
        return evaluate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
