"""docs/compliance.md's catalog is generated from the policies' metadata and the committed file is current."""

from __future__ import annotations

from pathlib import Path

from policies import catalog
from policies.registry import all_policies

DOC = Path(__file__).resolve().parents[2] / "docs" / "compliance.md"


def test_committed_catalog_is_current():
    current = DOC.read_text(encoding="utf-8")
    assert catalog.splice(current, catalog.render()) == current, \
        "docs/compliance.md is stale: run .venv/bin/python -m policies.catalog --write docs/compliance.md"


def test_catalog_lists_every_policy_with_what_why_and_remediation():
    text = catalog.render()
    for p in all_policies():
        section = text.split(f"#### {p.name}\n", 1)
        assert len(section) == 2, p.name
        body = section[1].split("#### ", 1)[0]
        for field in ("| Severity |", "| Frameworks and controls |", "| Resource types |", "**What.**", "**Why.**",
                      "**Remediation.**"):
            assert field in body, (p.name, field)


def test_splice_keeps_the_hand_written_header():
    doc = "# Title\n\nhand-written\n\n" + catalog.BEGIN + "\nold\n" + catalog.END + "\n"
    out = catalog.splice(doc, catalog.BEGIN + "\nnew\n" + catalog.END + "\n")
    assert out.startswith("# Title\n\nhand-written\n\n") and "new" in out and "old" not in out


def test_check_mode_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "compliance.md"
    stale.write_text("# header\n")
    assert catalog.main(["--check", str(stale)]) == 1
    assert catalog.main(["--write", str(stale)]) == 0
    assert catalog.main(["--check", str(stale)]) == 0
    assert stale.read_text().startswith("# header\n")
