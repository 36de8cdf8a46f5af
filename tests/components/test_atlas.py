"""The Atlas component under mocks: every setting on the synthesized (camelCase) inputs, for dev and prod."""

from __future__ import annotations

import collections
import ipaddress
import json

import pytest

from components.atlas import ATLAS_KMS_ACTIONS, CATALOG_NAMESPACES, PRIVATELINK_PORTS, is_eu_region, tier_number
from platform_rules import EEA_COUNTRIES
from tests.conftest import one

A = "mongodbatlas:index/"
CLUSTER = A + "advancedCluster:AdvancedCluster"
FORBIDDEN_ROLES = {
    "atlasAdmin",
    "readWriteAnyDatabase",
    "readAnyDatabase",
    "dbAdminAnyDatabase",
    "userAdminAnyDatabase",
    "clusterAdmin",
    "dbOwner",
    "root",
}


@pytest.fixture(params=["dev", "prod"])
def stack(request, dev, prod):
    return {"dev": dev, "prod": prod}[request.param]


def component(synth):
    return one(synth, "ecomart:data:Atlas")


def cluster(synth):
    return one(synth, CLUSTER)


def project(synth):
    return one(synth, A + "project:Project")


# --- project and cluster -------------------------------------------------------------------------------------------


def test_project_in_configured_org_with_default_alerts(stack):
    p = project(stack)
    cfg = stack.config.atlas
    assert p.inputs["orgId"] == cfg.org_id == "0123456789abcdef01234567"
    assert p.inputs["name"] == f"ecomart-{stack.stack}"
    assert p.inputs["withDefaultAlertsSettings"] is True
    assert p.inputs["tags"]["environment"] == stack.stack


def test_cluster_settings_common_to_every_stack(stack):
    c = cluster(stack).inputs
    assert c["projectId"] == project(stack).id
    assert c["name"] == stack.config.atlas.cluster_name
    assert c["mongoDbMajorVersion"] == "8.0" and c["versionReleaseSystem"] == "LTS"
    assert c["backupEnabled"] is True and c["pitEnabled"] is True
    assert c["encryptionAtRestProvider"] == "AWS"
    assert c["redactClientLogData"] is True
    assert c["advancedConfiguration"] == {
        "minimumEnabledTlsProtocol": "TLS1_2",
        "javascriptEnabled": False,
        "defaultWriteConcern": "majority",
    }
    assert c["useEffectiveFields"] is True
    assert {"project", "environment", "owner", "cost-center", "data-classification"} <= set(c["tags"])
    for spec in c["replicationSpecs"]:
        [region] = spec["regionConfigs"]
        assert region["providerName"] == "AWS" and region["priority"] == 7
        assert region["electableSpecs"]["nodeCount"] == 3
        assert region["autoScaling"]["computeEnabled"] is True and region["autoScaling"]["diskGbEnabled"] is True


def test_prod_is_a_global_cluster_with_americas_and_eu_zones(prod):
    c = cluster(prod).inputs
    assert c["clusterType"] == "GEOSHARDED"
    assert c["terminationProtectionEnabled"] is True and c["retainBackupsEnabled"] is True
    specs = c["replicationSpecs"]
    shards_per_zone = collections.Counter(s["zoneName"] for s in specs)
    assert shards_per_zone == {"Americas": 2, "EU": 1}
    region_of_zone = {s["zoneName"]: s["regionConfigs"][0]["regionName"] for s in specs}
    assert region_of_zone == {"Americas": "US_EAST_1", "EU": "EU_WEST_1"}
    for s in specs:
        rc = s["regionConfigs"][0]
        assert rc["electableSpecs"]["instanceSize"] == "M30" and tier_number(rc["electableSpecs"]["instanceSize"]) >= 30
        assert rc["autoScaling"]["computeMinInstanceSize"] == "M30"
        assert rc["autoScaling"]["computeMaxInstanceSize"] == "M60"
        assert rc["autoScaling"]["computeScaleDownEnabled"] is True
        assert rc["electableSpecs"]["diskSizeGb"] == 100


