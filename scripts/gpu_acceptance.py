#!/usr/bin/env python
"""One-command GPU acceptance run of hdf-bench (see hdf_bench/acceptance/__init__.py).

On one H100/H200 with the offline wheelhouse installed (scripts/gpu_acceptance.sh does both):
    python scripts/gpu_acceptance.py --out "$OUT"            # <= 8 minutes
On CPU, the same steps at toy sizes (about a minute on an idle 2-core machine):
    python scripts/gpu_acceptance.py --device cpu --tiny --out work_dirs/acceptance_tiny
Exit code 0 when every step passed, 1 otherwise.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hdf_bench.acceptance import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
