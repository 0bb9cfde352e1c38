"""``python -m hdf_bench.acceptance``: the acceptance run (see :mod:`hdf_bench.acceptance`)."""
import sys

from hdf_bench.acceptance.run import main

sys.exit(main())
