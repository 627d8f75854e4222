import os
import sys

# Before torch loads libgomp: idle OpenMP threads sleep instead of spinning. On a shared or small machine,
# spinning threads fight over the cores; measured here (2 cores, load ~12) a MiniLM step took 15 s with
# spinning and 1.7 s without.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
