"""LoRA supervised fine-tuning on successful traces, as an adapter vLLM can serve.

Each kept run is rendered with the chat template the runtime uses
(``prompts/chat/hermes.jinja`` by default, through
:func:`agentfn.backends._chat.render_chat_template`), with the run's own tool
specs, so the model is trained on exactly the prompt format it will be served
with. The loss covers assistant turns only (their text, tool calls and end
marker); system, user and tool-result tokens are context.

Kept runs: answered, not rated bad (feedback < 0), and every tool call
succeeded (a run that repaired a wrong call would teach the wrong call).

The adapter is checked before it is returned (:func:`check_adapter`): vLLM
rejects DoRA and ``modules_to_save`` and silently serves the base model when
the adapter's weights match no module.
"""

from __future__ import annotations

import importlib
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentfn.exceptions import ConfigError, MissingExtraError, UserError

if TYPE_CHECKING:
    from agentfn.traces.records import Run

__all__ = ["check_adapter", "render_example", "sft_runs", "train_llm"]


def sft_runs(runs: Sequence[Run]) -> list[Run]:
    """Runs worth imitating: answered, not rated bad, no failed call, at least one assistant turn."""
    out: list[Run] = []
    for run in runs:
        if run.outcome != "answered" or (run.feedback_score is not None and run.feedback_score < 0):
            continue
        if any(not c.ok for c in run.tool_calls):
            continue
        if not any(m.role == "assistant" for m in run.messages()):
            continue
        out.append(run)
    return out


def render_example(run: Run, template: str = "hermes") -> tuple[str, list[tuple[int, int]]]:
    """The run as one training text and the character spans of its assistant turns.

    Raises:
        ConfigError: the template renders a conversation in a way that does not
            extend its own prefix (needed to locate assistant turns).
    """
    from agentfn.backends._chat import messages_to_chat, render_chat_template

    chat = messages_to_chat(run.messages())
    tools = [t.spec for t in run.tools if t.spec] or None
    spans: list[tuple[int, int]] = []
    for i, m in enumerate(chat):
        if m["role"] != "assistant":
            continue
        prefix = render_chat_template(template, chat[:i], tools, add_generation_prompt=True)
        upto = render_chat_template(template, chat[: i + 1], tools, add_generation_prompt=False)
        if not upto.startswith(prefix):
            raise ConfigError("chat template does not render a conversation as an extension of its prefix")
        spans.append((len(prefix), len(upto)))
    text = render_chat_template(template, chat, tools, add_generation_prompt=False)
    return text, spans


def _encode(tokenizer: Any, text: str, spans: list[tuple[int, int]], max_length: int) -> tuple[list[int], list[int]]:
    enc = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False, truncation=True, max_length=max_length)
    ids: list[int] = list(enc["input_ids"])
    labels: list[int] = []
    for tok_id, (start, end) in zip(ids, enc["offset_mapping"], strict=True):
        inside = any(s <= start and end <= e and end > start for s, e in spans)
        labels.append(tok_id if inside else -100)
    return ids, labels


def check_adapter(adapter_dir: str | Path, target_modules: Sequence[str] | None = None) -> dict[str, Any]:
    """Check an adapter folder is one vLLM will serve as intended.

    Raises:
        ConfigError: missing files, DoRA, ``modules_to_save``, or configured target
            modules without saved LoRA weights.
    """
    root = Path(adapter_dir)
    cfg_file, weights = root / "adapter_config.json", root / "adapter_model.safetensors"
    if not cfg_file.exists() or not weights.exists():
        raise ConfigError(f"{root} is not a PEFT adapter (needs adapter_config.json and adapter_model.safetensors)")
    cfg: dict[str, Any] = json.loads(cfg_file.read_text())
    if cfg.get("use_dora"):
        raise ConfigError(f"{root}: DoRA adapters are rejected by vLLM; train with use_dora=False")
    if cfg.get("modules_to_save"):
        raise ConfigError(f"{root}: modules_to_save {cfg['modules_to_save']} is rejected by vLLM")
    safe_open: Any = importlib.import_module("safetensors").safe_open
    with safe_open(str(weights), framework="numpy") as fh:
        keys: list[str] = [str(k) for k in fh.keys()]  # noqa: SIM118 - safe_open is not a dict
    targets = list(target_modules or cfg.get("target_modules") or [])
    if isinstance(cfg.get("target_modules"), str) and not target_modules:
        raise ConfigError(f"{root}: target_modules is a regex; list module names so coverage can be checked")
    covered = {t: sum(1 for k in keys if f".{t}.lora_A" in k) for t in targets}
    missing = [t for t, n in covered.items() if n == 0 or not any(f".{t}.lora_B" in k for k in keys)]
    if not keys or missing:
        raise ConfigError(
            f"{root}: no LoRA weights saved for target modules {missing or targets}; "
            "vLLM would silently serve the base model"
        )
    return {"target_modules": targets, "weights": len(keys), "per_module": covered, "rank": cfg.get("r")}


