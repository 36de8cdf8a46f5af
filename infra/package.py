"""``make package``: the Lambda artifact, reproducibly — ``app/`` and ``platform_rules/`` plus the app's pinned
runtime dependencies installed for the Lambda platform (docs/adr/0022-lambda-compute.md).

- What goes in: ``RUNTIME_PACKAGES`` at the versions ``pyproject.toml`` pins, their dependencies at the versions
  this project's virtualenv has (so the artifact runs what the tests ran), binary wheels for the target platform
  only (``--only-binary=:all:``), no bytecode; no test, dev or infrastructure package.
- Deterministic: entries sorted, every timestamp 1980-01-01, permissions normalised, no ``__pycache__``; two builds
  give the same bytes (tested).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from platform_rules import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "lambda"

# Lambda: Python 3.12 on Graviton (arm64). Why: docs/adr/0022-lambda-compute.md.
RUNTIME = LAMBDA_RUNTIME
ARCHITECTURE = LAMBDA_ARCHITECTURE
# What the app imports at run time (uvicorn, mongomock, pulumi... are not in the function).
RUNTIME_PACKAGES = (
    "fastapi",
    "pydantic",
    "mangum",
    "psycopg",
    "psycopg-pool",
    "redis",
    "pymongo",
    "pymongo-auth-aws",
    "PyJWT",
    "cryptography",
    "boto3",
    "yoyo-migrations",
    "jsonschema",
    "swagger-ui-bundle",
    "numpy",
    "tokenizers",
)
# The product-embedding model (app/embeddings.py): WordLlama's token table and tokenizer, copied from the
# wordllama wheel this virtualenv has (pinned in pyproject's dev extras; its wheels are x86_64-only, the two data
# files run anywhere) into app/model/ of the artifact: nothing is downloaded on Lambda.
MODEL_FILES = {"weights": "l2_supercat_256.safetensors", "tokenizers": "l2_supercat_tokenizer_config.json"}
EXTRAS = {"psycopg": "[binary]"}
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): manylinux_2_28 wheels (psycopg-binary 3.3) load
# there. uv's name for each target takes glibc 2.28 and older wheels (manylinux2014 included).
UV_PLATFORMS = {"arm64": "aarch64-manylinux_2_28", "x86_64": "x86_64-manylinux_2_28"}
SOURCES = ("app", "platform_rules")
# Source files that never run on Lambda: app/server.py serves the API with uvicorn (not in the artifact) where no
# API Gateway stands in front of it.
NOT_ON_LAMBDA = ("server.py",)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    architecture: str = ARCHITECTURE
    python: str = RUNTIME.removeprefix("python")

    @property
    def name(self) -> str:
        return f"app-py{self.python.replace('.', '')}-{self.architecture}.zip"


def pinned(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """name (lower case) -> pinned version, from pyproject's dependencies."""
    import tomllib

    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    out = {}
    for d in deps:
        m = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^;\s]+)", d)
        if m:
            out[m.group(1).lower()] = m.group(3)
    return out


def requirements() -> list[str]:
    pins = pinned()
    missing = [p for p in RUNTIME_PACKAGES if p.lower() not in pins]
    if missing:
        raise PackageError(f"pyproject.toml pins no version of {', '.join(missing)}")
    return [f"{p}{EXTRAS.get(p, '')}=={pins[p.lower()]}" for p in RUNTIME_PACKAGES]


@functools.cache
def constraints() -> tuple[str, ...]:
    """This virtualenv's versions: the artifact's transitive dependencies are the ones the tests ran with.

    What ``pip freeze --exclude-editable`` lists (pip's own tools left out, as pip does), read in-process and once
    per process (what is installed does not change under a running program): every synthesis checks the
    artifact's inputs, and a pip subprocess cost 0.5 s of each, parsing every METADATA file 0.2 s."""
    from importlib import metadata

    def editable(dist: metadata.Distribution) -> bool:
        direct = dist.read_text("direct_url.json")
        return bool(direct) and bool(json.loads(direct or "{}").get("dir_info", {}).get("editable"))

    dists = list(metadata.distributions())
    skip = {"pip", "setuptools", "wheel", "distribute"} | {_norm(d.metadata["Name"]) for d in dists if editable(d)}
    found = {_norm(d.metadata["Name"]): f"{d.metadata['Name']}=={d.version}" for d in reversed(dists)}
    return tuple(sorted((line for name, line in found.items() if name not in skip), key=str.lower))


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def build(target: Target = Target(), out_dir: Path = BUILD, quiet: bool = True) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / target.name
    with tempfile.TemporaryDirectory(prefix="ecomart-package-") as tmp:
        site = Path(tmp) / "site"
        reqs, cons = Path(tmp) / "requirements.txt", Path(tmp) / "constraints.txt"
        reqs.write_text("\n".join(requirements()) + "\n")
        cons.write_text("\n".join(c for c in constraints() if not c.lower().startswith("ecomart")) + "\n")
        # uv installs for the target platform as pip did (--platform/--only-binary), in a few seconds where pip took
        # fifteen: every preview of changed sources rebuilds the artifact.
        cmd = [
            sys.executable,
            "-m",
            "uv",
            "pip",
            "install",
            "--no-compile",
            "--target",
            str(site),
            "--python-platform",
            UV_PLATFORMS[target.architecture],
            "--python-version",
            target.python,
            "--only-binary",
            ":all:",
            "-r",
            str(reqs),
            "-c",
            str(cons),
        ]
        if quiet:
            cmd.insert(5, "-q")
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            tail = (res.stderr or res.stdout).strip().splitlines()[-3:]
            raise PackageError(
                "uv could not install the runtime dependencies for "
                f"{target.architecture}/python{target.python}: " + " | ".join(tail)
            )
        for src in SOURCES:
            shutil.copytree(
                ROOT / src, site / src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *NOT_ON_LAMBDA)
            )
        (site / "app" / "model").mkdir(exist_ok=True)
        for path in model_files():
            shutil.copyfile(path, site / "app" / "model" / path.name)
        _zip(site, artifact)
    stamp(artifact).write_text(inputs_digest(target) + "\n")
    return artifact


