"""The IAM permissions a stack's deploy needs, derived from its export: for every declared resource, the actions
that creating, updating, reading (refresh) and deleting it take (ecomart/data/resource-actions.json, each entry with
its source), plus the actions AWS documents each of them depends on (policies/data/iam-index.json, from the Service
Authorization Reference), each scoped to the resource's own ARN where the name it was given makes the ARN known
before it exists, else to its resource type in the stack's account and region, and to "*" where the action takes no
resource type. ``ecomart permissions`` prints the document; bootstrap/ attaches it to the deploy roles."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from policies.engine import iam_index

TABLE_PATH = Path(__file__).resolve().parent / "data" / "resource-actions.json"
PHASES = ("create", "update", "delete", "read")
READ_PHASES = ("read",)
MANAGED_POLICY_MAX = 6144  # characters of a customer managed policy (IAM quotas), whitespace excluded
# Room left in each managed policy for what bootstrap/ adds to the deploy role's first one (its deny of the CI path).
BOOTSTRAP_ROOM = 400
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Inputs that name a resource: when the ARN holds one of them, the ARN is known before the resource exists.
NAME_INPUTS = (
    "name",
    "identifier",
    "bucket",
    "functionName",
    "roleName",
    "clusterIdentifier",
    "replicationGroupId",
    "dashboardName",
    "alarmName",
    "userId",
    "userGroupId",
    "namePrefix",
)


class PermissionsError(Exception):
    """A resource type the table does not cover: one line naming it."""


@cache
def _data() -> dict[str, Any]:
    return json.loads(TABLE_PATH.read_text(encoding="utf-8"))


def table() -> dict[str, Any]:
    """Resource type -> its arnType, create/update/delete/read actions and source (or ``atlas: true``)."""
    return _data()["types"]


def provider_actions() -> list[str]:
    """What every AWS program calls besides its resources' CRUD: the provider's credential check and the data
    sources (``provider`` in the table, with its source)."""
    return _data()["provider"]["actions"]


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    phase: str
    urn: str
    # a key the engine assigns its id: granted on the account's keys, held by condition to the aliases it carries
    aliases: tuple[str, ...] = ()


def _service(action: str) -> tuple[str, str]:
    svc, _, name = action.partition(":")
    return svc.lower(), name.lower()


def _pattern(svc: str, rtype: str, region: str, account: str) -> str:
    arn = iam_index.index()[svc]["r"][rtype]
    arn = arn.replace("${Partition}", "aws").replace("${Region}", region).replace("${Account}", account)
    return re.sub(r"\$\{[^}]+\}", "*", arn)


def _stable_arn(entry: dict[str, Any]) -> str | None:
    """The resource's ARN when it holds a name the program chose (so it is the same before and after creation)."""
    outputs, inputs = entry.get("outputs") or {}, entry.get("inputs") or {}
    arn = outputs.get("arn") or inputs.get("arn")
    if not isinstance(arn, str) or not arn.startswith("arn:") or UNKNOWN in arn:
        return None
    names = [v for k in NAME_INPUTS if isinstance(v := inputs.get(k), str) and v and UNKNOWN not in v]
    return arn if any(n in arn for n in names) else None


def dependents(action: str) -> list[str]:
    svc, name = _service(action)
    return iam_index.index().get(svc, {}).get("d", {}).get(name, [])


# Where AWS's documentation fixes the resource an action is granted on more narrowly than its ARN type does.
FIXED_RESOURCES = {
    # IAM User Guide, "Using service-linked roles": they live under the aws-service-role/ path
    "iam:createservicelinkedrole": "arn:aws:iam::{account}:role/aws-service-role/*",
}
# RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager": the managed master user secret's
# name starts with "rds!"; RDS calls Secrets Manager with the deploying identity's permissions.
RDS_MANAGED_SECRET = "arn:aws:secretsmanager:{region}:{account}:secret:rds!*"


def _links(inputs: dict[str, Any]) -> list[str]:
    """The ARNs a resource's inputs hold (the role a function passes, the key a cache encrypts with): resources its
    calls touch besides itself."""
    arns: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str) and v.startswith("arn:") and UNKNOWN not in v:
            arns.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(inputs)
    return arns


