from pathlib import Path

from infra.config_doc import render


def test_committed_configuration_reference_is_current():
    committed = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    assert committed == render(), "docs/configuration.md is stale: run `ecomart docs --write`"


def test_reference_lists_every_section_and_prod_defaults():
    text = render()
    for section in ("network", "kms", "postgres", "redis", "monitoring", "backup"):
        assert f"## `{section}`" in text
    assert "| `multiAz` |" in text and "`true`" in text
