"""MongoDB Atlas (the product catalog): cluster encryption, TLS, backups, sharding, access lists, database users,
auditing. checkov has no Atlas checks at all and Pulumi's compliance-ready policies none either.

Property names are pulumi-mongodbatlas 4.x's (``AdvancedCluster``: one ``replicationSpecs`` entry per shard,
``numShards`` is gone).
"""

from __future__ import annotations

import ipaddress
import re

from policies.engine.core import (
    UNKNOWN,
    Report,
    Res,
    Stack,
    StackReport,
    absent,
    identity,
    is_false,
    is_set,
    known,
    not_true,
    num,
    resource_policy,
    show,
    stack_policy,
)
from policies.engine.facts import NO_SECRET, REQUIRED
from policies.engine.families import flag_rule
from policies.engine.meta import CCPA_BREACH, CCPA_SEC, GDPR_BREACH, GDPR_CIA, GDPR_ENC, GDPR_MIN, GDPR_RESTORE
from policies.engine.tokens import (
    ATLAS_AUDITING,
    ATLAS_BACKUP_COMPLIANCE,
    ATLAS_BACKUP_SCHEDULE,
    ATLAS_CLUSTER,
    ATLAS_DB_USER,
    ATLAS_ENCRYPTION,
    ATLAS_IP_ACCESS,
    ATLAS_ORGANIZATION,
    ATLAS_PRIVATE_ENDPOINT,
    ATLAS_PRIVATE_ENDPOINT_SERVICE,
    ATLAS_PROJECT,
    ATLAS_PROJECT_SERVICE_ACCOUNT,
    ATLAS_PROJECT_SERVICE_ACCOUNT_SECRET,
    ATLAS_SEARCH_INDEX,
    ATLAS_SERVICE_ACCOUNT,
    ATLAS_SERVICE_ACCOUNT_SECRET,
)

SHARDED_TYPES = ("SHARDED", "GEOSHARDED")
BROAD_ROLES = (
    "atlasAdmin",
    "readWriteAnyDatabase",
    "readAnyDatabase",
    "dbAdminAnyDatabase",
    "root",
    "clusterManager",
    "userAdminAnyDatabase",
    "backup",
    "restore",
)
MIN_ACCESS_PREFIX = {4: 16, 6: 48}


@resource_policy(
    "atlas-cluster-encryption-cmk",
    types=(ATLAS_CLUSTER,),
    severity="critical",
    category="security",
    controls=(GDPR_ENC, "pci-3-5-1", CCPA_BREACH, "atlas-clusters-encryption-at-rest-enabled"),
    description="Atlas clusters encrypt storage with our AWS KMS key (`encryption_at_rest_provider=AWS`).",
    why="Atlas' own volume encryption uses MongoDB-held keys; with AWS KMS the document CMK decides, and "
    "disabling it makes the data unreadable.",
    remediation='Set `encryption_at_rest_provider="AWS"` on `mongodbatlas.AdvancedCluster` after configuring '
    "`mongodbatlas.EncryptionAtRest`.",
    checks=("encryptionAtRestProvider",),
)
def atlas_cluster_encryption_cmk(r: Res, report: Report) -> None:
    provider = r.get("encryptionAtRestProvider")
    if known(provider) and provider not in ("AWS", "AZURE", "GCP"):
        report(f"encryptionAtRestProvider is {show(provider)}: storage is not encrypted with a customer key")


@resource_policy(
    "atlas-cluster-tls12",
    defaults={"advancedConfiguration.minimumEnabledTlsProtocol": "TLS1_2"},
    types=(ATLAS_CLUSTER,),
    severity="high",
    category="security",
    controls=("pci-4-2-1", GDPR_ENC, "atlas-clusters-tls-enabled"),
    description="Atlas clusters accept TLS 1.2 or newer only.",
    why="TLS 1.0/1.1 are broken; PCI DSS forbids them for data in transit.",
    remediation='Set `advanced_configuration.minimum_enabled_tls_protocol="TLS1_2"` (or TLS1_3).',
    checks=("advancedConfiguration.minimumEnabledTlsProtocol",),
)
def atlas_cluster_tls12(r: Res, report: Report) -> None:
    tls = r.get("advancedConfiguration.minimumEnabledTlsProtocol")
    if known(tls) and not absent(tls) and tls not in ("TLS1_2", "TLS1_3"):
        report(f"advancedConfiguration.minimumEnabledTlsProtocol is {show(tls)}")