# A placeholder of an ARN format and the inputs that fill it besides its own name (``${ParameterGroupName}`` is
# filled by ``parameterGroupName``).
PLACEHOLDER_INPUTS = {
    "ObjectName": ("key", "s3Key"),
    "BucketName": ("bucket", "s3Bucket"),
    "RoleNameWithPath": ("role", "roleName"),
    "FunctionName": ("function", "functionName"),
    "QueueName": ("queueUrl",),
}


def _filled(svc: str, rtype: str, inputs: dict[str, Any], region: str, account: str, own: bool) -> str | None:
    """The type's ARN with the placeholders the resource's inputs name filled in (a policy attachment's role, an
    object's bucket and key, an instance's parameter group), the rest "*"; None when no input fills one, or for
    another type than the resource's own, when one stays unfilled. For its own type a shorter input name also
    fills (``name`` for ``${Name}``, ``role`` for ``${RoleName}``)."""
    filled = unfilled = 0
    by_key: dict[str, Any] = {}
    pending = [inputs]
    while pending:  # top-level inputs first, then nested ones (a signing job's source.s3.bucket)
        level = pending.pop(0)
        for k, v in level.items():
            by_key.setdefault(k.lower(), v)
            if isinstance(v, dict):
                pending.append(v)

    def fill(m: re.Match[str]) -> str:
        nonlocal filled, unfilled
        ph = m.group(1)
        fixed = {"Partition": "aws", "Region": region, "Account": account}
        if ph in fixed:
            return fixed[ph]
        wanted = [ph.lower(), *(k.lower() for k in PLACEHOLDER_INPUTS.get(ph, ()))]
        if own:
            wanted.append(re.sub(r"(namewithpath|name|id)$", "", ph.lower()) or ph.lower())
        for key in wanted:
            value = by_key.get(key)
            if isinstance(value, str) and value.startswith("https://"):
                value = value.rstrip("/").rsplit("/", 1)[-1]  # a queue URL ends in the queue's name
            if isinstance(value, str) and value and UNKNOWN not in value and ":" not in value:
                filled += 1
                return value
        unfilled += 1
        return "*"

    arn = re.sub(r"\$\{([^}]+)\}", fill, iam_index.index()[svc]["r"][rtype])
    # another type's ARN only when the inputs name it whole (an object's bucket and key), never half of it (an
    # access point's object by the key alone would name a build's artifact in every grant)
    return arn if filled and (own or not unfilled) else None


def scope(
    action: str,
    arn_type: str,
    arn: str | None,
    region: str,
    account: str,
    links: list[str] | None = None,
    inputs: dict[str, Any] | None = None,
) -> list[str]:
    """The resources ``action`` is granted on for one resource: its own ARN for its own type when stable; ARNs its
    inputs link to, when of a type the action takes (the role a function passes, the role a policy attaches to);
    else the pattern of each type the action takes; "*" when it takes none."""
    svc, name = _service(action)
    fixed = FIXED_RESOURCES.get(action.lower())
    if fixed:
        return [fixed.format(account=account, region=region)]
    types = iam_index.index()[svc]["a"].get(name, [])
    if not types:
        return ["*"]
    out = []
    known = [t for t in types if t in iam_index.index()[svc]["r"]]
    # a type whose ARN names no service (Backup's recovery points: ${Vendor}) would match every service's ARNs
    literal = [t for t in known if not iam_index.index()[svc]["r"][t].split(":")[2].startswith("${")] or known
    for rtype in literal:
        pattern = _pattern(svc, rtype, region, account)
        if rtype == arn_type and arn and arn.split(":")[2] == svc and _glob(pattern, arn):
            out.append(arn)  # (an ARN of another shape than AWS's for the type would grant nothing)
            continue
        linked = [a for a in links or [] if _glob(pattern, a)]
        if not linked and inputs:
            linked = [f] if (f := _filled(svc, rtype, inputs, region, account, rtype == arn_type)) else []
        out += linked or [pattern]
    return out or ["*"]


