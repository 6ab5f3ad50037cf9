"""Generates the Python modules and type stubs of protos/ into a folder (``make protos``).

The output is committed under generated/, and a test regenerates it into a temporary folder
to prove that the committed copy matches the contracts.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = ROOT / "protos"


def proto_files() -> list[Path]:
    """Every .proto file of the contracts, in a stable order."""
    return sorted(PROTO_ROOT.rglob("*.proto"))


def generate(out_dir: Path) -> None:
    """Run protoc (from grpcio-tools) with the Python, gRPC and mypy-protobuf plugins."""
    from grpc_tools import protoc

    out_dir.mkdir(parents=True, exist_ok=True)
    well_known = resources.files("grpc_tools") / "_proto"
    bin_dir = Path(sys.executable).parent
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--plugin=protoc-gen-mypy={bin_dir / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={bin_dir / 'protoc-gen-mypy_grpc'}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
        *(str(p.relative_to(PROTO_ROOT)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed; see its messages above")
    for proto in proto_files():
        package = proto.relative_to(PROTO_ROOT).parent
        for level in (package, *package.parents):
            if level != Path("."):
                (out_dir / level / "__init__.py").touch()
    (out_dir / "guidera" / "py.typed").touch()


def main() -> None:
    """Entry point of ``python -m guidera_grpc.protogen OUT_DIR``."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "generated"
    generate(out)


if __name__ == "__main__":
    main()