def model_files() -> list[Path]:
    """The embedding model's files in the installed wordllama package; one line when it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.origin:
        raise PackageError(
            "the embedding model comes from the wordllama wheel (pyproject dev extras, x86_64): "
            "install it (make venv) on an x86_64 machine to build the artifact"
        )
    pkg = Path(spec.origin).parent
    files = [pkg / folder / name for folder, name in MODEL_FILES.items()]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise PackageError(f"wordllama is installed but lacks {', '.join(missing)}")
    return files


def stamp(artifact: Path) -> Path:
    """The sidecar that records which inputs (``inputs_digest``) an artifact was built from."""
    return artifact.with_name(artifact.name + ".inputs")


def shipped(rel: str) -> bool:
    """Whether a file of the installed tree goes into the artifact: not bytecode, not the console scripts pip writes
    to ``bin/`` (nothing runs them on Lambda, and their first line names the building machine's virtualenv), not
    the ``RECORD`` files that list those scripts' hashes: with them the artifact's bytes would depend on the
    checkout's path."""
    parts = rel.split("/")
    return (
        "__pycache__" not in parts
        and not rel.endswith(".pyc")
        and parts[0] != "bin"
        and not (len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "RECORD")
    )


def _zip(root: Path, artifact: Path) -> None:
    files = sorted(
        (p for p in root.rglob("*") if p.is_file() and shipped(p.relative_to(root).as_posix())),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    tmp = artifact.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for path in files:
            rel = path.relative_to(root).as_posix()
            info = zipfile.ZipInfo(rel, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if os.access(path, os.X_OK) and path.suffix in ("", ".so") else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.create_system = 3
            z.writestr(info, path.read_bytes())
    tmp.replace(artifact)


def inputs_digest(target: Target = Target()) -> str:
    """What the artifact is built from: the target, the pinned requirements and every source file's bytes."""
    h = hashlib.sha256(f"{target.name}\n".encode())
    for line in (*requirements(), *constraints()):
        h.update(line.encode() + b"\n")
    for src in SOURCES:
        for path in sorted((ROOT / src).rglob("*")):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and path.suffix != ".pyc"
                and path.name not in NOT_ON_LAMBDA
            ):
                h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def ensure(target: Target = Target(), out_dir: Path = BUILD) -> Path:
    """The artifact for the current sources: reused when it was built from exactly these inputs (a sidecar
    ``.inputs`` file records their digest), rebuilt otherwise, so a preview or deploy never ships stale code.

    Under an exclusive lock on ``<out_dir>/.lock``: concurrent previews (parallel test workers, two CI jobs on one
    runner) build it once and the others wait and reuse it, instead of each running pip."""
    import fcntl

    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / target.name
    recorded = stamp(artifact)
    digest = inputs_digest(target)
    with open(out_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if artifact.exists() and recorded.exists() and recorded.read_text().strip() == digest:
            return artifact
        return build(target, out_dir)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m infra.package", description=(__doc__ or "").split("\n")[0])
    p.add_argument("--architecture", choices=sorted(UV_PLATFORMS), default=ARCHITECTURE)
    p.add_argument("--python", default=RUNTIME.removeprefix("python"), help="e.g. 3.12")
    p.add_argument("--out-dir", default=str(BUILD))
    args = p.parse_args(argv)
    started = time.monotonic()
    try:
        artifact = build(Target(args.architecture, args.python), Path(args.out_dir))
    except PackageError as e:
        print(f"package: {e}", file=sys.stderr)
        return 2
    size = artifact.stat().st_size
    with zipfile.ZipFile(artifact) as z:
        unpacked = sum(i.file_size for i in z.infolist())
        entries = len(z.infolist())
    print(
        f"{os.path.relpath(artifact)}: {size / 1e6:.1f} MB ({unpacked / 1e6:.1f} MB unpacked, {entries} files), "
        f"sha256 {sha256(artifact)}, built in {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