@resource_policy(
    "atlas-cluster-server-side-javascript-off",
    types=(ATLAS_CLUSTER,),
    severity="medium",
    category="security",
    controls=("pci-2-2-1", GDPR_CIA),
    description="Server-side JavaScript ($where, mapReduce functions) is disabled.",
    why="Server-side JavaScript turns a query-injection bug into code execution inside the database.",
    remediation="Set `advanced_configuration.javascript_enabled=False` (Atlas defaults to true).",
    checks=("advancedConfiguration.javascriptEnabled",),
)
def atlas_cluster_server_side_javascript_off(r: Res, report: Report) -> None:
    config = r.get("advancedConfiguration")
    if not known(config):
        return
    value = (config or {}).get("javascriptEnabled") if isinstance(config, dict) else None
    if known(value) and not is_false(value):
        report(f"advancedConfiguration.javascriptEnabled is {show(value)}: server-side JavaScript runs")


@resource_policy(
    "atlas-cluster-continuous-backup",
    types=(ATLAS_CLUSTER,),
    severity="high",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1", "atlas-clusters-backup-enabled"),
    description="Atlas clusters take cloud backups with point-in-time restore.",
    why="Snapshots alone lose everything since the last one; continuous backup restores to the minute before a "
    "bad write.",
    remediation="Set `backup_enabled=True` and `pit_enabled=True`.",
    checks=("backupEnabled", "pitEnabled"),
)
def atlas_cluster_continuous_backup(r: Res, report: Report) -> None:
    for prop in ("backupEnabled", "pitEnabled"):
        value = r.get(prop)
        if not_true(value):
            report(f"{prop} is {show(value)}")


@resource_policy(
    "atlas-cluster-termination-protection",
    types=(ATLAS_CLUSTER,),
    severity="high",
    category="lifecycle",
    controls=(GDPR_CIA, GDPR_RESTORE),
    description="Atlas clusters have termination protection on.",
    why="Deleting a cluster deletes its data and (without retained backups) its snapshots.",
    remediation="Set `termination_protection_enabled=True` (stack config `atlas.terminationProtection`). Dev runs "
    "this as advisory.",
    checks=("terminationProtectionEnabled",),
)
def atlas_cluster_termination_protection(r: Res, report: Report) -> None:
    value = r.get("terminationProtectionEnabled")
    if not_true(value):
        report(f"terminationProtectionEnabled is {show(value)}: the cluster can be deleted by one API call")


flag_rule(
    __name__,
    "atlas-search-index-built-before-done",
    types=(ATLAS_SEARCH_INDEX,),
    prop="waitForIndexBuildCompletion",
    want=True,
    default=False,
    harm="the deploy ends before the index can answer",
    house_rule=True,
    severity="low",
    category="resilience",
    controls=(GDPR_CIA,),
    description="Atlas Search and Vector Search indexes are declared with waitForIndexBuildCompletion.",
    why="Without it the deploy finishes when Atlas accepted the definition, not when the index answers: the "
    "queries that need it fail (the app answers 503 for semantic search) until the build ends, and a definition "
    "Atlas later drops unnoticed (mongodb/terraform-provider-mongodbatlas#2259) looks deployed.",
    remediation="Set `wait_for_index_build_completion=True` on `mongodbatlas.SearchIndex`.",
)


