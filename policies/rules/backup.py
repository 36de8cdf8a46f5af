"""AWS Backup: vault encryption, plan retention and off-region copies, vault locks and selections.

Neither Pulumi's compliance-ready policies nor checkov look inside a backup plan's rules; these read the
retention and copy actions of every rule.
"""

from __future__ import annotations

import fnmatch
import re

from platform_rules import PROD, policy_defaults
from policies.engine.core import (
    Report,
    Res,
    SRes,
    Stack,
    StackReport,
    absent,
    as_list,
    identity,
    is_true,
    known,
    num,
    resource_policy,
    show,
    stack_policy,
)
from policies.engine.meta import GDPR_CIA, GDPR_ENC, GDPR_RESTORE
from policies.engine.relations import writers
from policies.engine.tokens import (
    BACKUP_PLAN,
    BACKUP_SELECTION,
    BACKUP_VAULT,
    BACKUP_VAULT_LOCK,
    RDS_CLUSTER,
    RDS_INSTANCE,
)

_ARN_REGION = re.compile(r"^arn:[^:]+:backup:([a-z0-9-]+):")


@resource_policy(
    "backup-vault-cmk",
    house_rule=True,
    types=(BACKUP_VAULT,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, "pci-3-6-1"),
    description="Backup vaults encrypt recovery points with a customer-managed key.",
    why="Recovery points are complete copies of the databases; with our key, access to them is governed (and "
    "revocable) by its key policy. A vault without one still encrypts (the AWS-managed aws/backup key), so FSBP "
    "Backup.1 does not ask for it: this is the house rule.",
    remediation="Set `kms_key_arn=<backups CMK ARN>` on `aws.backup.Vault`.",
    checks=("kmsKeyArn",),
)
def backup_vault_cmk(r: Res, report: Report) -> None:
    if absent(r.get("kmsKeyArn")):
        report("kmsKeyArn is not set: recovery points would use the AWS-managed backup key")


@resource_policy(
    "backup-vault-no-force-destroy",
    defaults={"forceDestroy": False},
    types=(BACKUP_VAULT,),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Backup vaults are never force-destroyed with their recovery points.",
    why="`force_destroy` deletes every recovery point when the vault is removed: one bad diff erases the backups.",
    remediation="Leave `force_destroy` unset or `False`.",
    checks=("forceDestroy",),
)
def backup_vault_no_force_destroy(r: Res, report: Report) -> None:
    if is_true(r.get("forceDestroy")):
        report("forceDestroy is true: destroying the vault deletes every recovery point in it")


def _rules(r: Res) -> list[dict] | None:
    rules = r.get("rules")
    if not known(rules):
        return None
    return [x for x in rules or [] if isinstance(x, dict)]


@resource_policy(
    "backup-plan-retention",
    types=(BACKUP_PLAN,),
    severity="high",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description=f"Every backup rule keeps its recovery points at least `minimumDays` days "
    f"({PROD.backup_daily_retention_days}) and the plan keeps one rule for at least `longTermDays` "
    f"({PROD.backup_long_term_days}).",
    why="Daily points must outlive RDS's own PITR window (at most 35 days) to add anything; a yearly horizon "
    "covers problems found at month-end or in an audit.",
    remediation="Set `lifecycle.delete_after` on every rule (stack config `backup.dailyRetentionDays`, "
    "`backup.monthlyRetentionDays`).",
    checks=("rules[].lifecycle.deleteAfter",),
    config=policy_defaults("backup-plan-retention"),
    config_descriptions={
        "minimumDays": "Shortest retention of any rule, in days.",
        "longTermDays": "Retention at least one rule must reach, in days.",
    },
)
def backup_plan_retention(r: Res, report: Report) -> None:
    rules = _rules(r)
    if rules is None:
        return
    minimum, long_term = r.setting("minimumDays"), r.setting("longTermDays")
    longest = 0.0
    complete = all(known(x) for x in r.get("rules") or [])
    for i, rule in enumerate(rules):
        lifecycle = rule.get("lifecycle")
        if not known(lifecycle):
            complete = False
            continue
        delete_after = (lifecycle or {}).get("deleteAfter") if isinstance(lifecycle, dict) else None
        if not known(delete_after):
            complete = False
            continue
        days = num(delete_after)
        name = rule.get("ruleName", i)
        if days is None:
            report(f"rule {show(name)} has no lifecycle.deleteAfter: recovery points are kept with no defined horizon")
            continue
        longest = max(longest, days)
        if days < minimum:
            report(f"rule {show(name)} keeps recovery points {show(delete_after)} days: at least {minimum} required")
    if rules and complete and longest < long_term:
        report(f"no rule keeps recovery points {long_term} days (longest: {longest:g})")


