"""Training on call traces: the router (encoder, fusion, combination, threshold) and LoRA adapters.

```python
from agentfn.train import train_router
router, metrics = train_router("traces.db", "tools.jsonl", "routers/", epochs=1, promote=True)
metrics["before"]["recall@5"], metrics["after"]["recall@5"]
```

Heavy dependencies (torch, sentence-transformers, accelerate, peft) load only
when training starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentfn.train.deploy import deploy_adapter
    from agentfn.train.llm import train_llm
    from agentfn.train.router import RouterTrainResult, resolve_active, train_router

__all__ = ["RouterTrainResult", "deploy_adapter", "resolve_active", "train_llm", "train_router"]

_WHERE = {
    "RouterTrainResult": "agentfn.train.router",
    "resolve_active": "agentfn.train.router",
    "train_router": "agentfn.train.router",
    "train_llm": "agentfn.train.llm",
    "deploy_adapter": "agentfn.train.deploy",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'agentfn.train' has no attribute {name!r}")