@resource_policy(
    "atlas-cluster-sharded",
    types=(ATLAS_CLUSTER,),
    severity="high",
    category="cost",
    controls=(GDPR_CIA,),
    description="Atlas clusters are sharded (SHARDED or GEOSHARDED) with at least 2 shards.",
    why="The catalog's write and storage growth needs horizontal scale, and zone sharding keeps EU customers' "
    "documents in EU regions. Dev runs this as advisory (a replica set).",
    remediation='Set `cluster_type="GEOSHARDED"` (or SHARDED) with one `replication_specs` entry per shard.',
    checks=("clusterType", "replicationSpecs"),
)
def atlas_cluster_sharded(r: Res, report: Report) -> None:
    cluster_type = r.get("clusterType")
    if known(cluster_type) and cluster_type not in SHARDED_TYPES:
        report(f"clusterType is {show(cluster_type)}: not sharded")
        return
    specs = r.get("replicationSpecs")
    if known(specs) and len(specs or []) < 2:
        report(f"replicationSpecs has {len(specs or [])} entry: at least 2 shards required")


@resource_policy(
    "atlas-cluster-electable-majority",
    types=(ATLAS_CLUSTER,),
    severity="high",
    category="resilience",
    controls=(GDPR_CIA, GDPR_RESTORE),
    description="Every shard has at least 3 electable nodes.",
    why="With fewer than 3 electable nodes a single node failure leaves no majority to elect a primary.",
    remediation="Set `electable_specs.node_count` so each replication spec's region configs add up to >= 3.",
    checks=("replicationSpecs[].regionConfigs[].electableSpecs.nodeCount",),
)
def atlas_cluster_electable_majority(r: Res, report: Report) -> None:
    specs = r.get("replicationSpecs")
    if not known(specs):
        return
    for i, spec in enumerate(specs or []):
        if not known(spec) or not isinstance(spec, dict):
            continue
        configs = spec.get("regionConfigs")
        if not known(configs):
            continue
        total = 0.0
        for c in configs or []:
            electable = c.get("electableSpecs") if isinstance(c, dict) else UNKNOWN
            count = electable.get("nodeCount") if isinstance(electable, dict) else electable
            if not known(count):
                total = float("inf")
                break
            total += num(count) or 0
        if total < 3:
            report(f"replicationSpecs[{i}] has {total:g} electable node(s): at least 3 required")


@resource_policy(
    "atlas-cluster-redact-client-logs",
    types=(ATLAS_CLUSTER,),
    severity="medium",
    category="security",
    controls=(GDPR_MIN, "pci-3-5-1"),
    description="Atlas redacts field values from the mongod logs (`redact_client_log_data`).",
    why="Slow-query log lines carry query predicates, i.e. customer names, e-mails and addresses.",
    remediation="Set `redact_client_log_data=True`.",
    checks=("redactClientLogData",),
)
def atlas_cluster_redact_client_logs(r: Res, report: Report) -> None:
    value = r.get("redactClientLogData")
    if not_true(value):
        report(f"redactClientLogData is {show(value)}: query values (personal data) appear in logs")


@resource_policy(
    "atlas-cluster-supported-version",
    types=(ATLAS_CLUSTER,),
    severity="medium",
    category="security",
    controls=("pci-6-3-3",),
    description="Atlas clusters pin a supported MongoDB major version (>= 7.0).",
    why="End-of-life majors get no security fixes; an unpinned version upgrades without review.",
    remediation='Set `mongo_db_major_version="8.0"` (or 7.0).',
    checks=("mongoDbMajorVersion",),
)
def atlas_cluster_supported_version(r: Res, report: Report) -> None:
    version = r.get("mongoDbMajorVersion")
    if not known(version):
        return
    if absent(version):
        report("mongoDbMajorVersion is not set: the major version is Atlas' choice")
        return
    match = re.match(r"(\d+)\.(\d+)", str(version))
    if match is None or (int(match.group(1)), int(match.group(2))) < (7, 0):
        report(f"mongoDbMajorVersion is {show(version)}: 7.0 or newer required")


