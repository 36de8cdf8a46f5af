"""`make package`: the Lambda artifact is reproducible, holds only the runtime (for the Lambda platform), and the
same recipe built for this machine serves /health through a Lambda event with nothing but the artifact on the
path (no virtualenv)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

from infra.package import RUNTIME_PACKAGES, Target, build, constraints, ensure, requirements, sha256

HOST = Target(
    architecture="x86_64" if __import__("platform").machine() == "x86_64" else "arm64",
    python=f"{sys.version_info.major}.{sys.version_info.minor}",
)


@pytest.fixture(scope="module")
def lambda_artifact():
    return ensure(Target())  # the shared build/ artifact, built once per run under its lock


def test_two_builds_give_the_same_bytes(lambda_artifact, tmp_path):
    again = build(Target(), tmp_path)
    assert sha256(again) == sha256(lambda_artifact)
    with zipfile.ZipFile(lambda_artifact) as z:
        infos = z.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


# What runs on Lambda, and only that: the API and its routes, the functions' handlers and what they use.
LAMBDA_APP_MODULES = {
    "__init__",
    "api",
    "auth",
    "catalog",
    "db",
    "deps",
    "embeddings",
    "errors",
    "http",
    "iam_auth",
    "lambda_handler",
    "mongo",
    "orders",
    "privacy",
    "public_ids",
    "read_only",
    "recommendations",
    "redis_stores",
    "relay",
    "schemas",
    "search",
    "services",
    "settings",
    "relationships",
    "timeseries",
    "routers/__init__",
    "routers/backoffice",
    "routers/carts",
    "routers/health",
    "routers/orders",
    "routers/products",
    "routers/recommendations",
}


def test_the_app_in_the_artifact_is_exactly_what_runs_on_lambda(lambda_artifact):
    """No local tooling (devtools/), no worker command lines (workers/), no console scripts or build paths."""
    with zipfile.ZipFile(lambda_artifact) as z:
        names = z.namelist()
    modules = {n[len("app/") : -len(".py")] for n in names if n.startswith("app/") and n.endswith(".py")}
    assert modules == LAMBDA_APP_MODULES
    assert {n.split("/")[0] for n in names} & {"devtools", "workers", "bin"} == set()
    assert not [n for n in names if n.endswith(".dist-info/RECORD")]


def test_the_artifact_does_not_depend_on_where_it_was_built(lambda_artifact):
    """No byte names the building machine: its virtualenv (pip's console scripts carry it in their first line, and
    the RECORD files their hashes) or the checkout path. Two checkouts then build the same bytes."""
    from infra import package

    marks = [sys.prefix.encode(), str(package.ROOT).encode()]
    with zipfile.ZipFile(lambda_artifact) as z:
        leaking = [n for n in z.namelist() if any(m in z.read(n) for m in marks)]
    assert leaking == []


def test_artifact_holds_the_runtime_and_nothing_of_dev_or_infra(lambda_artifact):
    with zipfile.ZipFile(lambda_artifact) as z:
        names = z.namelist()
        tops = {n.split("/")[0] for n in names}
        elf = [z.read(n)[:20] for n in names if n.endswith(".so")]
    assert "app/lambda_handler.py" in names and "platform_rules/__init__.py" in names
    assert {
        "app",
        "platform_rules",
        "fastapi",
        "mangum",
        "psycopg",
        "psycopg_binary",
        "redis",
        "pymongo",
        "jwt",
        "cryptography",
        "yoyo",
        "jsonschema",
    } <= tops
    for dev in (
        "pulumi",
        "pulumi_aws",
        "pytest",
        "moto",
        "uvicorn",
        "mongomock",
        "schemathesis",
        "tests",
        "infra",
        "policies",
        "components",
    ):
        assert dev not in tops, dev
    # native extensions are Linux ELF for arm64 (e_machine 183 = EM_AARCH64)
    assert elf and all(h[:4] == b"\x7fELF" and int.from_bytes(h[18:20], "little") == 183 for h in elf)
    assert len(requirements()) == len(RUNTIME_PACKAGES) and all("==" in r for r in requirements())


@pytest.mark.long(seconds=13)
def test_the_recipe_built_for_this_machine_serves_health_from_the_artifact_alone(tmp_path):
    artifact = build(HOST, tmp_path / "host")
    root = tmp_path / "unpacked"
    with zipfile.ZipFile(artifact) as z:
        z.extractall(root)
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/health",
        "rawQueryString": "",
        "headers": {"host": "x.execute-api.us-east-1.amazonaws.com"},
        "requestContext": {
            "http": {
                "method": "GET",
                "path": "/health",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "t",
            },
            "stage": "$default",
            "requestId": "r",
            "accountId": "123456789012",
            "apiId": "x",
            "domainName": "x",
            "domainPrefix": "x",
            "time": "",
            "timeEpoch": 0,
        },
        "isBase64Encoded": False,
    }
    script = (
        "import json, sys, time; t = time.perf_counter(); from app.lambda_handler import handler; "
        "imported = time.perf_counter() - t; r = handler(json.loads(sys.argv[1]), None); "
        "print(json.dumps({'status': r['statusCode'], 'body': json.loads(r['body']), 'import_s': imported, "
        "'paths': [p for p in sys.path if 'site-packages' in p]}))"
    )
    # -S: no site-packages at all (not this virtualenv's, not the system's): only the artifact and the stdlib.
    env = {
        "PYTHONPATH": str(root),
        "MONGODB_URI": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PATH": "/usr/bin:/bin",
    }
    res = subprocess.run(
        [sys.executable, "-S", "-c", script, json.dumps(event)], capture_output=True, text=True, env=env, timeout=120
    )
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["paths"] == []
    assert out["status"] in (200, 503) and set(out["body"]["stores"]) == {"postgresql", "redis", "mongodb"}
    print(f"handler import {out['import_s'] * 1000:.0f} ms")


def test_constraints_are_what_pip_freeze_lists():
    """constraints() reads the installed distributions in-process (a pip subprocess cost 0.5 s per synthesis):
    it must pin exactly what ``pip freeze --exclude-editable`` pins, or the artifact's transitive dependencies
    would drift from the ones the tests ran with."""
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True, text=True, check=True
    ).stdout
    expected = sorted((ln for ln in frozen.splitlines() if "==" in ln), key=str.lower)
    canon = lambda ln: ln.lower().replace("_", "-").replace(".", "-")  # noqa: E731 - pip prints names as registered
    assert [canon(c) for c in constraints()] == [canon(e) for e in expected]


def test_the_input_digest_follows_every_source_byte_not_just_file_names(tmp_path, monkeypatch):
    """``ensure`` reuses the artifact when this digest is unchanged: a digest of file names alone would deploy a
    stale artifact after a code change (that mutation passed every test before)."""
    import shutil

    from infra import package

    for src in package.SOURCES:
        shutil.copytree(package.ROOT / src, tmp_path / src, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(package, "ROOT", tmp_path)
    before = package.inputs_digest()
    handler = tmp_path / "app" / "lambda_handler.py"
    handler.write_text(handler.read_text() + "\n# one more line\n")
    changed = package.inputs_digest()
    assert changed != before
    (tmp_path / "app" / "server.py").write_text("# not on Lambda: not an input of the artifact\n")
    assert package.inputs_digest() == changed
    (tmp_path / "platform_rules" / "extra.py").write_text("X = 1\n")
    assert package.inputs_digest() != changed


def test_the_embedding_model_and_its_arm64_runtime_travel_in_the_artifact(lambda_artifact):
    """ADR 0030: the model's two files, byte for byte the wordllama wheel's, under app/model/ (where
    app/embeddings.py looks first on Lambda), and numpy and tokenizers built for the functions' arm64."""
    from infra.package import model_files

    with zipfile.ZipFile(lambda_artifact) as z:
        names = set(z.namelist())
        for path in model_files():
            assert z.read(f"app/model/{path.name}") == path.read_bytes()
        assert any(n.startswith("numpy/_core/_multiarray_umath") and "aarch64" in n for n in names)
        assert "tokenizers/tokenizers.abi3.so" in names
        unpacked = sum(i.file_size for i in z.infolist())
    assert unpacked < 250 * 2**20, "Lambda's limit for a function's unpacked code"
