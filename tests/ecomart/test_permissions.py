"""``ecomart permissions`` and the CI roles bootstrap/ builds from it: every resource type we deploy has its actions,
each action is AWS's, and the roles bootstrap/ attaches allow every (action, resource) deploying and refreshing dev
and prod needs — evaluated statement by statement (Allow/Deny, action wildcards, ARN patterns) — while a deploy role
can never rewrite itself and the drift role reads no data."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from ecomart import permissions as P
from ecomart.synthesis import synthesize_program
from policies.engine import iam_index

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"  # the mock engine's account
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/Pulumi.yaml"))


@pytest.fixture(scope="module")
def bootstrap():
    return synthesize_program(ROOT / "bootstrap")


@cache
def _derived(stack: str):
    from ecomart.synthesis import synthesize

    return P.derive(synthesize(stack).export(), "us-east-1", (f"ecomart-{stack}", f"ecomart_{stack}"), ACCOUNT)


def _attached(bootstrap, stack: str, kind: str) -> list[dict]:
    """The managed policies bootstrap/ attaches to one CI role, as deployed (account filled in)."""
    docs = [
        json.loads(r.inputs["policy"])
        for r in bootstrap.resources
        if r.type == "aws:iam/policy:Policy" and r.inputs["name"].startswith(f"ecomart-{stack}-{kind}-")
    ]
    assert docs, f"no managed policy for {stack} {kind}"
    return docs


# --- the table -----------------------------------------------------------------------------------------------------


def _types(export: dict) -> set[str]:
    return {
        e["type"]
        for e in export["deployment"]["resources"]
        if e["type"].count(":") == 2 and not e["type"].startswith("pulumi:") and "/" in e["type"].split(":")[1]
    }


def test_every_type_of_both_stacks_bootstrap_and_every_example_has_an_entry(dev, prod, bootstrap):
    types = _types(dev.export()) | _types(prod.export()) | _types(bootstrap.export())
    for d in EXAMPLES:
        types |= _types(synthesize_program(d).export())
    missing = sorted(types - set(P.table()))
    assert missing == [], f"add these to ecomart/data/resource-actions.json: {missing}"
    assert len(types) >= 80


def test_every_action_in_the_table_is_awss_and_every_entry_says_where_it_comes_from():
    for rtype, entry in P.table().items():
        assert entry.get("source"), rtype
        if entry.get("atlas"):
            assert rtype.startswith("mongodbatlas:"), rtype
            continue
        svc = next(a for ph in P.PHASES for a in entry[ph]).split(":")[0]
        # "" for a resource with no ARN type of its own (a CloudWatch Logs resource policy)
        assert entry["arnType"] in iam_index.index()[svc]["r"] or entry["arnType"] == "", (rtype, entry["arnType"])
        for phase in P.PHASES:
            for action in entry[phase]:
                assert iam_index.actions_matching(action), f"{rtype} {phase}: {action} is not an IAM action"
    for action in P.provider_actions():
        assert iam_index.actions_matching(action), action


def test_a_type_without_an_entry_is_one_line_naming_it():
    export = {
        "deployment": {
            "resources": [{"urn": "urn:pulumi:s::p::aws:eks/cluster:Cluster::c", "type": "aws:eks/cluster:Cluster"}]
        }
    }
    with pytest.raises(
        P.PermissionsError, match=r"^aws:eks/cluster:Cluster: no entry in ecomart/data/resource-actions"
    ):
        P.needs(export, "us-east-1")


# --- what the derivation finds (the deploy failures issue 24 listed, each a need now) ------------------------------


@pytest.mark.parametrize(
    "action,resource",
    [
        ("rds:CreateDBProxy", "*"),
        ("rds:RegisterDBProxyTargets", "arn:aws:rds:us-east-1:123456789012:target-group:*"),
        ("rds:CreateEventSubscription", "arn:aws:rds:us-east-1:123456789012:es:ecomart-prod-*"),
        ("logs:CreateLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/ecomart-prod-api"),
        ("logs:CreateLogDelivery", "*"),
        ("logs:PutResourcePolicy", "*"),
        ("vpce:AllowMultiRegion", "arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/*"),
        ("iam:ListInstanceProfilesForRole", "arn:aws:iam::123456789012:role/ecomart-prod-api"),
        ("lambda:CreateFunction", "arn:aws:lambda:us-east-1:123456789012:function:ecomart-prod-api"),
        ("cognito-idp:CreateUserPool", "*"),
        (
            "scheduler:CreateSchedule",
            "arn:aws:scheduler:us-east-1:123456789012:schedule/default/ecomart-prod-outbox-relay-1",
        ),
        ("sqs:CreateQueue", "arn:aws:sqs:us-east-1:123456789012:ecomart-prod-queued-orders"),
        ("ssm:PutParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/ecomart-prod/orders/read-only"),
        ("fis:CreateExperimentTemplate", "arn:aws:fis:us-east-1:123456789012:experiment-template/*"),
        ("signer:PutSigningProfile", "*"),
        ("s3:CreateBucket", "arn:aws:s3:::ecomart-prod-access-logs-123456789012"),
        ("apigateway:POST", "arn:aws:apigateway:us-east-1::/apis"),
    ],
)
def test_prod_needs_what_the_review_found_denied_and_bootstrap_allows_it(bootstrap, action, resource):
    derived = _derived("prod")
    assert any(P._glob(n.resource, resource) or n.resource == resource for n in derived.deploy if n.action == action), (
        f"{action} on {resource} is not derived"
    )
    assert P.allows(_attached(bootstrap, "prod", "deploy"), action, resource)


def test_the_artifact_upload_key_is_held_to_the_stacks_aliases_never_every_key(bootstrap):
    """kms:GenerateDataKey for the SSE-KMS artifact upload: the key exists only after the deploy, so the grant names
    it by alias (kms:ResourceAliases, AWS KMS's ABAC) — a key of the account without the stack's alias is denied."""
    derived = _derived("prod")
    upload = [n for n in derived.deploy if n.action == "kms:GenerateDataKey"]
    assert upload and all(n.aliases for n in upload)
    assert any(a.startswith("alias/ecomart-prod/") for n in upload for a in n.aliases)
    docs = _attached(bootstrap, "prod", "deploy")
    for n in upload:
        assert P.allows(docs, n.action, n.resource, {"kms:ResourceAliases": list(n.aliases)})
    other = "arn:aws:kms:us-east-1:123456789012:key/someone-elses"
    assert not P.allows(docs, "kms:Decrypt", other, {"kms:ResourceAliases": ["alias/payments/vault"]})
    assert not P.allows(docs, "kms:Decrypt", other, {"kms:ResourceAliases": ["alias/ecomart-dev/artifacts"]})


# --- the evaluation: bootstrap's roles against everything dev and prod need ------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_bootstrap_deploy_role_denies_nothing_the_stack_needs(bootstrap, stack):
    docs = _attached(bootstrap, stack, "deploy")
    needs = {(n.action, n.resource, n.aliases) for n in _derived(stack).deploy}
    denied = sorted((a, r) for a, r, al in needs if not P.allows(docs, a, r, {"kms:ResourceAliases": list(al)}))
    assert denied == [], f"{len(denied)} of {len(needs)} denied, e.g. {denied[:5]}"
    assert len({a for a, _, _ in needs}) > 300


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_bootstrap_preview_role_refreshes_everything_and_reads_no_data(bootstrap, stack):
    docs = _attached(bootstrap, stack, "preview")
    needs = {(n.action, n.resource) for n in _derived(stack).preview}
    assert [p for p in needs if not P.allows(docs, *p)] == []
    actions = {a for d in docs for st in d["Statement"] for a in st["Action"]}
    assert all(a.split(":")[1].startswith(("Describe", "List", "Get", "Head", "GET")) for a in actions), actions
    for data in ("secretsmanager:GetSecretValue", "kms:Decrypt", "s3:GetObject", "kms:GenerateDataKey"):
        assert not any(
            P.allows(docs, data, r)
            for r in ("*", "arn:aws:s3:::ecomart-prod-x/y", "arn:aws:kms:us-east-1:123456789012:key/k")
        )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_deploy_role_cannot_rewrite_itself_or_reach_the_other_stack(bootstrap, stack):
    docs = _attached(bootstrap, stack, "deploy")
    me = f"arn:aws:iam::123456789012:role/ci/ecomart-{stack}-deploy"
    mine = f"arn:aws:iam::123456789012:policy/ci/ecomart-{stack}-deploy-1"
    for action, resource in [
        ("iam:PutRolePolicy", me),
        ("iam:AttachRolePolicy", me),
        ("iam:UpdateAssumeRolePolicy", me),
        ("iam:CreatePolicyVersion", mine),
        ("iam:PassRole", me),
    ]:
        assert not P.allows(docs, action, resource), (action, resource)
    assert P.allows(docs, "iam:PutRolePolicy", f"arn:aws:iam::123456789012:role/ecomart-{stack}-api")
    other = "prod" if stack == "dev" else "dev"
    assert f"ecomart-{other}" not in json.dumps(docs)
    assert not P.allows(docs, "rds:DeleteDBInstance", f"arn:aws:rds:us-east-1:123456789012:db:ecomart-{other}-pg")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_policy_fits_iams_quotas(bootstrap, stack):
    for kind in ("deploy", "preview"):
        docs = [
            r.inputs["policy"]
            for r in bootstrap.resources
            if r.type == "aws:iam/policy:Policy" and r.inputs["name"].startswith(f"ecomart-{stack}-{kind}-")
        ]
        assert 1 <= len(docs) <= 10, "a role takes 10 managed policies by default"
        assert all(len("".join(d.split())) <= P.MANAGED_POLICY_MAX for d in docs), [len(d) for d in docs]


def test_regional_actions_without_resource_level_permissions_stay_in_the_stacks_regions():
    for stack in ("dev", "prod"):
        doc = _derived(stack).deploy_policies
        anywhere = [st for d in doc for st in d["Statement"] if st["Resource"] == "*"]
        regional = [st for st in anywhere if st["Sid"] == "NoResourceLevelInRegions"]
        assert regional and regional[0]["Condition"] == {
            "StringEquals": {"aws:RequestedRegion": list(_derived(stack).regions)}
        }
        assert all(a.split(":")[0] in P.GLOBAL_SERVICES for st in anywhere if st not in regional for a in st["Action"])


# --- the evaluator itself -----------------------------------------------------------------------------------------


def test_allows_evaluates_deny_over_allow_wildcards_and_arn_patterns():
    docs = [
        {
            "Statement": [
                {"Effect": "Allow", "Action": "rds:*", "Resource": "arn:aws:rds:*:1:db:ecomart-prod-*"},
                {"Effect": "Allow", "Action": ["logs:Describe*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "rds:DeleteDBInstance", "Resource": "*"},
            ]
        }
    ]
    assert P.allows(docs, "rds:CreateDBInstance", "arn:aws:rds:us-east-1:1:db:ecomart-prod-pg")
    assert not P.allows(docs, "rds:CreateDBProxy", "arn:aws:rds:us-east-1:1:db-proxy:ecomart-prod-proxy")
    assert not P.allows(docs, "rds:DeleteDBInstance", "arn:aws:rds:us-east-1:1:db:ecomart-prod-pg")
    assert P.allows(docs, "logs:DescribeLogGroups", "*")
    assert not P.allows(docs, "logs:CreateLogGroup", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/x")


def test_the_hand_listed_bootstrap_this_replaces_denied_most_of_prod():
    """The measurement behind issue 24: the previous hand-written deploy policy (12 services) against prod's needs."""
    old = json.loads((Path(__file__).parent / "data" / "bootstrap-deploy-before.json").read_text())
    needs = {(n.action, n.resource) for n in _derived("prod").deploy}
    denied = {a for a, r in needs if not P.allows([old], a, r)}
    assert {"lambda:CreateFunction", "rds:CreateDBProxy", "vpce:AllowMultiRegion", "logs:CreateLogDelivery"} <= denied
    assert len(denied) > 150  # 187 of 349 actions when measured (ADR 0027)


# --- the command --------------------------------------------------------------------------------------------------


def test_cli_prints_attachable_documents_and_a_table(capsys, tmp_path, prod):
    from ecomart.cli import main

    export = tmp_path / "prod.json"
    export.write_text(json.dumps(prod.export()))
    assert main(["permissions", "--export", str(export), "--stack", "prod"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["role"] == "deploy" and len(doc["policies"]) >= 2
    for policy in doc["policies"]:
        assert policy["Version"] == "2012-10-17" and all(st["Effect"] == "Allow" for st in policy["Statement"])
    assert main(["permissions", "--export", str(export), "--format", "table", "--role", "preview"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("action") and "rds:DescribeDBInstances" in table and "rds:CreateDBInstance" not in table


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--stack", "nope"], "--stack nope: no Pulumi.nope.yaml"),
        (["--export", "/nonexistent.json"], "/nonexistent.json: cannot read"),
        ([], "give one of --stack NAME, --export FILE or --program DIR"),
        (["--export", "x.json", "--write"], "--write takes --stack NAME alone"),
    ],
)
def test_bad_input_is_one_line(capsys, argv, message):
    from ecomart.cli import main

    assert main(["permissions", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_the_committed_bootstrap_files_hold_no_account():
    from ecomart.commands.permissions import BOOTSTRAP_DIR, stacks

    assert stacks() == ["dev", "prod"]
    for stack in stacks():
        text = (BOOTSTRAP_DIR / f"{stack}.json").read_text()
        assert ACCOUNT not in text and "${Account}" in text  # (current: tests/policies/test_catalog.py)
        # nothing of a build in them (an artifact's key changes with every app change: the file would go stale)
        assert ".zip" not in text and "signed/" not in text