def train_llm(
    traces: Any,
    base: str | Path,
    out: str | Path,
    *,
    epochs: int = 1,
    seed: int = 0,
    rank: int = 8,
    alpha: int = 16,
    lr: float = 2e-4,
    batch_size: int = 4,
    max_length: int = 1024,
    target_modules: Sequence[str] = ("q_proj", "k_proj", "v_proj", "o_proj"),
    template: str = "hermes",
    min_examples: int = 1,
    progress: bool = False,
) -> dict[str, Any]:
    """Train a LoRA adapter on successful traces and save it (PEFT format) to ``out``.

    Args:
        traces: a store URL/path, a chat fine-tuning JSONL file, a store, or runs.
        base: the base model folder (transformers format; offline).
        target_modules: module names that get LoRA weights (checked after saving).

    Returns:
        A report: examples, steps, per-step losses, first/last loss, seconds, adapter check.

    Raises:
        UserError: no usable traces or bad settings.
        MissingExtraError: torch / transformers / peft are not installed.
    """
    try:
        torch: Any = importlib.import_module("torch")
        accelerate: Any = importlib.import_module("accelerate")
        accelerate_utils: Any = importlib.import_module("accelerate.utils")
        peft: Any = importlib.import_module("peft")
        transformers: Any = importlib.import_module("transformers")
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingExtraError("LLM training", extra="train", module=exc.name or "peft") from exc
    from agentfn.train.progress import Reporter
    from agentfn.train.router_steps import read_runs

    started = time.perf_counter()
    runs, source = read_runs(traces)
    kept = sft_runs(runs)
    if len(kept) < max(min_examples, 1):
        raise UserError(
            f"too few successful traces in {source}: {len(kept)} of {len(runs)} runs are answered, "
            f"not rated bad and free of failed calls; LLM training needs at least {max(min_examples, 1)}"
        )
    acc: Any = accelerate.Accelerator()
    accelerate_utils.set_seed(seed)
    tokenizer: Any = transformers.AutoTokenizer.from_pretrained(str(base))
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    examples = [_encode(tokenizer, *render_example(r, template), max_length) for r in kept]
    examples = [e for e in examples if any(label != -100 for label in e[1])]
    if not examples:
        raise UserError(f"no assistant tokens left within max_length={max_length}; raise --max-length")
    model: Any = transformers.AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    absent = [t for t in target_modules if t not in names]
    if absent:
        raise UserError(f"target modules {absent} are not in {base}; it has e.g. {sorted(names)[:12]}")
    config: Any = peft.LoraConfig(
        r=rank, lora_alpha=alpha, lora_dropout=0.0, target_modules=list(target_modules), task_type="CAUSAL_LM",
        use_dora=False,
    )
    model = peft.get_peft_model(model, config)
    optimizer: Any = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    model, optimizer = acc.prepare(model, optimizer)
    rng = random.Random(seed)
    pad_id: Any = tokenizer.pad_token_id
    pad = int(pad_id)
    losses: list[float] = []
    steps_total = epochs * ((len(examples) + batch_size - 1) // batch_size)
    rep = Reporter(enabled=progress and acc.is_main_process)
    on_step = rep.steps("training LoRA adapter")
    model.train()
    for _ in range(epochs):
        order = list(range(len(examples)))
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            batch = [examples[i] for i in order[start : start + batch_size]]
            width = max(len(ids) for ids, _ in batch)
            input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
            labels = torch.full((len(batch), width), -100, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, (ids, lab) in enumerate(batch):
                input_ids[row, : len(ids)] = torch.tensor(ids)
                labels[row, : len(lab)] = torch.tensor(lab)
                mask[row, : len(ids)] = 1
            output: Any = model(
                input_ids=input_ids.to(acc.device), attention_mask=mask.to(acc.device), labels=labels.to(acc.device)
            )
            acc.backward(output.loss)
            optimizer.step()
            optimizer.zero_grad()
            losses.append(float(output.loss.detach().item()))
            if on_step is not None:
                on_step(len(losses), steps_total, losses[-1])
    rep.close()
    acc.wait_for_everyone()
    report: dict[str, Any] = {
        "source": source, "runs": len(runs), "examples": len(examples), "steps": len(losses), "losses": losses,
        "first_loss": losses[0], "last_loss": losses[-1], "seconds": round(time.perf_counter() - started, 2),
        "target_modules": list(target_modules), "rank": rank, "alpha": alpha, "template": template,
    }
    if acc.is_main_process:
        out_dir = Path(out)
        acc.unwrap_model(model).save_pretrained(str(out_dir))
        report["check"] = check_adapter(out_dir, target_modules)
        (out_dir / "training_report.json").write_text(json.dumps(report, indent=1))
    return report