@resource_policy(
    "atlas-ip-access-list-narrow",
    unset={
        "cidrBlock": "unset: the entry is an ipAddress or a security group",
        "ipAddress": "unset: the entry is a cidrBlock or a security group",
    },
    types=(ATLAS_IP_ACCESS,),
    severity="critical",
    category="security",
    controls=("pci-1-4-4", "pci-1-3-1", GDPR_CIA, CCPA_SEC, "atlas-projects-network-access-list-exposed-to-internet"),
    description="Atlas IP access list entries are never 0.0.0.0/0 and no wider than /16 (IPv6 /48).",
    why="The app reaches Atlas over PrivateLink; an open access list puts the cluster's login prompt on the internet.",
    remediation='List exact networks (`cidr_block="203.0.113.0/24"`) or use PrivateLink only.',
    checks=("cidrBlock", "ipAddress"),
)
def atlas_ip_access_list_narrow(r: Res, report: Report) -> None:
    for prop in ("cidrBlock", "ipAddress"):
        value = r.get(prop)
        if not known(value) or absent(value) or not isinstance(value, str):
            continue
        try:
            net = ipaddress.ip_network(
                value if "/" in value else value + ("/32" if ":" not in value else "/128"), strict=False
            )
        except ValueError:
            report(f"{prop} {show(value)} is not an address or CIDR")
            continue
        if net.network_address.is_unspecified or net.prefixlen < MIN_ACCESS_PREFIX[net.version]:
            report(f"{prop} {show(value)} admits too much of the internet (/{net.prefixlen})")


@resource_policy(
    "atlas-database-user-iam",
    unset={"password": NO_SECRET},
    secret_is_set=("password",),
    types=(ATLAS_DB_USER,),
    severity="high",
    category="security",
    controls=("pci-8-6-2", "pci-8-3-1", CCPA_SEC, "atlas-clusters-authentication-enabled"),
    description="Atlas database users authenticate with AWS IAM (or X.509/LDAP/OIDC), never a password.",
    why="IAM authentication uses the workload's role credentials; a SCRAM password would have to be stored and "
    "rotated somewhere.",
    remediation='Set `auth_database_name="$external"`, `aws_iam_type="ROLE"`, `username=<role ARN>` and no `password`.',
    checks=("password", "awsIamType"),
)
def atlas_database_user_iam(r: Res, report: Report) -> None:
    if is_set(r.get("password")) or is_set(r.get("passwordWo")):
        report("password is set: the user authenticates with a static password")
    mechanisms = [r.get(p) for p in ("awsIamType", "x509Type", "ldapAuthType", "oidcAuthType")]
    if any(not known(m) for m in mechanisms):
        return
    if all(absent(m) or m == "NONE" for m in mechanisms):
        report("no external authentication (awsIamType/x509Type/ldapAuthType/oidcAuthType): SCRAM password user")


@resource_policy(
    "atlas-database-user-least-privilege",
    unset={"roles.0.roleName": REQUIRED},
    types=(ATLAS_DB_USER,),
    severity="medium",
    category="security",
    controls=("pci-7-2-2", GDPR_CIA),
    description="Atlas database users get database-scoped roles (no *AnyDatabase/atlasAdmin) and are scoped to "
    "named clusters.",
    why="A catalog service credential must not read or administer every database in the project.",
    remediation="Grant `readWrite`/`read` on the catalog database and set `scopes=[{name: <cluster>, type: "
    '"CLUSTER"}]`.',
    checks=("roles[].roleName", "scopes"),
)
def atlas_database_user_least_privilege(r: Res, report: Report) -> None:
    roles = r.get("roles")
    if known(roles):
        for role in roles or []:
            name = role.get("roleName") if isinstance(role, dict) else None
            if known(name) and name in BROAD_ROLES:
                report(f"role {show(name)} spans every database of the project")
    scopes = r.get("scopes")
    if known(scopes) and absent(scopes):
        report("scopes is empty: the user may log in to every cluster of the project")


