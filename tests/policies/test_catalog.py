"""docs/compliance.md's catalog is generated from the policies' metadata and the committed file is current."""

from __future__ import annotations

from pathlib import Path

from policies.engine import docs as catalog
from policies.engine.registry import all_policies

DOC = Path(__file__).resolve().parents[2] / "docs" / "compliance.md"


def test_committed_catalog_is_current():
    current = DOC.read_text(encoding="utf-8")
    assert catalog.splice(current, catalog.render()) == current, (
        "docs/compliance.md is stale: run `ecomart docs --write`"
    )


def test_catalog_lists_every_policy_with_what_why_and_remediation():
    text = catalog.render()
    for p in all_policies():
        section = text.split(f"#### {p.name}\n", 1)
        assert len(section) == 2, p.name
        body = section[1].split("#### ", 1)[0]
        for field in (
            "| Severity |",
            "| Frameworks and controls |",
            "| Resource types |",
            "**What.**",
            "**Why.**",
            "**Remediation.**",
        ):
            assert field in body, (p.name, field)


def test_splice_keeps_the_hand_written_header():
    doc = "# Title\n\nhand-written\n\n" + catalog.BEGIN + "\nold\n" + catalog.END + "\n"
    out = catalog.splice(doc, catalog.BEGIN + "\nnew\n" + catalog.END + "\n")
    assert out.startswith("# Title\n\nhand-written\n\n") and "new" in out and "old" not in out


def test_ecomart_docs_reports_stale_files_and_one_write_leaves_none(tmp_path, capsys):
    """A platform_rules change (here: prod's log retention) changes the policy configs and the catalogue that shows
    them; one ``ecomart docs --write`` leaves neither stale (the catalogue is rendered from the generated configs,
    not from the committed files)."""
    import dataclasses
    from unittest import mock

    import platform_rules
    from ecomart.commands.docs import docs, generated

    for rel, text in generated().items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    assert docs(False, tmp_path) == 0
    longer = dataclasses.replace(platform_rules.PROD, log_retention_days=400)
    with (
        mock.patch.dict(platform_rules.ENVIRONMENT_RULES, {"prod": longer}),
        mock.patch.object(platform_rules, "STRICTEST", longer),
    ):
        assert docs(False, tmp_path) == 1
        assert "policies/config/prod.json" in capsys.readouterr().err
        assert docs(True, tmp_path) == 0
        assert docs(False, tmp_path) == 0, "one write must leave nothing stale"
        assert '"minimumDays": 400' in (tmp_path / "policies/config/prod.json").read_text()
        catalogue = (tmp_path / "docs/compliance.md").read_text()
        log_groups = catalogue.split("#### log-group-retention\n", 1)[1].split("#### ", 1)[0]
        assert "prod 400" in log_groups, "the catalogue shows the configs this run generated"
    assert (tmp_path / "docs/compliance.md").read_text().startswith("# ")