_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> list[int] | None:
    """The values a cron field selects (``*``, ``?``, lists, ranges, steps, day names); None for ``L``/``W``/``#``."""
    out: set[int] = set()
    for part in field.upper().split(","):
        if any(c in part for c in "LW#"):
            return None
        base, _, step = part.partition("/")
        if base in ("*", "?"):
            lo, hi = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            lo, hi = (names or {}).get(a) or int(a), (names or {}).get(b) or int(b)
        else:
            lo = (names or {}).get(base) or int(base)
            hi = high if step else lo
        out.update(range(lo, hi + 1, int(step) if step else 1))
    return sorted(out)


def _largest_gap(values: list[int], cycle: int) -> int:
    """The longest wait between two selected values of a cycle (e.g. hours of a day, days of a week)."""
    gaps = [b - a for a, b in zip(values, values[1:], strict=False)] + [values[0] + cycle - values[-1]]
    return max(gaps)


def cron_interval_hours(expression: str) -> float | None:
    """The longest time between two runs of an AWS cron schedule (``cron(min hour dom month dow year)``), in hours;
    None when the expression is not one this can tell (``rate``, ``L``, ``W``, ``#``)."""
    m = re.fullmatch(r"\s*cron\((.+)\)\s*", expression)
    if not m:
        return None
    fields = m.group(1).split()
    if len(fields) != 6:
        return None
    try:
        hours = _values(fields[1], 0, 23)
        dom = _values(fields[2], 1, 31)
        months = _values(fields[3], 1, 12)
        dow = _values(fields[4], 1, 7, _DAYS)
    except ValueError:
        return None
    if hours is None or dom is None or months is None or dow is None or not hours:
        return None
    if len(months) < 12:
        return 24.0 * 30 * _largest_gap(months, 12)
    if fields[2] not in ("*", "?") and len(dom) < 31:
        return 24.0 * _largest_gap(dom, 31)
    if fields[4] not in ("*", "?") and len(dow) < 7:
        return 24.0 * _largest_gap(dow, 7)
    return float(_largest_gap(hours, 24))


@resource_policy(
    "backup-plan-frequency",
    unset={"rules.0.schedule": "unset: AWS Backup runs the rule daily at 05:00 UTC"},
    types=(BACKUP_PLAN,),
    severity="high",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="At least one rule of every backup plan takes recovery points at least every "
    "`maximumIntervalHours` hours (24: AWS Config's backup-plan-min-frequency-and-min-retention-check at its "
    "default), or continuously.",
    why="A plan that runs weekly or monthly loses up to that much data; AWS Config's rule requires a daily "
    "rule by default (https://docs.aws.amazon.com/config/latest/developerguide/"
    "backup-plan-min-frequency-and-min-retention-check.html). A rule without a schedule runs daily at 05:00 UTC, "
    "AWS Backup's default.",
    remediation='Give one rule a daily schedule (`schedule="cron(0 5 ? * * *)"`) or `enable_continuous_backup=True`.',
    checks=("rules[].schedule",),
    config={"maximumIntervalHours": 24},
    config_descriptions={
        "maximumIntervalHours": "Longest time between two recovery points of the plan's most frequent rule, in hours."
    },
)
def backup_plan_frequency(r: Res, report: Report) -> None:
    rules = _rules(r)
    if not rules or not all(known(x) for x in r.get("rules") or []):
        return  # a rule not readable yet might be the frequent one
    limit = r.setting("maximumIntervalHours")
    intervals = []
    for rule in rules:
        schedule, continuous = rule.get("schedule"), rule.get("enableContinuousBackup")
        if not known(schedule) or not known(continuous):
            return  # a rule not readable yet might be the frequent one
        if is_true(continuous) or absent(schedule):
            return
        hours = cron_interval_hours(schedule) if isinstance(schedule, str) else None
        if hours is None:
            return  # a schedule this cannot read is not judged
        intervals.append((hours, rule.get("ruleName")))
    best, name = min(intervals, key=lambda x: x[0])
    if best > limit:
        report(
            f"the most frequent rule ({show(name)}) runs every {best:g} hours at best: a recovery point at least "
            f"every {limit:g} hours required"
        )