def _account(doc: dict[str, Any]) -> str:
    seen: Counter[str] = Counter()
    for e in (doc.get("deployment") or {}).get("resources") or []:
        for v in (e.get("outputs") or {}).values():
            if isinstance(v, str) and v.startswith("arn:aws") and v.count(":") >= 5 and v.split(":")[4].isdigit():
                seen[v.split(":")[4]] += 1
    return seen.most_common(1)[0][0] if seen else "*"


def needs(
    doc: dict[str, Any], region: str, phases: tuple[str, ...] = PHASES, account: str | None = None
) -> tuple[list[Need], list[str]]:
    """Every (action, resource) the export's resources need in ``phases``; and the Atlas resources (managed with
    the Atlas API key, not IAM). ``account`` replaces the export's account id in every ARN (bootstrap/ writes
    ``${Account}`` and fills in the account it deploys to)."""
    found = _account(doc)
    out, atlas = _needs(doc, region, phases, found)
    if out:  # the provider's own calls and the data sources programs use (an export records no invokes)
        out += [Need(a, "*", "read", "provider") for a in provider_actions()]
    if account is None or account == found or found == "*":
        return out, atlas
    return [Need(n.action, n.resource.replace(found, account), n.phase, n.urn, n.aliases) for n in out], atlas


def assigned(doc: dict[str, Any]) -> frozenset[str]:
    """The ids and ARNs the engine assigned (a VPC's ``vpc-…``, a key's id) rather than the program chose: unknown
    before the first deploy, so never a resource to scope a grant to. A resource's id is chosen when one of its
    inputs holds it (a role's name, a bucket's name)."""
    found: set[str] = set()
    for e in (doc.get("deployment") or {}).get("resources") or []:
        inputs = e.get("inputs") or {}
        rid = e.get("id")
        if isinstance(rid, str) and rid and rid not in {v for v in inputs.values() if isinstance(v, str)}:
            found.add(rid)
            arn = (e.get("outputs") or {}).get("arn")
            if isinstance(arn, str) and _stable_arn(e) is None:
                found.add(arn)
    return frozenset(found)


def _needs(doc: dict[str, Any], region: str, phases: tuple[str, ...], account: str) -> tuple[list[Need], list[str]]:
    out: list[Need] = []
    atlas: list[str] = []
    engine = assigned(doc)
    key_aliases: dict[str, tuple[str, ...]] = defaultdict(tuple)
    for e in (doc.get("deployment") or {}).get("resources") or []:
        target = (e.get("inputs") or {}).get("targetKeyId") if e.get("type") == "aws:kms/alias:Alias" else None
        if isinstance(target, str) and isinstance((e.get("inputs") or {}).get("name"), str):
            key_aliases[target.rsplit("/", 1)[-1]] += (e["inputs"]["name"],)
    for e in (doc.get("deployment") or {}).get("resources") or []:
        rtype = str(e.get("type", ""))
        parts = rtype.split(":")
        if e.get("external") or len(parts) != 3 or "/" not in parts[1] or rtype.startswith("pulumi:"):
            continue
        entry = table().get(rtype)
        if entry is None:
            raise PermissionsError(f"{rtype}: no entry in ecomart/data/resource-actions.json (add its actions)")
        if entry.get("atlas"):
            atlas.append(e["urn"])
            continue
        res_region = (e.get("inputs") or {}).get("region")
        res_region = res_region if isinstance(res_region, str) and res_region and UNKNOWN not in res_region else region
        arn = _stable_arn(e)
        links = [a for a in _links(e.get("inputs") or {}) if a not in engine and not any(i in a for i in engine)]
        inputs = {k: v for k, v in (e.get("inputs") or {}).items() if not (isinstance(v, str) and v in engine)}
        own = rtype.split(":")[1].split("/")[0]
        own_service = next((a for p in PHASES for a in entry[p]), "?:").split(":")[0].lower()
        for phase in phases:
            for action in entry[phase]:
                for a in (action, *dependents(action)):
                    resources = scope(a, entry["arnType"], arn, res_region, account, links, inputs)
                    if own == "rds" and a.startswith("secretsmanager:"):
                        resources = [RDS_MANAGED_SECRET.format(region=res_region, account=account)]
                    elif a.lower().startswith("kms:") and own_service != "kms":
                        # keys only as named: the pack forbids decrypting with every key (iam-no-decrypt-all-keys),
                        # and the resource holding the key (an object's kmsKeyId) names it — by its ARN once it
                        # exists, before that by its aliases (kms:ResourceAliases)
                        resources = [r for r in resources if r in links]
                        for key in _links(e.get("inputs") or {}):
                            kid = key.rsplit("/", 1)[-1]
                            if ":key/" in key and key not in links and key_aliases.get(kid):
                                pattern = f"arn:aws:kms:{key.split(':')[3]}:{account}:key/*"
                                out.append(Need(a, pattern, phase, e["urn"], key_aliases[kid]))
                    elif a != action and a.split(":")[0].lower() != own_service:
                        # a dependent action on another service's resource (iam:PassRole, kms:CreateGrant) is needed
                        # for the resources this one names, not for every resource of that type
                        resources = [r for r in resources if r == "*" or r in links or "*" not in r]
                    out += [Need(a, r, phase, e["urn"]) for r in resources]
    return out, atlas


