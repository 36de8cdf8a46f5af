"""stack-monthly-budget: the stack priced as `ecomart cost` prices it, held to the budget its config sets; no budget
(the default, and the portable profile) judges nothing; a preview's unknown inputs are not priced, never guessed."""

from __future__ import annotations

import json

import pytest

from policies.engine.checker import check_export
from policies.engine.registry import stack_policies
from pricing import Resource, estimate, parse, resources_of_export
from tests.policies.stack_cases import _as_preview, compliant_stack, find, set_prop

POLICY = [p for p in stack_policies() if p.name == "stack-monthly-budget"]
USAGE = {"cognito": {"monthly_active_users": 0}, "s3": {"stored_gb": 1000}}


def _config(tmp_path, budget: float, level: str = "mandatory", usage: dict | None = None):
    path = tmp_path / f"budget-{budget}-{level}.json"
    entry = {
        "enforcementLevel": level,
        "monthlyBudgetUsd": budget,
        "region": "us-east-1",
        "usage": USAGE if usage is None else usage,
    }
    path.write_text(json.dumps({"all": "mandatory", "stack-monthly-budget": entry}))
    return path


def _cost(doc: dict) -> float:
    return estimate(resources_of_export(doc), "us-east-1", parse(USAGE)).total


def run(doc, config):
    return check_export(doc, stack="prod", config_file=config, policies=POLICY).violations


def test_the_fixture_stack_within_its_budget_passes_and_a_cent_under_fails(tmp_path):
    doc = compliant_stack()
    total = _cost(doc)
    assert total > 0
    assert run(doc, _config(tmp_path, round(total, 2) + 0.01)) == []
    (v,) = run(doc, _config(tmp_path, round(total, 2) - 0.01))
    assert v.enforcement == "mandatory" and f"${total:,.2f} a month" in v.message and "exceeds" in v.message


def test_the_usage_file_counts_toward_the_budget(tmp_path):
    doc = compliant_stack()
    fixed = estimate(resources_of_export(doc), "us-east-1").total
    budget = fixed + 1  # the fixed costs fit; 1,000 GB in S3 do not
    assert run(doc, _config(tmp_path, budget, usage={})) == []
    assert run(doc, _config(tmp_path, budget))


def test_a_bigger_instance_class_breaks_the_budget(tmp_path):
    doc = compliant_stack()
    config = _config(tmp_path, round(_cost(doc), 2) + 1)
    assert run(doc, config) == []
    writer = find(doc, "pg-writer")["inputs"]
    set_prop(
        doc,
        "pg-writer",
        "instanceClass",
        "db.r6g.2xlarge" if writer.get("instanceClass") != "db.r6g.2xlarge" else "db.r7g.xlarge",
    )
    assert run(doc, config)


def test_advisory_budgets_report_without_blocking_and_no_budget_judges_nothing(tmp_path):
    doc = compliant_stack()
    (v,) = run(doc, _config(tmp_path, 1, level="advisory"))
    assert v.enforcement == "advisory"
    assert run(doc, _config(tmp_path, 0)) == []
    assert check_export(doc, stack="prod", config_file=None, policies=POLICY).violations == []  # default: 0


def test_unknown_inputs_in_a_preview_are_not_priced_not_guessed(tmp_path):
    preview = _as_preview(compliant_stack())
    est = estimate(resources_of_export(preview), "us-east-1")
    assert est.total <= _cost(compliant_stack())
    assert run(preview, _config(tmp_path, round(_cost(compliant_stack()), 2) + 1)) == []


@pytest.mark.parametrize("usage", [{"s3": {"stored_gb": -1}}, {"nope": {}}])
def test_a_bad_usage_in_the_config_is_a_finding_that_says_why(tmp_path, usage):
    (v,) = run(compliant_stack(), _config(tmp_path, 100, usage=usage))
    assert v.message.startswith("cannot price the stack:")


def test_the_policy_prices_what_resources_say_not_their_names():
    r = Resource("urn:pulumi:s::p::aws:kms/key:Key::k", "aws:kms/key:Key", {})
    assert (
        estimate([r], "us-east-1").total
        == estimate([Resource(r.urn.replace("::k", "::other"), r.type, {})], "us-east-1").total
    )