def test_dev_is_the_smallest_tier_with_customer_keys_as_a_replica_set(dev):
    c = cluster(dev).inputs
    assert c["clusterType"] == "REPLICASET"
    assert c["terminationProtectionEnabled"] is False and c["retainBackupsEnabled"] is False
    [spec] = c["replicationSpecs"]
    assert "zoneName" not in spec
    rc = spec["regionConfigs"][0]
    assert rc["regionName"] == "US_EAST_1"
    assert rc["electableSpecs"]["instanceSize"] == "M10"
    assert (rc["autoScaling"]["computeMinInstanceSize"], rc["autoScaling"]["computeMaxInstanceSize"]) == ("M10", "M20")


def test_shard_layout_follows_the_zone_config(synth_with):
    synth = synth_with(
        "prod",
        atlas={
            "zones": [
                {"name": "Americas", "region": "US_EAST_2", "shards": 3, "backupCopyRegion": "US_WEST_2"},
                {
                    "name": "EU",
                    "region": "EU_CENTRAL_1",
                    "shards": 2,
                    "backupCopyRegion": "EU_WEST_1",
                    "locations": ["EEA"],
                },
                {"name": "APAC", "region": "AP_SOUTHEAST_1", "shards": 1, "backupCopyRegion": "AP_SOUTHEAST_2"},
            ]
        },
    )
    specs = cluster(synth).inputs["replicationSpecs"]
    assert collections.Counter((s["zoneName"], s["regionConfigs"][0]["regionName"]) for s in specs) == {
        ("Americas", "US_EAST_2"): 3,
        ("EU", "EU_CENTRAL_1"): 2,
        ("APAC", "AP_SOUTHEAST_1"): 1,
    }
    # PrivateLink in every region with nodes (else Atlas gives no private connection string) ...
    regions = {r.inputs["region"] for r in synth.of_type(A + "privateLinkEndpoint:PrivateLinkEndpoint")}
    assert regions == {"US_EAST_2", "EU_CENTRAL_1", "AP_SOUTHEAST_1"}
    # ... KMS private endpoints in the key's region and every region with nodes (Atlas creates nodes only where one
    # is ACTIVE: "Manage Customer Keys with AWS KMS Over Private Endpoints"), each a dependency of the cluster ...
    kms = synth.of_type(A + "encryptionAtRestPrivateEndpoint:EncryptionAtRestPrivateEndpoint")
    assert sorted(r.inputs["regionName"] for r in kms) == ["AP_SOUTHEAST_1", "EU_CENTRAL_1", "US_EAST_1", "US_EAST_2"]
    assert {r.urn for r in kms} <= set(cluster(synth).dependencies)
    # ... and one snapshot copy per zone, each in that zone's copy region.
    copies = one(synth, A + "cloudBackupSchedule:CloudBackupSchedule").inputs["copySettings"]
    assert sorted(c["regionName"] for c in copies) == ["AP_SOUTHEAST_2", "EU_WEST_1", "US_WEST_2"]


# --- encryption at rest ---------------------------------------------------------------------------------------------


def test_cluster_is_created_after_encryption_at_rest(stack):
    ear = one(stack, A + "encryptionAtRest:EncryptionAtRest")
    ear_pes = stack.of_type(A + "encryptionAtRestPrivateEndpoint:EncryptionAtRestPrivateEndpoint")
    deps = set(cluster(stack).dependencies)
    assert ear.urn in deps and ear_pes and {pe.urn for pe in ear_pes} <= deps
    # and the encryption config waits for the key (whose policy names Atlas' role) and the role's KMS grant
    key = one(stack, "aws:kms/key:Key", "catalog-document-key")
    assert key.urn in ear.dependencies
    assert one(stack, "aws:iam/rolePolicy:RolePolicy", "catalog-encryption-role-kms").urn in ear.dependencies
    auth = one(stack, A + "cloudProviderAccessAuthorization:CloudProviderAccessAuthorization")
    assert auth.urn in ear.dependencies
    assert one(stack, "aws:iam/rolePolicy:RolePolicy", "catalog-encryption-role-kms").urn in auth.dependencies