# Actions on data (a key's plaintext, an object's bytes, a secret's value): granted on exactly what needs them.
DATA_ACTIONS = (
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "s3:GetObject*",
    "s3:PutObject*",
    "s3:DeleteObject*",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "ssm:GetParameter*",
)
GLOBAL_SERVICES = frozenset({"iam", "route53", "cloudfront", "organizations", "sts", "s3"})
COLLAPSE_AT = 6  # a service's whole-type patterns in one region and account beyond which "every type" is shorter


def _narrow(resource: str, prefixes: tuple[str, ...]) -> str:
    """A stable ARN as the pattern of the stack's own names of its type (``…:alarm:ecomart-prod-*``): every physical
    name of a stack starts with its prefix (platform_rules.resource_prefix), so the pattern is the stack's and
    shorter than one ARN per resource."""
    for prefix in prefixes:
        i = resource.find(prefix)
        if i > 0 and i + len(prefix) < len(resource):
            return resource[: i + len(prefix) + 1] + "*"
    return resource


def compact(resources: set[str], prefixes: tuple[str, ...]) -> list[str]:
    """The fewest patterns covering ``resources`` without leaving the stack's names, region and account: stable ARNs
    narrowed to the stack's prefix, and a service's many whole-type patterns (EC2 tags take ~100 types) as one."""
    narrowed = {_narrow(r, prefixes) for r in resources}
    whole: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for r in narrowed:
        parts = r.split(":", 5)
        if len(parts) == 6 and parts[3] and parts[4] and re.fullmatch(r"[\w-]+(/\*|:\*)", parts[5]):
            whole[tuple(parts[:5])].add(r)
    for head, group in whole.items():
        if len(group) > COLLAPSE_AT:
            narrowed = (narrowed - group) | {":".join(head) + ":*"}
    patterns = sorted(narrowed, key=lambda r: (r.count("*"), len(r)), reverse=True)
    kept: list[str] = []
    for r in patterns:  # broadest first: drop what a kept pattern already covers
        if not any(_glob(k, r) for k in kept):
            kept.append(r)
    return sorted(kept)