@resource_policy(
    "atlas-encryption-at-rest-kms",
    types=(ATLAS_ENCRYPTION,),
    severity="critical",
    category="security",
    controls=(GDPR_ENC, "pci-3-6-1", CCPA_BREACH, "atlas-clusters-encryption-at-rest-enabled"),
    description="Atlas encryption at rest uses an AWS KMS key through an IAM role (no access keys), reached over "
    "private networking.",
    why="The role is revocable and has no secret; access keys would be a long-lived credential stored in state. "
    "Private networking keeps key calls off the internet.",
    remediation="Set `aws_kms_config={enabled: True, customer_master_key_id: <document CMK>, role_id: <Atlas "
    "role>, require_private_networking: True}` and no access keys.",
    checks=(
        "awsKmsConfig.enabled",
        "awsKmsConfig.customerMasterKeyId",
        "awsKmsConfig.roleId",
        "awsKmsConfig.requirePrivateNetworking",
    ),
)
def atlas_encryption_at_rest_kms(r: Res, report: Report) -> None:
    config = r.get("awsKmsConfig")
    if not known(config):
        return
    if absent(config):
        report("awsKmsConfig is not set: no customer key")
        return
    if not_true(config.get("enabled")):
        report(f"awsKmsConfig.enabled is {config.get('enabled')!r}")
    if absent(config.get("customerMasterKeyId")):
        report("awsKmsConfig.customerMasterKeyId is not set")
    if absent(config.get("roleId")):
        report("awsKmsConfig.roleId is not set: Atlas would need access keys")
    if not absent(config.get("accessKeyId")) or not absent(config.get("secretAccessKey")):
        report("awsKmsConfig carries access keys: use a role (role_id)")
    if not_true(config.get("requirePrivateNetworking")):
        report(
            f"awsKmsConfig.requirePrivateNetworking is {config.get('requirePrivateNetworking')!r}: key calls "
            "cross the internet"
        )


@resource_policy(
    "atlas-auditing-enabled",
    types=(ATLAS_AUDITING,),
    severity="high",
    category="security",
    controls=(
        "pci-10-2-1",
        GDPR_BREACH,
        CCPA_SEC,
        "atlas-projects-auditing-enabled",
        "atlas-checklist-auditing-authorizations",
    ),
    description="Database auditing is enabled for the Atlas project and records successful authorizations too.",
    why="Authentication failures, user and role changes and writes to customer collections must leave an audit trail; "
    "the Atlas security checklist asks for successful authorizations as well (off by default: Atlas then logs "
    "only failed ones).",
    remediation="Set `enabled=True` and `audit_authorization_success=True` (with an `audit_filter`) on "
    "`mongodbatlas.Auditing`.",
    checks=("enabled", "auditAuthorizationSuccess"),
)
def atlas_auditing_enabled(r: Res, report: Report) -> None:
    value = r.get("enabled")
    if not_true(value):
        report(f"enabled is {show(value)}: no database audit log")
        return
    success = r.get("auditAuthorizationSuccess")
    if not_true(success):  # absent is Atlas's default, false
        report(f"auditAuthorizationSuccess is {show(success)}: successful authorizations are not audited")


@resource_policy(
    "atlas-backup-restore-window",
    defaults={"restoreWindowDays": 7},
    types=(ATLAS_BACKUP_SCHEDULE,),
    severity="medium",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Atlas backup schedules keep a point-in-time window of >= 7 days and daily snapshots >= 7 days.",
    why="Data problems are often noticed days later; a shorter window cannot reach back to before them.",
    remediation="Set `restore_window_days>=7` and `policy_item_daily.retention_value>=7` (days).",
    checks=("restoreWindowDays", "policyItemDaily.retentionValue"),
)
def atlas_backup_restore_window(r: Res, report: Report) -> None:
    window = r.get("restoreWindowDays")
    if known(window) and not absent(window) and (num(window) or 0) < 7:
        report(f"restoreWindowDays is {show(window)}: at least 7")
    daily = r.get("policyItemDaily")
    if known(daily) and isinstance(daily, dict):
        value, unit = daily.get("retentionValue"), daily.get("retentionUnit", "days")
        if known(value) and known(unit):
            factor = {"days": 1, "weeks": 7, "months": 30, "years": 365}.get(unit, 1)
            if (num(value) or 0) * factor < 7:
                report(f"policyItemDaily keeps {value} {unit}: at least 7 days")