def test_encryption_at_rest_uses_the_document_key_over_private_networking(stack):
    ear = one(stack, A + "encryptionAtRest:EncryptionAtRest").inputs
    key = one(stack, "aws:kms/key:Key", "catalog-document-key")
    auth = one(stack, A + "cloudProviderAccessAuthorization:CloudProviderAccessAuthorization")
    setup = one(stack, A + "cloudProviderAccessSetup:CloudProviderAccessSetup")
    assert ear["projectId"] == project(stack).id
    assert ear["awsKmsConfig"] == {
        "enabled": True,
        "customerMasterKeyId": key.outputs["keyId"],
        "region": "US_EAST_1",
        "roleId": setup.outputs["roleId"],
        "requirePrivateNetworking": True,
    }
    assert auth.inputs["roleId"] == setup.outputs["roleId"]
    pes = [r.inputs for r in stack.of_type(A + "encryptionAtRestPrivateEndpoint:EncryptionAtRestPrivateEndpoint")]
    node_regions = {
        rc["regionName"] for spec in cluster(stack).inputs["replicationSpecs"] for rc in spec["regionConfigs"]
    }
    assert sorted(pe["regionName"] for pe in pes) == sorted(node_regions | {"US_EAST_1"})  # the key's, every node's
    assert all(pe["projectId"] == project(stack).id and pe["cloudProvider"] == "AWS" for pe in pes)


def test_atlas_role_trusts_only_atlas_account_with_the_external_id(stack):
    setup = one(stack, A + "cloudProviderAccessSetup:CloudProviderAccessSetup")
    role = one(stack, "aws:iam/role:Role", "catalog-encryption-role")
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    aws_config = setup.outputs["awsConfigs"][0]
    assert statement["Principal"] == {"AWS": aws_config["atlasAwsAccountArn"]}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": aws_config["atlasAssumedRoleExternalId"]}}
    auth = one(stack, A + "cloudProviderAccessAuthorization:CloudProviderAccessAuthorization")
    assert auth.inputs["aws"] == {"iamAssumedRoleArn": role.outputs["arn"]}
    assert role.outputs["arn"] == f"arn:aws:iam::123456789012:role/ecomart-{stack.stack}-atlas-encryption"


def test_document_key_policy_names_the_atlas_role_and_nothing_wider(stack):
    key = one(stack, "aws:kms/key:Key", "catalog-document-key")
    assert key.parent == component(stack).urn, "the Atlas component owns its key and the key's whole policy"
    assert not stack.of_type("aws:kms/keyPolicy:KeyPolicy"), "one policy, on the key itself"
    assert key.inputs["enableKeyRotation"] is True and key.inputs["rotationPeriodInDays"] == 365
    assert key.inputs["deletionWindowInDays"] == stack.config.kms.deletion_window_days
    alias = one(stack, "aws:kms/alias:Alias", "catalog-document-key-alias")
    assert alias.inputs == {"name": f"alias/ecomart-{stack.stack}/document", "targetKeyId": key.outputs["keyId"]}
    assert alias.parent == component(stack).urn
    role_arn = one(stack, "aws:iam/role:Role", "catalog-encryption-role").outputs["arn"]
    assert role_arn.startswith("arn:aws:iam::123456789012:role/")
    statements = json.loads(key.inputs["policy"])["Statement"]
    atlas_statements = [st for st in statements if st["Principal"].get("AWS") == role_arn]
    assert len(atlas_statements) == 1
    assert (
        sorted(atlas_statements[0]["Action"])
        == sorted(ATLAS_KMS_ACTIONS)
        == ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt"]
    )
    for st in statements:
        assert st["Principal"] not in ("*", {"AWS": "*"}), st
        assert st["Principal"]["AWS"] in (role_arn, "arn:aws:iam::123456789012:root"), st
    root = next(st for st in statements if st["Sid"] == "AccountRootAdministersKey")
    assert "kms:Decrypt" not in root["Action"]
    role_policy = json.loads(
        one(stack, "aws:iam/rolePolicy:RolePolicy", "catalog-encryption-role-kms").inputs["policy"]
    )["Statement"]
    assert role_policy == [{"Effect": "Allow", "Action": ATLAS_KMS_ACTIONS, "Resource": key.outputs["arn"]}]