@resource_policy(
    "backup-plan-cross-region-copy",
    types=(BACKUP_PLAN,),
    severity="high",
    category="cost",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Every backup rule copies its recovery points to a vault in another region.",
    why="A regional outage or a compromised account region must not take the backups with it. Dev runs this as "
    "advisory (no second region).",
    remediation="Add `copy_actions=[{destination_vault_arn: <vault in the secondary region>, lifecycle: ...}]` to "
    "every rule (stack config `backup.crossRegionCopy`).",
    checks=("rules[].copyActions",),
)
def backup_plan_cross_region_copy(r: Res, report: Report) -> None:
    rules = _rules(r)
    if rules is None:
        return
    plan_region = r.get("region")
    for i, rule in enumerate(rules):
        copies = rule.get("copyActions")
        if not known(copies):
            continue
        name = rule.get("ruleName", i)
        destinations = [c.get("destinationVaultArn") for c in copies or [] if isinstance(c, dict)]
        if not destinations:
            report(f"rule {show(name)} has no copyActions: recovery points stay in one region")
            continue
        for dest in destinations:
            match = _ARN_REGION.match(dest) if isinstance(dest, str) else None
            if match and isinstance(plan_region, str) and match.group(1) == plan_region:
                report(f"rule {show(name)} copies to {dest}, in the plan's own region {plan_region}")


@resource_policy(
    "backup-vault-lock-retention",
    types=(BACKUP_VAULT_LOCK,),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, GDPR_CIA),
    description="Vault locks set a minimum retention (>= 1 day) and a maximum retention not below it.",
    why="The minimum is what stops an attacker with backup permissions from deleting recovery points early; the "
    "maximum bounds how long personal data can be kept.",
    remediation="Set `min_retention_days` (stack config `backup.vaultLockMinRetentionDays`) and "
    "`max_retention_days` >= the longest rule's retention.",
    checks=("minRetentionDays", "maxRetentionDays"),
)
def backup_vault_lock_retention(r: Res, report: Report) -> None:
    lo_raw, hi_raw = r.get("minRetentionDays"), r.get("maxRetentionDays")
    if known(lo_raw):
        lo = num(lo_raw)
        if lo is None or lo < 1:
            report(f"minRetentionDays is {show(lo_raw)}: the lock does not stop early deletion")
    if known(hi_raw):
        hi = num(hi_raw)
        if hi is None:
            report("maxRetentionDays is not set: recovery points may be kept forever")
        elif known(lo_raw) and num(lo_raw) is not None and hi < num(lo_raw):  # type: ignore[operator]
            report(f"maxRetentionDays {show(hi_raw)} is below minRetentionDays {show(lo_raw)}")


@resource_policy(
    "backup-selection-scoped",
    types=(BACKUP_SELECTION,),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE,),
    description="Backup selections run under a service role and name what they protect (resources or tags).",
    why="A selection without resources or tags protects nothing; without a role AWS Backup cannot take the "
    "recovery points.",
    remediation="Set `iam_role_arn` (a role trusted by backup.amazonaws.com) and `resources=[<ARNs>]` or "
    "`selection_tags`.",
    checks=("iamRoleArn", "resources"),
)
def backup_selection_scoped(r: Res, report: Report) -> None:
    if absent(r.get("iamRoleArn")):
        report("iamRoleArn is not set")
    resources, tags, conditions = r.get("resources"), r.get("selectionTags"), r.get("conditions")
    if (
        known(resources)
        and absent(resources)
        and known(tags)
        and absent(tags)
        and known(conditions)
        and absent(conditions)
    ):
        report("resources and selectionTags are empty: the selection protects nothing")


# === stack policies: how these resources relate to the rest of the stack =====================

