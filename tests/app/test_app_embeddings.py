"""Product embeddings (app/embeddings.py) equal WordLlama's own (its inference class, on its own files: the
weights and tokenizer its wheel ships), without importing wordllama at run time; found where the Lambda artifact
and development keep them; a missing model is one line."""

from __future__ import annotations

import numpy as np
import pytest

from app import embeddings as E

TEXTS = [
    "organic cotton t-shirt",
    "Eco friendly tee",
    "Fairtrade coffee beans, dark roast",
    "bamboo toothbrush with charcoal bristles " * 20,
    "ünïcödé café crème",
    "",
]


def test_vectors_equal_wordllamas_own():
    pytest.importorskip("wordllama", reason="wordllama's x86_64 wheel is the reference (pyproject: x86_64 only)")
    from safetensors.numpy import load_file
    from wordllama.inference import WordLlamaInference
    from wordllama.tokenizers import tokenizer_from_file

    weights, tokenizer = E.model_files()
    ref = WordLlamaInference(load_file(str(weights))["embedding.weight"], tokenizer_from_file(tokenizer.name))
    ours = E.embedder().embed(TEXTS)
    theirs = np.nan_to_num(ref.embed(TEXTS, norm=True))  # wordllama divides the empty text's zeros by 0
    assert ours.shape == (len(TEXTS), E.DIMENSIONS)
    assert np.abs(ours - theirs).max() < 1e-6
    assert np.allclose(np.linalg.norm(ours[:-1], axis=1), 1.0) and not ours[-1].any()


def test_meaning_is_closer_than_words():
    """The reason for the model: a paraphrase sits nearer than an unrelated product with shared filler words."""
    tee, paraphrase, coffee = E.embedder().embed(["organic cotton t-shirt", "eco friendly tee", "dark roast coffee"])
    assert tee @ paraphrase > tee @ coffee


def test_the_model_is_found_in_embeddings_dir_first(tmp_path, monkeypatch):
    weights, tokenizer = E.model_files()
    (tmp_path / E.WEIGHTS_FILE).symlink_to(weights)
    (tmp_path / E.TOKENIZER_FILE).symlink_to(tokenizer)
    monkeypatch.setenv("EMBEDDINGS_DIR", str(tmp_path))
    assert E.model_files() == (tmp_path / E.WEIGHTS_FILE, tmp_path / E.TOKENIZER_FILE)


def test_no_model_anywhere_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_DIR", str(tmp_path))
    monkeypatch.setattr(E, "BUNDLED", tmp_path / "none")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(E.EmbeddingsUnavailable, match=r"l2_supercat_256\.safetensors not found \(looked in: "):
        E.model_files()


def test_product_text_takes_what_a_shopper_would_search_for():
    doc = {
        "name": "Classic Tee",
        "description": "Soft and breathable",
        "categories": ["apparel"],
        "brand": "GreenThread",
        "certifications": [{"name": "GOTS", "valid_until": "2030-01-01"}],
        "attributes": {"material": "organic cotton", "fit": "regular"},
        "price": {"amount_cents": 1999},
    }
    text = E.product_text(doc)
    for word in ("Classic Tee", "breathable", "apparel", "GreenThread", "GOTS", "organic cotton"):
        assert word in text
    assert "1999" not in text