def test_without_an_atlas_section_nothing_atlas_is_declared(synth_with):
    synth = synth_with("dev", atlas=None)
    assert synth.config.atlas is None
    assert not [r for r in synth.resources if r.type.startswith("mongodbatlas:") or r.type == "ecomart:data:Atlas"]
    assert not synth.of_type("aws:kms/keyPolicy:KeyPolicy")
    assert not [k for k in synth.of_type("aws:kms/key:Key") if k.inputs["tags"].get("data-domain") == "document"], (
        "no unused document key"
    )
    assert all(json.loads(k.inputs["policy"])["Statement"] for k in synth.of_type("aws:kms/key:Key"))
    assert "atlasClusterName" not in synth.outputs


# --- network ---------------------------------------------------------------------------------------------------------


def test_private_link_in_every_cluster_region_from_the_app_subnets(stack):
    home = "US_EAST_1"
    services = {r.inputs["region"]: r for r in stack.of_type(A + "privateLinkEndpoint:PrivateLinkEndpoint")}
    cluster_regions = {s["regionConfigs"][0]["regionName"] for s in cluster(stack).inputs["replicationSpecs"]}
    assert set(services) == cluster_regions
    sg = one(stack, "aws:ec2/securityGroup:SecurityGroup", "catalog-privatelink-sg")
    app_subnets = sorted(r.id for r in stack.of_type("aws:ec2/subnet:Subnet") if "-app-" in r.name)
    links = {
        r.inputs["privateLinkId"]: r for r in stack.of_type(A + "privateLinkEndpointService:PrivateLinkEndpointService")
    }
    assert len(links) == len(services)
    for region, service in services.items():
        assert service.inputs["providerName"] == "AWS" and service.inputs["projectId"] == project(stack).id
        remote = region != home
        assert service.inputs.get("supportedRemoteRegions") == ([home] if remote else None)
        vpce = one(stack, "aws:ec2/vpcEndpoint:VpcEndpoint", f"catalog-vpce-{region.lower().replace('_', '-')}")
        assert vpce.inputs["serviceName"] == service.outputs["endpointServiceName"]
        assert vpce.inputs["serviceName"].startswith("com.amazonaws.vpce.")
        assert vpce.inputs.get("serviceRegion") == (region.lower().replace("_", "-") if remote else None)
        assert vpce.inputs["vpcEndpointType"] == "Interface" and vpce.inputs["privateDnsEnabled"] is False
        assert sorted(vpce.inputs["subnetIds"]) == app_subnets
        assert vpce.inputs["securityGroupIds"] == [sg.id]
        link = links[service.outputs["privateLinkId"]]
        assert link.inputs["endpointServiceId"] == vpce.id and vpce.id.startswith("vpce-")
    assert (stack.stack, set(services)) in (("dev", {"US_EAST_1"}), ("prod", {"US_EAST_1", "EU_WEST_1"}))


def test_only_the_app_tier_reaches_the_endpoints_on_atlas_ports(stack):
    """The app tier and the service's functions (components/service.py writes its own path), nothing else."""
    pl_sg = one(stack, "aws:ec2/securityGroup:SecurityGroup", "catalog-privatelink-sg")
    app_sg = one(stack, "aws:ec2/securityGroup:SecurityGroup", "network-app-sg")
    fn_sg = one(stack, "aws:ec2/securityGroup:SecurityGroup", "app-functions-sg")
    ingress = [
        r
        for r in stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == pl_sg.id
    ]
    assert sorted(
        (r.inputs["referencedSecurityGroupId"], r.inputs["fromPort"], r.inputs["toPort"], r.inputs["ipProtocol"])
        for r in ingress
    ) == sorted([(app_sg.id, *PRIVATELINK_PORTS, "tcp"), (fn_sg.id, *PRIVATELINK_PORTS, "tcp")])
    assert PRIVATELINK_PORTS == (1024, 65535)
    assert not any("cidrIpv4" in r.inputs or "cidrIpv6" in r.inputs for r in ingress)
    egress = [
        r
        for r in stack.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.inputs.get("referencedSecurityGroupId") == pl_sg.id
    ]
    assert sorted((r.inputs["securityGroupId"], r.inputs["fromPort"], r.inputs["toPort"]) for r in egress) == sorted(
        [(app_sg.id, *PRIVATELINK_PORTS), (fn_sg.id, *PRIVATELINK_PORTS)]
    )


