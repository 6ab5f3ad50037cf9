"""TLS and mutual TLS on the listener, with a CA and certificates made by the test."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from guidera.v1 import search_service_pb2_grpc

from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.security.keys import Role, create_key
from guidera_grpc.server import GuideraServer
from tests.pg import PgCluster
from tests.searching import collect, flight_request
from tests.server_fixtures import PLAIN, lift_rate_limits, server_settings


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key, in PEM, and where they were written."""

    cert: bytes
    key: bytes
    cert_file: Path
    key_file: Path


class Authority:
    """A throwaway CA that signs server and client certificates."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name
        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
        self._subject = subject
        self.cert = (
            self._builder(subject, self._key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._key, hashes.SHA256())
        )
        self.pem = self.cert.public_bytes(serialization.Encoding.PEM)
        self.file = folder / f"{name}-ca.pem"
        self.file.write_bytes(self.pem)

    def _builder(self, subject: x509.Name, public_key: Any) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
        )

    def issue(self, common_name: str, *, server: bool) -> Issued:
        """A certificate for a server (SAN localhost and 127.0.0.1) or for a client."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            self._builder(subject, key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if server:
            names = [
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            ]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(self._key, hashes.SHA256())

        cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        cert_file = self.folder / f"{self.name}-{common_name}.pem"
        key_file = self.folder / f"{self.name}-{common_name}.key"
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        return Issued(cert_pem, key_pem, cert_file, key_file)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A CA with a server and a client certificate, and a stranger CA with a client one."""
    folder = tmp_path_factory.mktemp("tls")
    ca = Authority(folder, "guidera")
    stranger = Authority(folder, "stranger")
    return {
        "ca": ca,
        "server": ca.issue("localhost", server=True),
        "client": ca.issue("client", server=False),
        "stranger_client": stranger.issue("client", server=False),
    }


async def _start(
    pg_cluster: PgCluster, sandbox: RunningSandbox, **overrides: object
) -> GuideraServer:
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    server = GuideraServer(server_settings(dsn, sandbox.url, **PLAIN, **overrides))
    await server.start()
    await server.wait_ready()
    return server


@pytest.fixture(scope="module")
async def tls_server(
    pg_cluster: PgCluster, sandbox: RunningSandbox, certificates: dict[str, Any]
) -> AsyncIterator[GuideraServer]:
    """A server with TLS (no client certificates asked) that also requires API keys."""
    issued: Issued = certificates["server"]
    running = await _start(
        pg_cluster,
        sandbox,
        auth_mode="keys",
        tls_cert_file=issued.cert_file,
        tls_key_file=issued.key_file,
    )
    yield running
    await running.stop(grace_s=1)


@pytest.fixture(scope="module")
async def mtls_server(
    pg_cluster: PgCluster, sandbox: RunningSandbox, certificates: dict[str, Any]
) -> AsyncIterator[GuideraServer]:
    """A server that demands client certificates signed by the test CA."""
    issued: Issued = certificates["server"]
    running = await _start(
        pg_cluster,
        sandbox,
        tls_cert_file=issued.cert_file,
        tls_key_file=issued.key_file,
        tls_client_ca_file=certificates["ca"].file,
    )
    yield running
    await running.stop(grace_s=1)


async def _health(channel: grpc.aio.Channel) -> int:
    stub: Any = health_pb2_grpc.HealthStub(channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=3)
    status: int = reply.status
    return status


def _secure(address: str, ca: bytes, client: Issued | None = None) -> grpc.aio.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca,
        private_key=client.key if client else None,
        certificate_chain=client.cert if client else None,
    )
    return grpc.aio.secure_channel(address, credentials)


SERVING = health_pb2.HealthCheckResponse.SERVING


async def test_a_client_trusting_the_ca_searches_over_tls(
    tls_server: GuideraServer, certificates: dict[str, Any]
) -> None:
    """TLS and API keys together: the handshake succeeds and a keyed search completes."""
    pool = tls_server.runtime.store.pool
    key = (await create_key(pool, [Role.SEARCH])).token
    async with _secure(tls_server.address, certificates["ca"].pem) as channel:
        assert await _health(channel) == SERVING
        stub = search_service_pb2_grpc.SearchServiceStub(channel)
        call = stub.Search(
            flight_request(providers=("duffel",)),
            timeout=10,
            metadata=(("authorization", f"Bearer {key}"),),
        )
        arrivals = await collect(call)

    assert arrivals[-1].kind == "completed"


async def test_a_clear_text_client_cannot_talk_to_a_tls_server(tls_server: GuideraServer) -> None:
    """Without TLS the client gets no answer, only UNAVAILABLE."""
    async with grpc.aio.insecure_channel(tls_server.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _health(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_a_client_not_trusting_the_ca_is_refused(
    tls_server: GuideraServer, certificates: dict[str, Any]
) -> None:
    """The server's certificate does not verify against another CA."""
    stranger: Authority = Authority(certificates["ca"].folder, "other")
    async with _secure(tls_server.address, stranger.pem) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _health(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mtls_accepts_a_client_certificate_from_the_ca(
    mtls_server: GuideraServer, certificates: dict[str, Any]
) -> None:
    """A client with a certificate the CA signed connects."""
    ca: Authority = certificates["ca"]
    async with _secure(mtls_server.address, ca.pem, certificates["client"]) as channel:
        assert await _health(channel) == SERVING


async def test_mtls_refuses_a_client_without_a_certificate(
    mtls_server: GuideraServer, certificates: dict[str, Any]
) -> None:
    """Trusting the server is not enough: no client certificate, no connection."""
    async with _secure(mtls_server.address, certificates["ca"].pem) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _health(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mtls_refuses_a_certificate_from_another_ca(
    mtls_server: GuideraServer, certificates: dict[str, Any]
) -> None:
    """A client certificate signed by a CA the server does not know is refused."""
    ca: Authority = certificates["ca"]
    async with _secure(mtls_server.address, ca.pem, certificates["stranger_client"]) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _health(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_the_cli_connects_with_tls_and_a_client_certificate(
    mtls_server: GuideraServer, certificates: dict[str, Any]
) -> None:
    """`--tls-ca`, `--tls-cert` and `--tls-key` let a CLI command through mutual TLS."""
    client: Issued = certificates["client"]
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "guidera"),
        *("offer", "off_does_not_exist", "--target", f"localhost:{mtls_server.port}"),
        *("--tls-ca", str(certificates["ca"].file)),
        *("--tls-cert", str(client.cert_file), "--tls-key", str(client.key_file)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)

    assert process.returncode == 1
    assert "UNAVAILABLE" not in err.decode()
    assert "INVALID_ARGUMENT" in err.decode() or "NOT_FOUND" in err.decode()