@resource_policy(
    "atlas-backup-snapshot-copies",
    types=(ATLAS_BACKUP_SCHEDULE,),
    severity="high",
    category="cost",
    controls=(GDPR_RESTORE, "pci-12-10-1"),
    description="Atlas snapshots (and oplog) are copied to a second region.",
    why="A regional outage must not take the catalog's backups with it. Dev runs this as advisory.",
    remediation='Set `copy_settings=[{cloud_provider: "AWS", region_name: <other region>, zone_id: ..., '
    "copy_policy_items: [...], should_copy_oplogs: True}]` (stack config `atlas.zones[].backupCopyRegion`).",
    checks=("copySettings",),
)
def atlas_backup_snapshot_copies(r: Res, report: Report) -> None:
    copies = r.get("copySettings")
    if known(copies) and absent(copies):
        report("copySettings is empty: snapshots stay in the cluster's regions")


@resource_policy(
    "atlas-organization-hardened",
    types=(ATLAS_ORGANIZATION,),
    severity="high",
    category="security",
    controls=(
        "pci-8-3-1",
        GDPR_CIA,
        CCPA_SEC,
        "atlas-organizations-mfa-required",
        "atlas-organizations-api-access-list-required",
        "atlas-organizations-security-contact-defined",
    ),
    description="Atlas organizations require MFA and an API access list, and name a security contact.",
    why="The organization owns every project: without MFA a phished password, without an API access list a "
    "leaked API key, is enough to reach every cluster; MongoDB's security notices go to the security contact.",
    remediation="Set `multi_factor_auth_required=True`, `api_access_list_required=True` and `security_contact` on "
    "`mongodbatlas.Organization`.",
    checks=("multiFactorAuthRequired", "apiAccessListRequired", "securityContact"),
)
def atlas_organization_hardened(r: Res, report: Report) -> None:
    for prop, what in (
        ("multiFactorAuthRequired", "members may sign in without MFA"),
        ("apiAccessListRequired", "API keys work from any address"),
    ):
        value = r.get(prop)
        if not_true(value):
            report(f"{prop} is {show(value)}: {what}")
    contact = r.get("securityContact")
    if known(contact) and absent(contact):
        report("securityContact is not set: MongoDB's security notices reach no one")


# Prowler's organizations_service_account_secrets_expiration default (max_service_account_secret_validity_hours).
SERVICE_ACCOUNT_SECRET_MAX_HOURS = 8


