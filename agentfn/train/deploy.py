"""Hot-load a LoRA adapter into a running vLLM server.

vLLM (started with ``--enable-lora`` and ``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True``)
exposes ``POST /v1/load_lora_adapter`` with ``{"lora_name", "lora_path"}``; the
adapter is then served as the model ``lora_name``. The path is read by the
server, so it must be valid on the server's machine (``path_on_server``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentfn.exceptions import ConfigError, ModelUnavailableError

__all__ = ["deploy_adapter"]


def deploy_adapter(
    adapter_dir: str | Path,
    *,
    base_url: str,
    name: str,
    api_key: str | None = None,
    path_on_server: str | None = None,
    replace: bool = False,
    timeout: float = 120.0,
    transport: Any = None,
) -> dict[str, Any]:
    """Check the adapter (:func:`agentfn.train.llm.check_adapter`) and load it into the server.

    Args:
        adapter_dir: the local PEFT adapter folder.
        base_url: the server, with or without a trailing ``/v1``.
        name: the model name the adapter will be served under.
        replace: unload an adapter already loaded under ``name`` first.
        transport: an httpx transport (tests at the transport boundary).

    Returns:
        ``{"name", "path", "status", "message"}``.

    Raises:
        ConfigError: the adapter is not servable, or the server refused it.
        ModelUnavailableError: the server cannot be reached.
    """
    import httpx

    from agentfn.train.llm import check_adapter

    local = Path(adapter_dir)
    check_adapter(local)
    root = base_url.rstrip("/").removesuffix("/v1")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    path = path_on_server or str(local.resolve())
    try:
        with httpx.Client(base_url=root, headers=headers, timeout=timeout, transport=transport) as client:
            if replace:
                client.post("/v1/unload_lora_adapter", json={"lora_name": name})  # absent is fine
            resp = client.post("/v1/load_lora_adapter", json={"lora_name": name, "lora_path": path})
    except httpx.TransportError as exc:
        raise ModelUnavailableError(f"cannot reach {root}: {exc}") from exc
    message = resp.text.strip()
    if resp.status_code == 404:
        raise ConfigError(
            f"{root} has no /v1/load_lora_adapter: start vLLM with --enable-lora and "
            "VLLM_ALLOW_RUNTIME_LORA_UPDATING=True"
        )
    if resp.status_code >= 400:
        raise ConfigError(f"{root} refused adapter {name!r} (HTTP {resp.status_code}): {message[:500]}")
    return {"name": name, "path": path, "status": resp.status_code, "message": message}
