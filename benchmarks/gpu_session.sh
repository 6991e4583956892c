#!/usr/bin/env bash
# The whole GPU check in one command, at most 9 minutes by its time limits: the gpu-marked tests
# (200 s), the `check` commands on the CuPy backend (20 s each), and benchmarks/gpu.py (240 s) with
# its Markdown report and JSON figures.
# Everything lands in $OUT (default: a new temporary folder): env.txt, pytest.log, cli.log, bench.log,
# gpu-benchmarks.md, gpu-benchmarks.json, summary.txt.  Each step has its own time limit and a
# failing step does not stop the later ones; the exit status is that of the first failing step.
#
#   OUT=/some/dir bash benchmarks/gpu_session.sh            # PYTHON=... to pick the interpreter
#
# Then commit $OUT/gpu-benchmarks.md as docs/reports/gpu-benchmarks.md and regenerate the docs index
# (`kronconv docs --out docs --proofs proofs`).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$(mktemp -d -t kronconv-gpu.XXXXXX)}"
PY="${PYTHON:-python3}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 HYPOTHESIS_PROFILE=ci
status=0
note() { echo "$1: exit $2" >> "$OUT/summary.txt"; if [ "$2" -ne 0 ] && [ "$status" -eq 0 ]; then status=$2; fi; }
: > "$OUT/summary.txt"

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv 2>&1 || true
  nvcc --version 2>&1 | tail -n 2 || true
  "$PY" -c "import sys, numpy, cupy, torch; print('python', sys.version.split()[0], '| numpy', numpy.__version__, '| cupy', cupy.__version__, '| torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version())" 2>&1
  "$PY" -c "from kronconv.backend import gpu_unavailable_reason as r; print('kronconv gpu:', r() or 'usable')" 2>&1
} > "$OUT/env.txt"
cat "$OUT/env.txt"
"$PY" -c "from kronconv.backend import gpu_unavailable_reason as r; raise SystemExit(1 if r() else 0)"
note "GPU usable through CuPy" $?

# 1. gpu-marked tests (warnings are shown, not raised, so one run reports every failure)
timeout 200 "$PY" -m pytest -m gpu -q -rs -p no:cacheprovider -W default 2>&1 \
  | tee "$OUT/pytest.log" | tail -n 40
note "pytest -m gpu" "${PIPESTATUS[0]}"

# 2. the check commands on the CuPy backend (exit 0 holds, 1 refuted as expected for b != a)
{
  for args in "check equivalence --backend cupy --dtype float32 --channels 4" \
              "check equivalence --backend cupy --dtype float64 --dims 3" \
              "check equivariance --backend cupy" \
              "check equivariance --arch pooling --shift 8,8 --backend cupy"; do
    echo "\$ kronconv $args"; timeout 20 "$PY" -m kronconv $args; echo "exit $?"
  done
  echo "\$ kronconv check equivalence --backend cupy --dilation-base 2   (expected: exit 1)"
  timeout 20 "$PY" -m kronconv check equivalence --backend cupy --dilation-base 2 | tail -n 3; echo "exit ${PIPESTATUS[0]}"
} > "$OUT/cli.log" 2>&1
grep -c "^exit 0" "$OUT/cli.log" | { read -r ok; [ "$ok" -eq 4 ] && grep -q "^exit 1" "$OUT/cli.log"; }
note "check --backend cupy" $?

# 3. the benchmark, report and figures
timeout 240 "$PY" benchmarks/gpu.py --report "$OUT/gpu-benchmarks.md" --json "$OUT/gpu-benchmarks.json" 2>&1 \
  | tee "$OUT/bench.log"
note "benchmarks/gpu.py" "${PIPESTATUS[0]}"

cat "$OUT/summary.txt"
echo "results in $OUT"
exit "$status"