@resource_policy(
    "atlas-service-account-secret-expiry",
    types=(
        ATLAS_SERVICE_ACCOUNT,
        ATLAS_PROJECT_SERVICE_ACCOUNT,
        ATLAS_SERVICE_ACCOUNT_SECRET,
        ATLAS_PROJECT_SERVICE_ACCOUNT_SECRET,
    ),
    severity="high",
    category="security",
    controls=("pci-8-3-1", GDPR_CIA, CCPA_SEC, "atlas-organizations-service-account-secrets-expiration"),
    description="Atlas Admin API service-account secrets expire within `maximumHours` hours "
    "(`secretExpiresAfterHours`; a service account created `withoutInitialSecret` has none).",
    why="A service-account secret is a bearer credential to the Admin API of the whole organization or project; "
    "one that lives for months outlasts the pipeline that used it and every rotation that should have "
    "replaced it.",
    remediation="Set `secret_expires_after_hours` to at most the maximum (issue secrets per pipeline run with "
    "`mongodbatlas.ServiceAccountSecret`), and the organization's maximum secret validity alike.",
    checks=("secretExpiresAfterHours",),
    config={"maximumHours": SERVICE_ACCOUNT_SECRET_MAX_HOURS},
    config_descriptions={"maximumHours": "Longest allowed secret validity, in hours."},
)
def atlas_service_account_secret_expiry(r: Res, report: Report) -> None:
    if r.type in (ATLAS_SERVICE_ACCOUNT, ATLAS_PROJECT_SERVICE_ACCOUNT) and r.get("withoutInitialSecret") is True:
        return
    hours, maximum = r.get("secretExpiresAfterHours"), r.setting("maximumHours")
    if not known(hours):
        return
    value = num(hours)
    if value is None:
        report("secretExpiresAfterHours is not set: the secret's validity is whatever the organization allows")
    elif value > maximum:
        report(f"secretExpiresAfterHours is {show(hours)}: at most {maximum} hours")


_SHARED_PROVIDERS = ("TENANT", "FLEX")


@resource_policy(
    "atlas-cluster-dedicated-tier",
    unset={
        "replicationSpecs.0.regionConfigs.0.providerName": REQUIRED,
        "replicationSpecs.1.regionConfigs.0.providerName": REQUIRED,
    },
    types=(ATLAS_CLUSTER,),
    severity="high",
    category="security",
    controls=(GDPR_ENC, GDPR_RESTORE, "atlas-checklist-dedicated-tier"),
    description="Clusters run on dedicated tiers (M10+), never shared-tier or Flex (`provider_name` TENANT/FLEX).",
    why="Shared and Flex clusters have no customer-managed keys, no continuous backup, no PrivateLink and no "
    "auditing: none of the catalog's other controls can hold there.",
    remediation='Set `provider_name="AWS"` with an `electable_specs.instance_size` of M10 or larger in every '
    "region config.",
    checks=("replicationSpecs[].regionConfigs[].providerName",),
)
def atlas_cluster_dedicated_tier(r: Res, report: Report) -> None:
    specs = r.get("replicationSpecs")
    if not known(specs) or not isinstance(specs, list):
        return
    for i, spec in enumerate(specs):
        configs = spec.get("regionConfigs") if isinstance(spec, dict) else None
        if not known(configs) or not isinstance(configs, list):
            continue
        for j, rc in enumerate(configs):
            provider = rc.get("providerName") if isinstance(rc, dict) else None
            if known(provider) and isinstance(provider, str) and provider.upper() in _SHARED_PROVIDERS:
                report(f"replicationSpecs[{i}].regionConfigs[{j}].providerName is {show(provider)}: a shared tier")


@resource_policy(
    "atlas-cluster-retain-backups",
    types=(ATLAS_CLUSTER,),
    severity="high",
    category="lifecycle",
    controls=(GDPR_RESTORE, "pci-12-10-1", "atlas-checklist-retain-backups"),
    description="Clusters keep their backups when they are deleted (`retain_backups_enabled`).",
    why="Without it, deleting the cluster (by mistake or by an attacker) deletes every snapshot with it.",
    remediation="Set `retain_backups_enabled=True` (stack config `atlas.terminationProtection` sets both).",
    checks=("retainBackupsEnabled",),
)
def atlas_cluster_retain_backups(r: Res, report: Report) -> None:
    value = r.get("retainBackupsEnabled")
    if not_true(value):
        report(f"retainBackupsEnabled is {show(value)}: deleting the cluster deletes its backups")


