"""The listener's transport security: TLS with a certificate and key, mutual TLS with a CA.

With neither file set the server listens in clear (behind a mesh or on loopback). A client CA
turns on mutual TLS: a client must then show a certificate that CA signed.
"""

from __future__ import annotations

from pathlib import Path

import grpc

from guidera_grpc.config import Settings, SettingsError


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """The credentials the settings ask for, or None to listen in clear.

    ValueError when the files do not make a whole: a certificate without its key, or a client
    CA without a server certificate.
    """
    cert, key, client_ca = (
        settings.tls_cert_file,
        settings.tls_key_file,
        settings.tls_client_ca_file,
    )
    if cert is None and key is None:
        if client_ca is not None:
            raise SettingsError(
                "GUIDERA_TLS_CLIENT_CA_FILE needs GUIDERA_TLS_CERT_FILE and _KEY_FILE"
            )
        return None
    if cert is None or key is None:
        raise SettingsError("GUIDERA_TLS_CERT_FILE and GUIDERA_TLS_KEY_FILE go together")

    return grpc.ssl_server_credentials(
        [(_read(key), _read(cert))],
        root_certificates=_read(client_ca) if client_ca is not None else None,
        require_client_auth=client_ca is not None,
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise SettingsError(f"cannot read {path}: {error.strerror}") from error
