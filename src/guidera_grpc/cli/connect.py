"""How client commands reach a service: address, TLS files and API key, as options.

Every command that talks to a running service takes the same options and builds one
``Connection`` from them; it gives the channel (clear, TLS or mutual TLS) and the metadata
that carries the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import grpc
import typer

TargetOpt = Annotated[
    str | None, typer.Option(help="HOST:PORT of the service (default GUIDERA_LISTEN).")
]
TlsCaOpt = Annotated[
    Path | None, typer.Option("--tls-ca", help="Connect with TLS, trusting this CA (PEM).")
]
TlsCertOpt = Annotated[
    Path | None,
    typer.Option("--tls-cert", help="Client certificate (PEM) for mutual TLS; needs --tls-ca."),
]
TlsKeyOpt = Annotated[
    Path | None, typer.Option("--tls-key", help="Private key (PEM) of --tls-cert.")
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key", envvar="GUIDERA_API_KEY", show_default=False, help="API key (gk_...)."
    ),
]


@dataclass(frozen=True, slots=True)
class Connection:
    """Where and how to reach the service."""

    target: str | None = None
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    api_key: str | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """The target, else GUIDERA_LISTEN, else the default port on loopback."""
        return self.target or os.environ.get("GUIDERA_LISTEN", "127.0.0.1:50051")

    def channel(self) -> grpc.Channel:
        """A channel to the service: in clear without --tls-ca, else TLS (mutual with a cert)."""
        if self.tls_ca is None:
            if self.tls_cert is not None or self.tls_key is not None:
                raise typer.BadParameter("--tls-cert and --tls-key need --tls-ca")
            return grpc.insecure_channel(self.address)
        if (self.tls_cert is None) != (self.tls_key is None):
            raise typer.BadParameter("--tls-cert and --tls-key go together")

        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(self.tls_ca, "--tls-ca"),
            private_key=_read(self.tls_key, "--tls-key") if self.tls_key else None,
            certificate_chain=_read(self.tls_cert, "--tls-cert") if self.tls_cert else None,
        )
        return grpc.secure_channel(self.address, credentials)

    def metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        """Call metadata: the bearer key when there is one."""
        if not self.api_key:
            return ()
        return (("authorization", f"Bearer {self.api_key}"),)


def _read(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise typer.BadParameter(
            f"cannot read {path}: {error.strerror}", param_hint=option
        ) from error
