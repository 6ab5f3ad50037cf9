"""The committed generated/ code matches protos/: regenerate and compare byte for byte."""

from __future__ import annotations

from pathlib import Path

from guidera_grpc.protogen import ROOT, generate


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_generated_code_is_current(tmp_path: Path) -> None:
    """`make protos` would change nothing; otherwise run it and commit the result."""
    generate(tmp_path)

    committed = _tree(ROOT / "generated")
    fresh = _tree(tmp_path)

    assert sorted(fresh) == sorted(committed), "files differ: run `make protos`"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale generated files, run `make protos`: {stale}"