# --- backup coverage --------------------------------------------------------------------------------------------------


def _selection_covers(stack: Stack, selection: SRes, db: SRes) -> bool | None:
    """True/False, or None when the selection's resources are unknown."""
    arn = db.get("arn")
    deps = selection.property_dependencies.get("resources", [])
    if db.urn in deps:
        covered = True
    else:
        resources = selection.get("resources")
        if not known(resources):
            return None if not deps else False
        covered = False
        for pattern in resources or []:
            if not known(pattern):
                if deps:
                    continue  # computed from the resources in ``deps``, and this store is not one of them
                return None
            if not isinstance(pattern, str):
                continue
            if (
                isinstance(arn, str)
                and known(arn)
                and (pattern == arn or ("*" in pattern and fnmatch.fnmatchcase(arn, pattern)))
            ):
                covered = True
            elif pattern == "*" or (
                "*" in pattern
                and ":rds:" in pattern
                and ":db:" in pattern
                and not (isinstance(arn, str) and known(arn))
            ):
                covered = True
        if not covered:
            tags = db.tags()
            if known(tags):
                for cond in as_list(selection.get("selectionTags")):
                    if (
                        isinstance(cond, dict)
                        and cond.get("type") == "STRINGEQUALS"
                        and tags.get(cond.get("key")) == cond.get("value")
                    ):
                        covered = True
    if covered and isinstance(arn, str) and known(arn):
        for pattern in as_list(selection.get("notResources")):
            if isinstance(pattern, str) and fnmatch.fnmatchcase(arn, pattern):
                return False
    return covered


@stack_policy(
    "stack-rds-backup-coverage",
    types=(RDS_INSTANCE, RDS_CLUSTER, BACKUP_SELECTION),
    severity="high",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Every RDS writer instance and every RDS cluster is covered by an AWS Backup selection (by ARN, "
    "wildcard or tag).",
    why="RDS automated backups end at 35 days and die with the instance's retention; AWS Backup holds the "
    "daily/monthly recovery points (in a locked, cross-region vault in prod). A store outside every "
    "selection has none of that. (Read replicas are rebuilt from the writer, and AWS Backup does not "
    "support them.)",
    remediation="Add the store's ARN to `backup_resource_arns` in infra/stack.py (the backup component's "
    "selection `resources`).",
    checks={RDS_INSTANCE: ("arn",), RDS_CLUSTER: ("arn",), BACKUP_SELECTION: ("resources", "selectionTags")},
)
def stack_rds_backup_coverage(stack: Stack, report: StackReport) -> None:
    selections = stack.of_type(BACKUP_SELECTION)
    for db in writers(stack) + stack.of_type(RDS_CLUSTER):
        results = [_selection_covers(stack, s, db) for s in selections]
        if any(results) or None in results:
            continue
        report(f"{identity(db)} is in no AWS Backup selection", db.urn)


# --- backup vault locks ----------------------------------------------------------------------------------------------


@stack_policy(
    "stack-backup-vaults-locked",
    types=(BACKUP_VAULT, BACKUP_VAULT_LOCK),
    severity="high",
    category="lifecycle",
    controls=(GDPR_RESTORE, GDPR_CIA, "pci-12-10-1"),
    description="Every backup vault (including cross-region copy vaults) has a vault lock.",
    why="Without a lock anyone with backup permissions (or an attacker holding them) can delete recovery points "
    "before their retention ends. Dev runs this as advisory: a locked vault cannot be torn down.",
    remediation="Set stack config `backup.vaultLock: true` (an `aws.backup.VaultLockConfiguration` per vault).",
    checks={BACKUP_VAULT: ("name",), BACKUP_VAULT_LOCK: ("backupVaultName",)},
)
def stack_backup_vaults_locked(stack: Stack, report: StackReport) -> None:
    locks = stack.of_type(BACKUP_VAULT_LOCK)
    unknown = any(lock.unplaced("backupVaultName") for lock in locks)
    locked = stack.referenced(locks, "backupVaultName", (BACKUP_VAULT,))
    for vault in stack.of_type(BACKUP_VAULT):
        if vault.urn in locked or unknown:
            continue
        report(f"backup vault {identity(vault)} has no vault lock", vault.urn)
