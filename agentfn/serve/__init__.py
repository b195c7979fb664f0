"""``agentfn serve``: agents as an OpenAI-compatible HTTP API (FastAPI + uvicorn).

```python
from agentfn.serve import create_app, load_config
app = create_app(load_config("agentfn.toml"))    # any ASGI server can run it
```

Several stateless processes can run behind a load balancer: see ``deploy/README.md``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from agentfn.serve.config import AgentConfig, KeyConfig, LimitsConfig, ServeConfig, hash_key, load_config

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "AgentConfig",
    "KeyConfig",
    "LimitsConfig",
    "ServeConfig",
    "app_from_env",
    "create_app",
    "hash_key",
    "load_config",
    "serve",
]


def create_app(config: ServeConfig, **kwargs: Any) -> FastAPI:
    """Build the ASGI app (see :func:`agentfn.serve.app.create_app`)."""
    try:
        import fastapi  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError as exc:
        from agentfn.exceptions import MissingExtraError

        raise MissingExtraError("agentfn serve", "serve", "fastapi") from exc
    from agentfn.serve.app import create_app as build

    return build(config, **kwargs)


def app_from_env() -> FastAPI:
    """An app from ``$AGENTFN_CONFIG`` (a file) plus ``AGENTFN_*`` variables: a uvicorn factory.

    ``uvicorn --factory agentfn.serve:app_from_env --workers 4`` runs one app per worker.
    """
    return create_app(load_config(os.environ.get("AGENTFN_CONFIG") or None))


def serve(config: ServeConfig, *, workers: int = 1, log_level: str = "info") -> None:
    """Run the server in the foreground until interrupted."""
    try:
        import uvicorn
    except ImportError as exc:
        from agentfn.exceptions import MissingExtraError

        raise MissingExtraError("agentfn serve", "serve", "uvicorn") from exc
    if workers > 1:
        # Workers re-read the configuration from the environment in their own processes.
        os.environ["AGENTFN_CONFIG_JSON"] = config.model_dump_json()
        uvicorn.run("agentfn.serve:_app_from_json", factory=True, host=config.host, port=config.port,
                    workers=workers, log_level=log_level, proxy_headers=True,
                    # Workers load toolsets (and maybe models) before they answer: give them time.
                    timeout_worker_healthcheck=120)
        return
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level=log_level, proxy_headers=True)


def _app_from_json() -> FastAPI:  # pyright: ignore[reportUnusedFunction]  # uvicorn imports it by name
    return create_app(ServeConfig.model_validate_json(os.environ["AGENTFN_CONFIG_JSON"]).check())