def test_ip_access_list_holds_only_configured_narrow_cidrs(dev, prod):
    entries = dev.of_type(A + "projectIpAccessList:ProjectIpAccessList")
    assert [(e.inputs["cidrBlock"], e.inputs["projectId"]) for e in entries] == [("198.51.100.0/24", project(dev).id)]
    assert not prod.of_type(A + "projectIpAccessList:ProjectIpAccessList"), "prod is reachable over PrivateLink only"
    for synth in (dev, prod):
        for e in synth.of_type(A + "projectIpAccessList:ProjectIpAccessList"):
            net = ipaddress.ip_network(e.inputs["cidrBlock"])
            assert net.prefixlen >= (16 if net.version == 4 else 48), e.inputs
            assert "ipAddress" not in e.inputs and "awsSecurityGroup" not in e.inputs


# --- database users --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_name, role_name, physical, mongo_role",
    [
        ("catalog-analytics-user", "catalog-analytics-role", "catalog-analytics", "read"),
        # the app's functions log in as their own roles (components/service.py)
        ("app-api-atlas-user", "app-api-role", "api", "readWrite"),
        ("app-relay-atlas-user", "app-relay-role", "relay", "readWrite"),
    ],
)
def test_database_users_authenticate_with_their_iam_role_on_the_catalog_only(
    stack, user_name, role_name, physical, mongo_role
):
    user = one(stack, A + "databaseUser:DatabaseUser", user_name).inputs
    role = one(stack, "aws:iam/role:Role", role_name)
    assert user["username"] == role.outputs["arn"] == f"arn:aws:iam::123456789012:role/ecomart-{stack.stack}-{physical}"
    assert user["projectId"] == project(stack).id
    assert user["awsIamType"] == "ROLE" and user["authDatabaseName"] == "$external"
    assert user["roles"] == [{"roleName": mongo_role, "databaseName": "catalog"}]
    assert user["scopes"] == [{"name": cluster(stack).inputs["name"], "type": "CLUSTER"}]
    assert not {"password", "passwordWo", "x509Type", "ldapAuthType"} & set(user)
    assert not {r["roleName"] for r in user["roles"]} & FORBIDDEN_ROLES