def document(need_list: list[Need], prefixes: tuple[str, ...] = (), regions: tuple[str, ...] = ()) -> dict[str, Any]:
    """One IAM policy document granting ``need_list``: each action on its own resources, compacted (stable ARNs as
    the stack's name patterns, a service's many whole-type patterns as one), actions of a service with the same
    resources in one statement; actions without resource-level permissions on "*", within ``regions`` for
    regional services."""
    by_action: dict[str, set[str]] = defaultdict(set)
    by_alias: dict[tuple[str, ...], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for n in need_list:
        if n.aliases:
            by_alias[tuple(sorted(set(n.aliases)))][0].add(n.action)
            by_alias[tuple(sorted(set(n.aliases)))][1].add(n.resource)
        else:
            by_action[n.action].add(n.resource)
    anywhere = sorted(a for a, rs in by_action.items() if "*" in rs)
    # Per service, the actions granted only on the stack's own resources (its names, concrete ARNs) share one
    # statement on the union of those: an action is only authorized against the ARN types it takes, and every one
    # of them is the stack's. An action that also needs whole types (``db:*``, EC2's ids) keeps exactly its own
    # resources — so rds:DeleteDBInstance never reaches another stack's instance — and so do data actions
    # (DATA_ACTIONS): kms:Decrypt stays on the keys named.
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    union: dict[str, tuple[list[str], set[str]]] = defaultdict(lambda: ([], set()))
    for action, resources in sorted(by_action.items()):
        if "*" in resources:
            continue
        svc = action.split(":")[0]
        own = compact(resources, prefixes)
        stacks_own = all("*" not in r or any(p in r for p in prefixes) for r in own)
        if stacks_own and not any(_glob(d, action) for d in DATA_ACTIONS):
            union[svc][0].append(action)
            union[svc][1].update(own)
        else:
            groups[(svc, tuple(own))].append(action)
    for svc, (actions, resources) in union.items():
        groups[(svc, tuple(compact(resources, prefixes)))] += actions
    statements: list[dict[str, Any]] = []
    global_any = [a for a in anywhere if a.split(":")[0] in GLOBAL_SERVICES or not regions]
    regional_any = [a for a in anywhere if a not in global_any]
    if global_any:
        statements.append({"Sid": "NoResourceLevel", "Effect": "Allow", "Action": global_any, "Resource": "*"})
    if regional_any:
        statements.append(
            {
                "Sid": "NoResourceLevelInRegions",
                "Effect": "Allow",
                "Action": regional_any,
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": sorted(regions)}},
            }
        )
    seen: Counter[str] = Counter()
    for (svc, resources), actions in sorted(groups.items()):
        seen[svc] += 1
        sid = "".join(w.capitalize() for w in re.split(r"[^a-z0-9]+", svc)) + (str(seen[svc]) if seen[svc] > 1 else "")
        statements.append({"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": list(resources)})
    if by_alias:  # the stack's keys that exist only after the deploy: every key, held to the stack's aliases
        actions = sorted({a for acts, _ in by_alias.values() for a in acts})
        resources = sorted({r for _, rs in by_alias.values() for r in rs})
        aliases = sorted({_narrow(f"{a}", prefixes) for names in by_alias for a in names})
        op = "ForAnyValue:StringLike" if any("*" in a for a in aliases) else "ForAnyValue:StringEquals"
        statements.append(
            {
                "Sid": "StackKeysByAlias",
                "Effect": "Allow",
                "Action": actions,
                "Resource": resources,
                "Condition": {op: {"kms:ResourceAliases": aliases}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def split(doc: dict[str, Any], limit: int = MANAGED_POLICY_MAX) -> list[dict[str, Any]]:
    """The document as managed policies of at most ``limit`` characters each (compact JSON): one role takes up to
    10 attached by default."""
    parts: list[list[dict]] = [[]]
    for st in doc["Statement"]:
        trial = {"Version": "2012-10-17", "Statement": [*parts[-1], st]}
        size = len(json.dumps(trial, separators=(",", ":")).replace(ACCOUNT, "123456789012"))  # as deployed
        if parts[-1] and size > limit:
            parts.append([st])
        else:
            parts[-1].append(st)
    return [{"Version": "2012-10-17", "Statement": p} for p in parts if p]


def by_service(need_list: list[Need]) -> dict[str, int]:
    """Distinct actions per service (the closing note's table)."""
    found: dict[str, set[str]] = defaultdict(set)
    for n in need_list:
        found[n.action.split(":")[0]].add(n.action)
    return {k: len(v) for k, v in sorted(found.items())}


# --- evaluating a set of policy documents (the bootstrap roles) against what a stack needs ------------------------


def _glob(pattern: str, value: str) -> bool:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.I) is not None


def _condition_holds(condition: Any, context: dict[str, list[str]]) -> bool:
    """A statement's condition against what ``context`` knows of the request (keys it does not know hold: the
    region, the caller's tags are the request's, not the grant's). String operators, ForAnyValue/ForAllValues."""
    if not isinstance(condition, dict):
        return True
    for op, body in condition.items():
        if not isinstance(body, dict):
            continue
        qualifier, _, base = op.rpartition(":")
        for key, wanted in body.items():
            if key not in context:
                continue
            patterns = [wanted] if isinstance(wanted, str) else list(wanted)
            like = base.startswith("StringLike")
            hits = [any(_glob(p, v) if like else p == v for p in patterns) for v in context[key]]
            ok = all(hits) if qualifier == "ForAllValues" else any(hits)
            if not ok:
                return False
    return True


def allows(
    documents: list[dict[str, Any]], action: str, resource: str, context: dict[str, list[str]] | None = None
) -> bool:
    """Allowed by some Allow statement and denied by no Deny: action and resource wildcards, and conditions on what
    ``context`` knows (a key's ``kms:ResourceAliases``); other condition keys are the request's and count as met."""

    def matches(st: dict[str, Any]) -> bool:
        acts = st.get("Action", [])
        acts = [acts] if isinstance(acts, str) else acts
        res = st.get("Resource", [])
        res = [res] if isinstance(res, str) else res
        # a resource pattern covers the needed one when it matches it (a needed pattern: when it covers it whole)
        return (
            any(_glob(a, action) for a in acts)
            and any(_glob(r, resource) for r in res)
            and _condition_holds(st.get("Condition"), context or {})
        )

    statements = [st for d in documents for st in d.get("Statement", [])]
    if any(st.get("Effect") == "Deny" and matches(st) for st in statements):
        return False
    return any(st.get("Effect") == "Allow" and matches(st) for st in statements)


# --- what ``ecomart permissions`` prints and bootstrap/ attaches ---------------------------------------------------

ACCOUNT = "${Account}"  # the Service Authorization Reference's notation; bootstrap/ fills in its account


@dataclass(frozen=True)
class Derived:
    """A stack's deploy and preview permissions: the needs and the managed policies granting them."""

    deploy: list[Need]
    preview: list[Need]
    atlas: list[str]
    regions: tuple[str, ...]
    deploy_policies: list[dict[str, Any]]
    preview_policies: list[dict[str, Any]]


# Reads the preview (drift) role never gets although a refresh of some resource type calls them: they return data,
# not configuration (the RDS-managed secret's value, decrypted data, the artifact's bytes).
DATA_READS = ("secretsmanager:GetSecretValue", "kms:Decrypt", "kms:GenerateDataKey", "s3:GetObject*")


def _regions(need_list: list[Need], region: str) -> tuple[str, ...]:
    found = {region}
    for n in need_list:
        parts = n.resource.split(":")
        if len(parts) > 3 and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", parts[3]):
            found.add(parts[3])
    return tuple(sorted(found))


def derive(doc: dict[str, Any], region: str, prefixes: tuple[str, ...] = (), account: str | None = None) -> Derived:
    """Everything ``ecomart permissions`` reports for one export."""
    deploy, atlas = needs(doc, region, PHASES, account)
    read, _ = needs(doc, region, READ_PHASES, account)
    preview = [n for n in read if not any(_glob(d, n.action) for d in DATA_READS)]
    regions = _regions(deploy, region)
    return Derived(
        deploy=deploy,
        preview=preview,
        atlas=atlas,
        regions=regions,
        deploy_policies=split(document(deploy, prefixes, regions), MANAGED_POLICY_MAX - BOOTSTRAP_ROOM),
        preview_policies=split(document(preview, prefixes, regions), MANAGED_POLICY_MAX - BOOTSTRAP_ROOM),
    )


def table_rows(need_list: list[Need]) -> list[tuple[str, str, str, str]]:
    """(service, action, phases, resources) rows of the human table, one per action."""
    phases: dict[str, set[str]] = defaultdict(set)
    resources: dict[str, set[str]] = defaultdict(set)
    for n in need_list:
        phases[n.action].add(n.phase)
        resources[n.action].add(n.resource)
    return [
        (
            a.split(":")[0],
            a,
            ",".join(p for p in PHASES if p in phases[a]),
            "*" if "*" in resources[a] else f"{len(resources[a])} ARN(s)",
        )
        for a in sorted(phases)
    ]