@resource_policy(
    "atlas-project-default-alerts",
    defaults={"withDefaultAlertsSettings": True},
    types=(ATLAS_PROJECT,),
    severity="medium",
    category="resilience",
    controls=("pci-10-7-2", GDPR_BREACH, "atlas-checklist-default-alerts"),
    description="Projects keep Atlas' default alerts (`with_default_alerts_settings` not false).",
    why="The defaults page on a down host, a failed backup or a replication lag before any custom alert exists.",
    remediation="Leave `with_default_alerts_settings` unset or `True` on `mongodbatlas.Project`.",
    checks=("withDefaultAlertsSettings",),
)
def atlas_project_default_alerts(r: Res, report: Report) -> None:
    if is_false(r.get("withDefaultAlertsSettings")):
        report("withDefaultAlertsSettings is false: the project starts without Atlas' default alerts")


@resource_policy(
    "atlas-backup-compliance-policy-strict",
    types=(ATLAS_BACKUP_COMPLIANCE,),
    severity="high",
    category="resilience",
    controls=(GDPR_RESTORE, "pci-12-10-1", "atlas-checklist-backup-compliance-policy"),
    description="Backup compliance policies enforce encryption at rest, point-in-time recovery and copy protection.",
    why="The compliance policy is the floor nobody (not even a project owner) can lower; without these three it "
    "does not stop the deletions and downgrades it exists for.",
    remediation="Set `encryption_at_rest_enabled=True`, `pit_enabled=True` and `copy_protection_enabled=True` on "
    "`mongodbatlas.BackupCompliancePolicy`.",
    checks=("encryptionAtRestEnabled", "pitEnabled", "copyProtectionEnabled"),
)
def atlas_backup_compliance_policy_strict(r: Res, report: Report) -> None:
    for prop, what in (
        ("encryptionAtRestEnabled", "snapshots may use Atlas-managed keys"),
        ("pitEnabled", "point-in-time recovery may be switched off"),
        ("copyProtectionEnabled", "snapshot copies in other regions may be deleted"),
    ):
        value = r.get(prop)
        if not_true(value):
            report(f"{prop} is {show(value)}: {what}")


# === stack policies: how these resources relate to the rest of the stack =====================


@stack_policy(
    "stack-atlas-private-endpoints-complete",
    types=(ATLAS_PRIVATE_ENDPOINT, ATLAS_PRIVATE_ENDPOINT_SERVICE),
    severity="high",
    category="security",
    controls=("pci-1-4-4", GDPR_CIA, "atlas-checklist-privatelink"),
    description="Every Atlas private endpoint service has its interface endpoint registered "
    "(`mongodbatlas.PrivateLinkEndpointService` naming its `private_link_id`).",
    why="An endpoint service without a registered interface endpoint leaves the cluster reachable only over its "
    "public access list, or not at all from the app: private access looks configured and is not.",
    remediation="Declare a `mongodbatlas.PrivateLinkEndpointService(private_link_id=<endpoint>.private_link_id, "
    "endpoint_service_id=<aws.ec2.VpcEndpoint>.id)` for each `PrivateLinkEndpoint`.",
    checks={ATLAS_PRIVATE_ENDPOINT: ("privateLinkId",), ATLAS_PRIVATE_ENDPOINT_SERVICE: ("privateLinkId",)},
)
def stack_atlas_private_endpoints_complete(stack: Stack, report: StackReport) -> None:
    services = stack.of_type(ATLAS_PRIVATE_ENDPOINT_SERVICE)
    registered_urns: set[str] = set()
    registered_ids: set[str] = set()
    for s in services:
        value = s.get("privateLinkId")
        registered_urns |= set(s.property_dependencies.get("privateLinkId", ()))
        if known(value) and isinstance(value, str):
            registered_ids.add(value)
        elif not s.property_dependencies.get("privateLinkId"):
            return  # a service whose endpoint cannot be told yet: no judgement
    for endpoint in stack.of_type(ATLAS_PRIVATE_ENDPOINT):
        link = endpoint.get("privateLinkId")
        if endpoint.urn in registered_urns:
            continue
        if not known(link):
            continue
        if link not in registered_ids:
            report(
                f"Atlas private endpoint {identity(endpoint)} has no registered interface endpoint "
                "(PrivateLinkEndpointService)",
                endpoint.urn,
            )