def test_workload_roles_trust_lambda_and_this_accounts_ecs_tasks(stack):
    assert not [r for r in stack.of_type("aws:iam/role:Role") if r.name == "catalog-app-role"], (
        "the service's functions bring their own roles: no unused catalog-app role"
    )
    for key in ("analytics",):
        statements = json.loads(one(stack, "aws:iam/role:Role", f"catalog-{key}-role").inputs["assumeRolePolicy"])[
            "Statement"
        ]
        assert {st["Principal"]["Service"] for st in statements} == {"lambda.amazonaws.com", "ecs-tasks.amazonaws.com"}
        ecs = next(st for st in statements if st["Principal"]["Service"] == "ecs-tasks.amazonaws.com")
        assert ecs["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}


# --- global cluster config -------------------------------------------------------------------------------------------


def test_prod_pins_every_eea_country_to_the_eu_zone(prod):
    gc = one(prod, A + "globalClusterConfig:GlobalClusterConfig").inputs
    assert gc["clusterName"] == cluster(prod).inputs["name"] and gc["projectId"] == project(prod).id
    mapping = {m["location"]: m["zone"] for m in gc["customZoneMappings"]}
    assert {c: mapping.get(c) for c in EEA_COUNTRIES} == {c: "EU" for c in EEA_COUNTRIES}
    zone_regions = {
        s["zoneName"]: s["regionConfigs"][0]["regionName"] for s in cluster(prod).inputs["replicationSpecs"]
    }
    assert set(mapping.values()) <= set(zone_regions)
    assert all(is_eu_region(zone_regions[zone]) for zone in mapping.values())
    namespaces = {(n["db"], n["collection"]): n for n in gc["managedNamespaces"]}
    for ns in CATALOG_NAMESPACES:
        n = namespaces[("catalog", ns.collection)]
        assert n["customShardKey"] == ns.shard_key and n["isCustomShardKeyHashed"] is ns.hashed
        assert n["isShardKeyUnique"] is False
    assert {c for (_, c), n in namespaces.items() if n["customShardKey"] == "customerId"} == {
        "customer_profiles",
        "order_analytics",
        "recommendations",
    }


def test_managed_namespaces_match_the_apps_shard_plan():
    """The cluster shards exactly what the app writes, with the key the app's bootstrap would use."""
    from app.catalog import SHARD_KEYS

    declared = {ns.collection: {"location": 1, ns.shard_key: "hashed" if ns.hashed else 1} for ns in CATALOG_NAMESPACES}
    assert declared == SHARD_KEYS


def test_dev_replica_set_has_no_global_config(dev):
    assert not dev.of_type(A + "globalClusterConfig:GlobalClusterConfig")


# --- backups ---------------------------------------------------------------------------------------------------------


def test_backup_schedule_policy(stack):
    b = one(stack, A + "cloudBackupSchedule:CloudBackupSchedule").inputs
    assert b["clusterName"] == cluster(stack).inputs["name"] and b["projectId"] == project(stack).id
    assert b["restoreWindowDays"] >= 7
    assert b["policyItemHourly"] == {
        "frequencyInterval": 6,
        "retentionUnit": "days",
        "retentionValue": b["restoreWindowDays"],
    }
    assert b["policyItemDaily"]["frequencyInterval"] == 1 and b["policyItemDaily"]["retentionUnit"] == "days"
    [weekly], [monthly] = b["policyItemWeeklies"], b["policyItemMonthlies"]
    assert weekly["retentionUnit"] == "weeks" and monthly["retentionUnit"] == "months"
    assert monthly["frequencyInterval"] == 40  # the last day of the month
    expected = {"dev": (7, 4, 3), "prod": (35, 8, 12)}[stack.stack]
    assert (b["policyItemDaily"]["retentionValue"], weekly["retentionValue"], monthly["retentionValue"]) == expected


def test_prod_copies_each_zones_snapshots_to_its_own_second_region(prod, dev):
    b = one(prod, A + "cloudBackupSchedule:CloudBackupSchedule").inputs
    zone_ids = {s["zoneName"]: s["zoneId"] for s in cluster(prod).outputs["replicationSpecs"]}
    copies = {c["zoneId"]: c for c in b["copySettings"]}
    assert b["copyPolicyItemsEnabled"] is True
    assert copies[zone_ids["Americas"]]["regionName"] == "US_WEST_2"
    assert copies[zone_ids["EU"]]["regionName"] == "EU_CENTRAL_1", "EU snapshots stay in the EU"
    for c in copies.values():
        assert c["cloudProvider"] == "AWS" and c["shouldCopyOplogs"] is True
        assert {i["frequencyType"] for i in c["copyPolicyItems"]} == {
            "hourly",
            "daily",
            "weekly",
            "monthly",
            "ondemand",
        }
        assert "frequencies" not in c
    dev_schedule = one(dev, A + "cloudBackupSchedule:CloudBackupSchedule").inputs
    assert "copySettings" not in dev_schedule


def test_prod_has_a_backup_compliance_policy_matching_the_schedule(prod, dev):
    policy = one(prod, A + "backupCompliancePolicy:BackupCompliancePolicy")
    p = policy.inputs
    schedule = one(prod, A + "cloudBackupSchedule:CloudBackupSchedule")
    assert (p["pitEnabled"], p["encryptionAtRestEnabled"], p["copyProtectionEnabled"]) == (True, True, True)
    assert p["restoreWindowDays"] == schedule.inputs["restoreWindowDays"]
    for key in ("policyItemHourly", "policyItemDaily", "policyItemWeeklies", "policyItemMonthlies"):
        assert p[key] == schedule.inputs[key]
    assert p["authorizedEmail"] == "data-platform@ecomart.example"
    assert schedule.urn in policy.dependencies
    assert not dev.of_type(A + "backupCompliancePolicy:BackupCompliancePolicy")


# --- auditing, alerts, maintenance ---------------------------------------------------------------------------------


def test_auditing_records_auth_failures_and_customer_writes(stack):
    a = one(stack, A + "auditing:Auditing").inputs
    assert a["enabled"] is True and a["auditAuthorizationSuccess"] is True
    clauses = json.loads(a["auditFilter"])["$or"]
    assert {"atype": "authenticate", "result": {"$ne": 0}} in clauses
    writes = next(c for c in clauses if "param.ns" in c)
    assert set(writes["param.command"]["$in"]) == {"insert", "update", "delete", "findAndModify"}
    customer = {f"catalog.{ns.collection}" for ns in CATALOG_NAMESPACES if ns.customer_owned}
    assert set(writes["param.ns"]["$in"]) == customer and "catalog.products" not in customer


def test_alerts_cover_the_failure_modes_and_notify_the_configured_emails(stack):
    alerts = stack.of_type(A + "alertConfiguration:AlertConfiguration")
    by_kind = {
        (a.inputs["eventType"], (a.inputs.get("metricThresholdConfig") or {}).get("metricName")): a.inputs
        for a in alerts
    }
    expected = {
        ("OUTSIDE_METRIC_THRESHOLD", "OPLOG_SLAVE_LAG_MASTER_TIME"): 60,
        ("OUTSIDE_METRIC_THRESHOLD", "DISK_PARTITION_SPACE_USED_DATA"): 80,
        ("OUTSIDE_METRIC_THRESHOLD", "CONNECTIONS_PERCENT"): 80,
        ("OUTSIDE_METRIC_THRESHOLD", "QUERY_TARGETING_SCANNED_OBJECTS_PER_RETURNED"): 1000,
    }
    for kind, threshold in expected.items():
        m = by_kind[kind]["metricThresholdConfig"]
        assert m["threshold"] == threshold and m["operator"] == "GREATER_THAN"
    for event in (
        "PRIMARY_ELECTED",
        "NO_PRIMARY",
        "CPS_SNAPSHOT_FAILED",
        "CPS_SNAPSHOT_FALLBACK_FAILED",
        "CPS_COPY_SNAPSHOT_FAILED",
        "ENCRYPTION_AT_REST_CONFIG_NO_LONGER_VALID",
    ):
        assert (event, None) in by_kind
    emails = stack.config.monitoring.alarm_emails
    for a in alerts:
        assert a.inputs["enabled"] is True and a.inputs["projectId"] == project(stack).id
        assert sorted(n["emailAddress"] for n in a.inputs["notifications"]) == sorted(emails)
        assert all(n["typeName"] == "EMAIL" for n in a.inputs["notifications"])


def test_alert_emails_can_differ_from_the_monitoring_ones(synth_with):
    synth = synth_with("dev", atlas={"alertEmails": ["catalog-oncall@ecomart.example"]})
    for a in synth.of_type(A + "alertConfiguration:AlertConfiguration"):
        assert [n["emailAddress"] for n in a.inputs["notifications"]] == ["catalog-oncall@ecomart.example"]


def test_maintenance_window_from_config(dev, prod):
    assert one(dev, A + "maintenanceWindow:MaintenanceWindow").inputs["dayOfWeek"] == 3  # tue (Sunday = 1)
    w = one(prod, A + "maintenanceWindow:MaintenanceWindow").inputs
    assert (w["dayOfWeek"], w["hourOfDay"], w["autoDeferOnceEnabled"]) == (1, 8, False)


# --- structure and outputs -------------------------------------------------------------------------------------------


def test_every_child_is_parented_to_the_component(stack):
    comp = component(stack)
    kids = [r for r in stack.resources if r.parent == comp.urn]
    search_index = "mongodbatlas:index/searchIndex:SearchIndex"
    atlas_types = {r.type for r in stack.resources if r.type.startswith("mongodbatlas:")} - {search_index}
    assert {r.type for r in kids} >= atlas_types | {
        "aws:kms/key:Key",
        "aws:kms/alias:Alias",
        "aws:iam/role:Role",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
    }
    service = one(stack, "ecomart:app:Service")
    for r in stack.resources:
        if r.type.startswith("mongodbatlas:") or r.name.startswith("catalog-"):
            # the service's functions' users are the service's (they name its roles), and the search indexes (they
            # follow the service's creation of the collection, ADR 0030)
            theirs = r.name.endswith("-atlas-user") or r.type == search_index
            assert r.parent == (service.urn if theirs else comp.urn), r.urn
    # the app tier's path to the endpoints: written by the component that needs it, on the SG ids it was given
    network = one(stack, "ecomart:network:Network")
    app_sg = one(stack, "aws:ec2/securityGroup:SecurityGroup", "network-app-sg").id
    endpoint_sg = one(stack, "aws:ec2/securityGroup:SecurityGroup", "catalog-privatelink-sg").id
    rule_in = one(stack, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "catalog-app-to-atlas-in")
    rule_out = one(stack, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "catalog-app-to-atlas-out")
    assert (rule_in.inputs["securityGroupId"], rule_in.inputs["referencedSecurityGroupId"]) == (endpoint_sg, app_sg)
    assert (rule_out.inputs["securityGroupId"], rule_out.inputs["referencedSecurityGroupId"]) == (app_sg, endpoint_sg)
    assert not [r for r in stack.resources if r.parent == network.urn and r.name.startswith("catalog-")]


def test_stack_outputs(stack):
    out = stack.outputs
    assert out["atlasProjectId"] == project(stack).id
    assert out["atlasClusterName"] == stack.config.atlas.cluster_name
    assert out["atlasConnectionString"].startswith("mongodb+srv://" + stack.config.atlas.cluster_name)
    private = cluster(stack).outputs["connectionStrings"]["privateEndpoints"][0]
    expected = private.get("srvShardOptimizedConnectionString") or private["srvConnectionString"]
    assert out["atlasPrivateConnectionString"] == expected
    assert ("-lb." in expected) is (stack.stack == "prod"), "sharded clusters use the shard-optimized string"
    assert out["atlasAppRoleArn"] == one(stack, "aws:iam/role:Role", "app-api-role").outputs["arn"]
    assert all("@" not in out[k] for k in ("atlasConnectionString", "atlasPrivateConnectionString")), (
        "no credentials in connection strings (IAM authentication)"
    )


def test_no_atlas_input_is_unknown(stack):
    assert not [u for u in stack.unknown_inputs() if "mongodbatlas" in u[0] or "catalog" in u[0]]


def test_resource_counts(dev, prod):
    def counts(synth):
        return {t.split("/")[-1].split(":")[-1]: n for t, n in synth.counts().items() if t.startswith("mongodbatlas:")}

    assert counts(prod) == {
        "Project": 1,
        "CloudProviderAccessSetup": 1,
        "CloudProviderAccessAuthorization": 1,
        "EncryptionAtRest": 1,
        "EncryptionAtRestPrivateEndpoint": 2,  # US_EAST_1 (the key's, and nodes) and EU_WEST_1 (nodes)
        "PrivateLinkEndpoint": 2,
        "PrivateLinkEndpointService": 2,
        "AdvancedCluster": 1,
        "GlobalClusterConfig": 1,
        "CloudBackupSchedule": 1,
        "BackupCompliancePolicy": 1,
        "DatabaseUser": 3,
        "Auditing": 1,
        "AlertConfiguration": 11,
        "MaintenanceWindow": 1,
        "SearchIndex": 2,  # the service's (ADR 0030)
    }
    assert counts(dev) == {
        "Project": 1,
        "CloudProviderAccessSetup": 1,
        "CloudProviderAccessAuthorization": 1,
        "EncryptionAtRest": 1,
        "EncryptionAtRestPrivateEndpoint": 1,
        "PrivateLinkEndpoint": 1,
        "PrivateLinkEndpointService": 1,
        "AdvancedCluster": 1,
        "CloudBackupSchedule": 1,
        "DatabaseUser": 3,
        "Auditing": 1,
        "AlertConfiguration": 11,
        "MaintenanceWindow": 1,
        "ProjectIpAccessList": 1,
        "SearchIndex": 2,
    }
