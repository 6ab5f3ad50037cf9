"""Guidera's provider manager: a gRPC service that routes travel searches and bookings to
suppliers, aggregates their answers and streams them back."""

import os

# The embedded PostgreSQL is started with fork/exec while gRPC threads run; no child process
# uses gRPC, so its fork handlers only add a warning per child. Set before grpc is imported.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
