"""Product embeddings for semantic search (issue 26): WordLlama's static 256-dimension embeddings (the
``l2_supercat_256`` token table and its tokenizer, which the ``wordllama`` wheel ships: nothing is downloaded at
run time), computed as WordLlama computes them — tokens looked up in the table, averaged, L2-normalized — with
numpy and ``tokenizers`` only.

Why not import wordllama itself: its 0.4 wheels are x86_64-only (compiled helpers this needs none of), and the
functions run on arm64 Graviton. The two model files are read from ``EMBEDDINGS_DIR`` when set (the Lambda
artifact carries them under ``app/model/``, copied from the wordllama wheel at build time: infra/package.py), else
from the installed wordllama package (development and CI). ``tests/app/test_app_embeddings.py`` holds the vectors
equal to wordllama's own.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from platform_rules import EMBEDDING_DIMENSIONS

WEIGHTS_FILE = "l2_supercat_256.safetensors"
TOKENIZER_FILE = "l2_supercat_tokenizer_config.json"
DIMENSIONS = EMBEDDING_DIMENSIONS
BUNDLED = Path(__file__).with_name("model")  # the Lambda artifact's copy


class EmbeddingsUnavailable(RuntimeError):
    """The model files are nowhere to be found: one line saying where they were looked for."""


def model_files() -> tuple[Path, Path]:
    """(weights, tokenizer): EMBEDDINGS_DIR, else app/model/, else the installed wordllama package."""
    places: list[tuple[Path, Path]] = []
    if os.environ.get("EMBEDDINGS_DIR"):
        d = Path(os.environ["EMBEDDINGS_DIR"])
        places.append((d / WEIGHTS_FILE, d / TOKENIZER_FILE))
    places.append((BUNDLED / WEIGHTS_FILE, BUNDLED / TOKENIZER_FILE))
    try:
        import importlib.util

        spec = importlib.util.find_spec("wordllama")
        if spec is not None and spec.origin:
            pkg = Path(spec.origin).parent
            places.append((pkg / "weights" / WEIGHTS_FILE, pkg / "tokenizers" / TOKENIZER_FILE))
    except (ImportError, ValueError):
        pass
    for weights, tokenizer in places:
        if weights.is_file() and tokenizer.is_file():
            return weights, tokenizer
    looked = ", ".join(str(w.parent) for w, _ in places)
    raise EmbeddingsUnavailable(f"embedding model {WEIGHTS_FILE} not found (looked in: {looked}; set EMBEDDINGS_DIR)")


def _read_safetensors(path: Path, key: str = "embedding.weight") -> Any:
    """One float32 tensor of a safetensors file (an 8-byte header length, a JSON header, raw little-endian data)."""
    import numpy as np

    with path.open("rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        meta = header[key]
        if meta["dtype"] not in ("F32", "F16"):
            raise EmbeddingsUnavailable(f"{path.name}: {key} is {meta['dtype']}, expected F32 or F16")
        start, end = meta["data_offsets"]
        f.seek(8 + n + start)
        raw = f.read(end - start)
    dtype = np.float32 if meta["dtype"] == "F32" else np.float16
    return np.frombuffer(raw, dtype=dtype).reshape(meta["shape"]).astype(np.float32)


@dataclass
class Embedder:
    table: Any  # (vocabulary, DIMENSIONS) float32
    tokenizer: Any

    def embed(self, texts: list[str]) -> Any:
        """(len(texts), DIMENSIONS) float32, each row of length 1 (an empty text: zeros)."""
        import numpy as np

        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            ids = np.clip(np.asarray(enc.ids, dtype=np.int64), 0, self.table.shape[0] - 1)
            if len(ids):
                v = self.table[ids].mean(axis=0, dtype=np.float32)
                norm = float(np.linalg.norm(v))
                out[i] = v / norm if norm else v
        return out

    def embed_one(self, text: str) -> list[float]:
        return [float(x) for x in self.embed([text])[0]]


@cache
def embedder() -> Embedder:
    """The process's embedder (the table is 16 MB: loaded once)."""
    from tokenizers import Tokenizer

    weights, tokenizer_file = model_files()
    table = _read_safetensors(weights)
    if table.shape[1] != DIMENSIONS:
        raise EmbeddingsUnavailable(f"{weights.name}: {table.shape[1]} dimensions, expected {DIMENSIONS}")
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return Embedder(table, tokenizer)


def product_text(doc: dict[str, Any]) -> str:
    """What a product's embedding is computed from: its name, description, categories, brand, materials,
    certifications and its attributes' values (the words a shopper might use for it)."""
    parts: list[str] = [str(doc.get("name", "")), str(doc.get("description", ""))]
    for key in ("categories", "tags", "materials"):
        value = doc.get(key)
        if isinstance(value, list):
            parts += [str(v) for v in value]
    for key in ("brand", "type", "subcategory"):
        if isinstance(doc.get(key), str):
            parts.append(doc[key])
    for cert in doc.get("certifications") or []:
        if isinstance(cert, dict) and cert.get("name"):
            parts.append(str(cert["name"]))
    attrs = doc.get("attributes") or doc.get("specs") or {}
    if isinstance(attrs, dict):
        parts += [f"{k} {v}" for k, v in attrs.items() if isinstance(v, (str, int, float))]
    return " ".join(p for p in parts if p).strip()
