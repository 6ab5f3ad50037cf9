"""Benchmarks of the provider manager: a sandbox, a server and a load generator in one run.

``python -m bench`` (``make bench``) measures what the service exists for against the limit,
a baseline that makes the same upstream calls and does nothing else, and writes the figures
to ``bench/results/``. Benchmarks print figures; they never fail a build.
"""

import os

# The load generator starts the baseline's processes while its gRPC channels are open; no child
# uses gRPC, so gRPC's fork handlers would only print a warning per child. Set before import.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
