#!/usr/bin/env bash
# The tests whose results rest on floating-point products (the encoders, the claims
# stage, the similarity choices) run under each BLAS kernel OpenBLAS can be forced to
# on any x86-64 machine, and under its own choice. (The whole report on two kernels is
# tests/e2e/test_blas_kernels.py, part of `make test`: it sets the kernels itself.)
# OPENBLAS_CORETYPE picks the kernel; OPENBLAS_L2_SIZE, set on some machines, goes with it.
#   bash scripts/test-blas-kernels.sh            # after `make test` has set up .venv
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=(.venv/bin/python -m pytest -q -p no:cacheprovider
        tests/claims tests/nlp src/newstrace/nlp)

kernel_of() {
  "$@" .venv/bin/python -c "import numpy; from threadpoolctl import threadpool_info as i; \
print(','.join(sorted({str(p.get('architecture')) for p in i() if p.get('internal_api') == 'openblas'})))"
}

status=0
for kernel in unset Haswell Sandybridge; do
  if [ "$kernel" = unset ]; then
    run=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
  else
    run=(env "OPENBLAS_CORETYPE=$kernel")
  fi
  echo "== OPENBLAS_CORETYPE=$kernel (OpenBLAS runs: $(kernel_of "${run[@]}"))"
  "${run[@]}" "${PYTEST[@]}" || status=1
done
exit $status
