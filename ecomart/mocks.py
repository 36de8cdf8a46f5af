"""Realistic mocks for Pulumi's mock engine: the offline preview and the tests synthesize stacks with these.

Why realistic: under mocks an output the mock does not return resolves to nothing and silently drops every input
that used it. So every resource gets a provider-shaped id, an ARN in the right partition/region/account, and the
endpoints, names and nested outputs the program reads (RDS endpoints and managed secret, ElastiCache endpoints,
Atlas project ids, ...). ``RecordingMonitor`` also keeps what the engine would know and the SDK's mock hides from
``Mocks.new_resource``: each resource's parent, dependencies and custom flag, so the preview can write a graph in
the shape of ``pulumi stack export``.

When a component reads an output this module does not produce, the preview (run as a dry run) carries Pulumi's
unknown sentinel into the dependent input and ``tests/infra/test_preview.py`` fails: extend ``_EXTRA_OUTPUTS``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

ACCOUNT_ID = "123456789012"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN
# What a data source returns for a value only the account knows (a secret's or a parameter's value, a policy the
# program did not declare). The SDK's plain data-source forms cannot carry an unknown (it arrives as None and their
# result classes refuse it), so this text stands in, and every input holding it is recorded as unknown.
ACCOUNT_ONLY = "(known only to the account: not in an offline preview)"

# Type tokens whose ARN does not follow arn:aws:<service>:<region>:<account>:<kind>/<id>.
_ARN_KIND = {
    "aws:rds/instance:Instance": ("rds", "db:{name}"),
    "aws:rds/parameterGroup:ParameterGroup": ("rds", "pg:{name}"),
    "aws:rds/subnetGroup:SubnetGroup": ("rds", "subgrp:{name}"),
    "aws:rds/optionGroup:OptionGroup": ("rds", "og:{name}"),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": ("rds", "auto-backup:{id}"),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("elasticache", "replicationgroup:{name}"),
    "aws:elasticache/parameterGroup:ParameterGroup": ("elasticache", "parametergroup:{name}"),
    "aws:elasticache/subnetGroup:SubnetGroup": ("elasticache", "subnetgroup:{name}"),
    "aws:elasticache/user:User": ("elasticache", "user:{name}"),
    "aws:elasticache/userGroup:UserGroup": ("elasticache", "usergroup:{name}"),
    "aws:iam/role:Role": ("iam", "role/{name}"),
    "aws:iam/policy:Policy": ("iam", "policy/{name}"),
    "aws:kms/key:Key": ("kms", "key/{id}"),
    "aws:kms/alias:Alias": ("kms", "{name}"),
    "aws:kms/replicaKey:ReplicaKey": ("kms", "key/{id}"),
    "aws:sns/topic:Topic": ("sns", "{name}"),
    "aws:cloudwatch/logGroup:LogGroup": ("logs", "log-group:{name}"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("cloudwatch", "alarm:{name}"),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ("cloudwatch", "alarm:{name}"),
    "aws:cloudwatch/dashboard:Dashboard": ("cloudwatch", "dashboard/{name}"),
    "aws:backup/vault:Vault": ("backup", "backup-vault:{name}"),
    "aws:backup/plan:Plan": ("backup", "backup-plan:{id}"),
    "aws:secretsmanager/secret:Secret": ("secretsmanager", "secret:{name}-AbCdEf"),
    "aws:s3/bucket:Bucket": ("s3", "{name}"),
    "aws:s3/bucketV2:BucketV2": ("s3", "{name}"),
    "aws:lambda/function:Function": ("lambda", "function:{name}"),
    "aws:sqs/queue:Queue": ("sqs", "{name}"),
    "aws:dynamodb/table:Table": ("dynamodb", "table/{name}"),
    "aws:ecr/repository:Repository": ("ecr", "repository/{name}"),
    "aws:ssm/parameter:Parameter": ("ssm", "parameter{name}"),
}
_GLOBAL_SERVICES = {"iam", "s3"}

# Id prefixes of EC2-style ids.
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:ec2/networkAcl:NetworkAcl": "acl-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/instance:Instance": "i-",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    "aws:ec2/networkInterface:NetworkInterface": "eni-",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "pcx-",
    "aws:ec2/transitGateway:TransitGateway": "tgw-",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": "eigw-",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc-",
    "aws:ec2/route:Route": "r-",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "sgrule-",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": "acl-",
    "aws:ec2/defaultRouteTable:DefaultRouteTable": "rtb-",
    "aws:ec2/vpcDhcpOptions:VpcDhcpOptions": "dopt-",
    "aws:ec2/customerGateway:CustomerGateway": "cgw-",
    "aws:ec2/vpnGateway:VpnGateway": "vgw-",
    "aws:ec2/keyPair:KeyPair": "key-",
    "aws:ebs/volume:Volume": "vol-",
}
# EC2 resources whose ARN names a different resource type than the token's kind (kebab-cased otherwise).
_EC2_ARN_KIND = {
    "eip": "elastic-ip",
    "vpcEndpoint": "vpc-endpoint",
    "flowLog": "vpc-flow-log",
    "defaultSecurityGroup": "security-group",
    "defaultNetworkAcl": "network-acl",
    "defaultRouteTable": "route-table",
    "vpcDhcpOptions": "dhcp-options",
}


def _hex(seed: str, n: int = 17) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _uuid(seed: str) -> str:
    h = _hex(seed, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _object_id(seed: str) -> str:
    """A 24-hex-digit id, the shape of Atlas project/cluster ids."""
    return _hex(seed, 24)


def _region_of(inputs: dict, default: str) -> str:
    return inputs.get("region") or default


def _actual_engine_version(requested: str) -> str:
    return requested if "." in requested else f"{requested}.9"


def _rds_instance(name: str, inputs: dict, region: str) -> dict:
    ident = inputs.get("identifier") or name
    host = f"{ident}.c{_hex(name, 10)}.{region}.rds.amazonaws.com"
    out = {
        "address": host,
        "endpoint": f"{host}:{int(inputs.get('port') or 5432)}",
        "port": int(inputs.get("port") or 5432),
        "hostedZoneId": "Z2R2ITUGPM61AM",
        "resourceId": "db-" + _hex(name, 26).upper(),
        "identifier": ident,
        # RDS resolves a major-only version to its newest minor (docs/adr/0017); the mock names one.
        "engineVersionActual": _actual_engine_version(str(inputs.get("engineVersion", "16"))),
    }
    if inputs.get("manageMasterUserPassword"):
        out["masterUserSecrets"] = [
            {
                "secretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!db-{_uuid(name)}-AbCdEf",
                "kmsKeyId": inputs.get("masterUserSecretKmsKeyId", ""),
                "secretStatus": "active",
            }
        ]
    return out


def _replication_group(name: str, inputs: dict, region: str) -> dict:
    rg = inputs.get("replicationGroupId") or name
    suffix = f"{_hex(name, 6)}.cache.amazonaws.com"
    # ElastiCache's node naming: <rg>-001.. (cluster mode disabled), <rg>-0001-001.. (enabled).
    if inputs.get("clusterMode") == "enabled":
        members = [
            f"{rg}-{s:04d}-{n:03d}"
            for s in range(1, int(inputs.get("numNodeGroups", 1)) + 1)
            for n in range(1, int(inputs.get("replicasPerNodeGroup", 0)) + 2)
        ]
    else:
        members = [f"{rg}-{n:03d}" for n in range(1, int(inputs.get("numCacheClusters", 1)) + 1)]
    out: dict[str, Any] = {"port": inputs.get("port", 6379), "memberClusters": members}
    if inputs.get("clusterMode") == "enabled":
        out["configurationEndpointAddress"] = f"clustercfg.{rg}.{suffix}"
    else:
        out["primaryEndpointAddress"] = f"master.{rg}.{suffix}"
        out["readerEndpointAddress"] = f"replica.{rg}.{suffix}"
    return out


def _mongodbatlas(typ: str, name: str, inputs: dict) -> dict:
    out: dict[str, Any] = {}
    if typ == "mongodbatlas:index/project:Project":
        out["projectId"] = _object_id(typ + name)  # the same value as the resource id, as in Atlas
        out["clusterCount"] = 0
    if typ == "mongodbatlas:index/cloudProviderAccessSetup:CloudProviderAccessSetup":
        out["roleId"] = _object_id(name)
        out["awsConfigs"] = [
            {"atlasAwsAccountArn": "arn:aws:iam::536727724300:root", "atlasAssumedRoleExternalId": _uuid(name)}
        ]
    if typ == "mongodbatlas:index/cloudProviderAccessAuthorization:CloudProviderAccessAuthorization":
        out["authorizedDate"] = "2025-01-01T00:00:00Z"
        out["featureUsages"] = [{"featureType": "ENCRYPTION_AT_REST", "featureId": {}}]
    if typ == "mongodbatlas:index/advancedCluster:AdvancedCluster":
        cluster = inputs.get("name", name)
        host = f"{cluster}.{_hex(cluster, 5)}.mongodb.net"
        sharded = inputs.get("clusterType") in ("SHARDED", "GEOSHARDED")
        specs = inputs.get("replicationSpecs") or []
        # Atlas returns every shard's spec with its zone id (one per zone name) and shard id.
        out["replicationSpecs"] = [
            {
                **spec,
                "zoneName": spec.get("zoneName", "Zone 1"),
                "zoneId": _object_id(f"{cluster}/zone/{spec.get('zoneName', 'Zone 1')}"),
                "externalId": _object_id(f"{cluster}/shard/{i}"),
            }
            for i, spec in enumerate(specs)
        ]
        regions = list(
            dict.fromkeys(rc.get("regionName", "US_EAST_1") for spec in specs for rc in spec.get("regionConfigs", []))
        )
        private = {
            "srvConnectionString": f"mongodb+srv://{cluster}-pl-0.{_hex(cluster, 5)}.mongodb.net",
            "connectionString": f"mongodb://pl-0-{regions[0].lower() if regions else 'us_east_1'}."
            f"{_hex(cluster, 5)}.mongodb.net:1024/?ssl=true",
            "type": "MONGOS" if sharded else "REPLICA_SET",
            "endpoints": [
                {"endpointId": "vpce-" + _hex(f"{cluster}/{r}"), "providerName": "AWS", "region": r} for r in regions
            ],
        }
        if sharded:
            private["srvShardOptimizedConnectionString"] = (
                f"mongodb+srv://{cluster}-pl-0-lb.{_hex(cluster, 5)}.mongodb.net"
            )
        out["clusterId"] = _object_id(name)
        out["connectionStrings"] = {
            "standard": f"mongodb://{host}:27017/?ssl=true&authSource=admin",
            "standardSrv": f"mongodb+srv://{host}",
            "privateEndpoints": [private],
        }
        out["stateName"] = "IDLE"
        out["mongoDbVersion"] = f"{inputs.get('mongoDbMajorVersion', '8.0')}.3"
    if typ == "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint":
        aws_region = str(inputs.get("region", "US_EAST_1")).lower().replace("_", "-")
        out["privateLinkId"] = _object_id(name)
        out["endpointServiceName"] = f"com.amazonaws.vpce.{aws_region}.vpce-svc-{_hex(name, 17)}"
        out["interfaceEndpoints"] = []
        out["status"] = "AVAILABLE"
    if typ == "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService":
        out["awsConnectionStatus"] = "AVAILABLE"
        out["interfaceEndpointId"] = inputs.get("endpointServiceId")
    if typ == "mongodbatlas:index/encryptionAtRestPrivateEndpoint:EncryptionAtRestPrivateEndpoint":
        out["status"] = "ACTIVE"
        out["privateEndpointConnectionName"] = f"atlas-kms-{_hex(name, 8)}"
    return out


def _api_id(name: str) -> str:
    """API Gateway ids: 10 lowercase alphanumerics."""
    return _hex("api" + name, 10)


def _lambda_function(name: str, inputs: dict, region: str) -> dict:
    arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{inputs.get('name', name)}"
    return {
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "version": "$LATEST",
        "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
    }


def _signing_profile(name: str, inputs: dict, region: str) -> dict:
    profile = inputs.get("name") or f"{inputs.get('namePrefix', '')}{_hex(name, 20).upper()}"
    arn = f"arn:aws:signer:{region}:{ACCOUNT_ID}:/signing-profiles/{profile}"
    version = _hex("v" + name, 10)
    return {"name": profile, "arn": arn, "version": version, "versionArn": f"{arn}/{version}", "status": "Active"}


_EXTRA_OUTPUTS: dict[str, Callable[[str, dict, str], dict]] = {
    "aws:rds/instance:Instance": _rds_instance,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:kms/key:Key": lambda name, inputs, region: {"keyId": _uuid(name)},
    # SQS: the id of a queue is its URL, and so is its `url` output.
    "aws:sqs/queue:Queue": lambda name, inputs, region: {
        "url": f"https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/{inputs.get('name', name)}"
    },
    "aws:kms/replicaKey:ReplicaKey": lambda name, inputs, region: {"keyId": "mrk-" + _hex(name, 32)},
    "aws:ec2/vpc:Vpc": lambda name, inputs, region: {
        "defaultSecurityGroupId": "sg-" + _hex(name + "dsg"),
        "mainRouteTableId": "rtb-" + _hex(name + "rt"),
        "defaultNetworkAclId": "acl-" + _hex(name + "acl"),
    },
    "aws:ec2/vpcEndpoint:VpcEndpoint": lambda name, inputs, region: {
        "dnsEntries": [{"dnsName": f"vpce-{_hex(name)}.{inputs.get('serviceName', 'svc')}", "hostedZoneId": "Z7HUB"}],
        "networkInterfaceIds": ["eni-" + _hex(name)],
    },
    "aws:sns/topic:Topic": lambda name, inputs, region: {"name": inputs.get("name", name)},
    "aws:cloudwatch/dashboard:Dashboard": lambda name, inputs, region: {
        "dashboardArn": f"arn:aws:cloudwatch::{ACCOUNT_ID}:dashboard/{inputs.get('dashboardName', name)}"
    },
    "aws:backup/plan:Plan": lambda name, inputs, region: {"version": _hex(name, 32)},
    "aws:iam/role:Role": lambda name, inputs, region: {"uniqueId": "AROA" + _hex(name, 17).upper()},
    "aws:secretsmanager/secret:Secret": lambda name, inputs, region: {},
    "aws:rds/proxy:Proxy": lambda name, inputs, region: {
        "arn": f"arn:aws:rds:{region}:{ACCOUNT_ID}:db-proxy:prx-{_hex(name, 17)}",
        "endpoint": f"{inputs.get('name', name)}.proxy-c{_hex(name, 10)}.{region}.rds.amazonaws.com",
    },
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": lambda name, inputs, region: {"name": "default"},
    "aws:lambda/function:Function": _lambda_function,
    "aws:lambda/invocation:Invocation": lambda name, inputs, region: {"result": json.dumps({"applied": []})},
    "aws:apigatewayv2/api:Api": lambda name, inputs, region: {
        "arn": f"arn:aws:apigateway:{region}::/apis/{_api_id(name)}",
        "executionArn": f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{_api_id(name)}",
        "apiEndpoint": f"https://{_api_id(name)}.execute-api.{region}.amazonaws.com",
    },
    "aws:apigatewayv2/stage:Stage": lambda name, inputs, region: {
        # The $default stage is served at the API's root.
        "invokeUrl": f"https://{inputs.get('apiId')}.execute-api.{region}.amazonaws.com/"
        + ("" if inputs.get("name") == "$default" else f"{inputs.get('name')}"),
        "arn": f"arn:aws:apigateway:{region}::/apis/{inputs.get('apiId')}/stages/{inputs.get('name')}",
    },
    "aws:cognito/userPool:UserPool": lambda name, inputs, region: {
        "arn": f"arn:aws:cognito-idp:{region}:{ACCOUNT_ID}:userpool/{region}_{_hex(name, 9)}",
        "endpoint": f"cognito-idp.{region}.amazonaws.com/{region}_{_hex(name, 9)}",
    },
    # Signer: a generated profile name ([A-Za-z0-9_]) and its versioned ARN; a finished job and its signed object.
    "aws:signer/signingProfile:SigningProfile": lambda name, inputs, region: _signing_profile(name, inputs, region),
    "aws:signer/signingJob:SigningJob": lambda name, inputs, region: {
        "jobId": _uuid(name),
        "status": "Succeeded",
        "platformId": "AWSLambda-SHA384-ECDSA",
        "signedObjects": [
            {
                "s3s": [
                    {
                        "bucket": (inputs.get("destination") or {}).get("s3", {}).get("bucket"),
                        "key": f"{(inputs.get('destination') or {}).get('s3', {}).get('prefix', '')}{_uuid(name)}.zip",
                    }
                ]
            }
        ],
    },
    "aws:lambda/codeSigningConfig:CodeSigningConfig": lambda name, inputs, region: {
        "arn": f"arn:aws:lambda:{region}:{ACCOUNT_ID}:code-signing-config:csc-{_hex(name, 17)}",
        "configId": f"csc-{_hex(name, 17)}",
    },
    "aws:s3/bucketObjectv2:BucketObjectv2": lambda name, inputs, region: {
        "versionId": _hex("version" + name, 32),
        "etag": _hex("etag" + name, 32),
        "arn": f"arn:aws:s3:::{inputs.get('bucket')}/{inputs.get('key')}",
    },
    "aws:scheduler/schedule:Schedule": lambda name, inputs, region: {
        "arn": f"arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule/{inputs.get('groupName', 'default')}/"
        f"{inputs.get('name', name)}"
    },
}


def _kebab(kind: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in kind).lstrip("-")


def _ec2_prefix(typ: str) -> str:
    """A known EC2 id prefix, else one derived from the type token (``aws:ec2/fooBar:FooBar`` -> ``fb-``)."""
    if typ in _ID_PREFIX:
        return _ID_PREFIX[typ]
    kind = typ.split(":")[-1]
    return "".join(c for c in kind if c.isupper()).lower() + "-"


def resource_id(typ: str, name: str, inputs: dict, region: str = "us-east-1") -> str:
    if typ in _ID_PREFIX or typ.startswith("aws:ec2/"):
        return _ec2_prefix(typ) + _hex(name)
    if typ.startswith("mongodbatlas:"):
        return _object_id(typ + name)
    if typ in ("aws:backup/plan:Plan", "aws:backup/selection:Selection"):
        return _uuid(name)  # AWS Backup generates these ids; they are not the resource's name
    if typ == "aws:apigatewayv2/api:Api":
        return _api_id(name)
    if typ.startswith("aws:apigatewayv2/") and typ not in (
        "aws:apigatewayv2/domainName:DomainName",
        "aws:apigatewayv2/stage:Stage",
    ):
        return _hex(typ + name, 7)  # integration, route, authorizer, mapping ids
    if typ == "aws:cognito/userPool:UserPool":
        return f"{region}_{_hex(name, 9)}"
    if typ == "aws:signer/signingProfile:SigningProfile":
        return _signing_profile(name, inputs, region)["name"]  # a profile's id is its name
    if typ == "aws:s3/bucketObjectv2:BucketObjectv2" and inputs.get("key"):
        return inputs["key"]
    if typ == "aws:cognito/userPoolClient:UserPoolClient":
        return _hex("client" + name, 26)
    for key in (
        "identifier",
        "replicationGroupId",
        "name",
        "bucket",
        "functionName",
        "dashboardName",
        "alarmName",
        "roleName",
        "userId",
        "userGroupId",
    ):
        if isinstance(inputs.get(key), str) and inputs[key]:
            return inputs[key]
    if typ in ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"):
        return _uuid(name)
    return f"{name}-{_hex(name, 8)}"


# The physical-name inputs the provider fills in when a program leaves them out (Pulumi's autonaming), in the order
# looked for in the resource's inputs: ``name`` for most types, ``bucket`` for S3, ``identifier`` for RDS.
_AUTONAME_CANDIDATES = ("name", "bucket", "identifier", "replication_group_id")


_AUTONAMED: dict[str, str | None] = {}  # type token -> its autonamed input, for the classes already read


def _autonamed_property(typ: str) -> str | None:
    """The engine-cased input the provider autonames for ``typ``, read from the SDK class the program used (only
    a class already loaded: the monitor runs on a worker thread, where importing could half-load a lazy package).
    Remembered once the class was read; a class not loaded yet is not remembered as having no such input (it was:
    a preview that met a type before its module was loaded left every later preview in the process unnamed)."""
    if typ in _AUTONAMED:
        return _AUTONAMED[typ]
    import inspect
    import sys

    if not typ.startswith("aws:"):
        return None
    module_part, _, cls_name = typ.split(":", 1)[1].partition(":")
    service = module_part.split("/")[0]
    modname = "pulumi_aws" if service == "index" else f"pulumi_aws.{service}"
    module = sys.modules.get(modname) or sys.modules.get(modname + "_")
    if module is None or type(module).__name__ == "_LazyModule":
        return None
    cls = vars(module).get(cls_name)
    init = getattr(cls, "_internal_init", None)
    if init is None:
        return None
    params = inspect.signature(init).parameters
    found = None
    for candidate in _AUTONAME_CANDIDATES:
        if candidate in params:
            head, *rest = candidate.split("_")
            found = head + "".join(w.title() for w in rest)
            break
    _AUTONAMED[typ] = found
    return found


# The longest name AWS accepts for types programs commonly leave unnamed (the provider's autonaming keeps within
# them by shortening the logical name before the suffix).
_NAME_MAX = {
    "aws:s3/bucket:Bucket": 63,
    "aws:s3/bucketV2:BucketV2": 63,
    "aws:iam/role:Role": 64,
    "aws:iam/user:User": 64,
    "aws:iam/policy:Policy": 128,
    "aws:iam/instanceProfile:InstanceProfile": 128,
    "aws:lambda/function:Function": 64,
    "aws:sqs/queue:Queue": 80,
    "aws:sns/topic:Topic": 256,
    "aws:lb/loadBalancer:LoadBalancer": 32,
    "aws:lb/targetGroup:TargetGroup": 32,
    "aws:alb/loadBalancer:LoadBalancer": 32,
    "aws:alb/targetGroup:TargetGroup": 32,
    "aws:rds/instance:Instance": 63,
    "aws:rds/cluster:Cluster": 63,
    "aws:elasticache/replicationGroup:ReplicationGroup": 40,
    "aws:ecs/cluster:Cluster": 255,
    "aws:ec2/securityGroup:SecurityGroup": 255,
    "aws:cloudwatch/logGroup:LogGroup": 512,
}


def _autoname(typ: str, name: str, prefix: Any, inputs: dict | None = None) -> str:
    """What the provider names a resource the program did not name: the logical name, ``-`` and seven random hex
    characters (here stable ones, so two previews agree), shortened to the type's length limit; or the given
    ``<prop>Prefix`` and a unique suffix. S3 and RDS names are lower case; a FIFO queue's ends in ``.fifo``."""
    limit = _NAME_MAX.get(typ, 255)
    if isinstance(prefix, str) and prefix:
        value = f"{prefix}{_hex(name, 26)}"[:limit]
    else:
        fifo = ".fifo" if typ == "aws:sqs/queue:Queue" and (inputs or {}).get("fifoQueue") in (True, "true") else ""
        value = f"{name[: limit - 8 - len(fifo)]}-{_hex(typ + name, 7)}{fifo}"
    return value.lower() if typ.startswith(("aws:s3/", "aws:rds/", "aws:elasticache/")) else value


def arn_for(typ: str, name: str, rid: str, inputs: dict, region: str) -> str | None:
    """An ARN in the shape AWS gives this type: known patterns, EC2's ``<kind>/<id>``, else derived from the token
    (``aws:<service>/<kind>:...`` -> ``arn:aws:<service>:<region>:<account>:<kind>/<id>``)."""
    if not typ.startswith("aws:"):
        return None
    if typ.startswith("aws:ec2/") or typ.startswith("aws:vpc/") or typ.startswith("aws:ebs/"):
        kind = typ.split("/")[1].split(":")[0]
        if typ.startswith("aws:vpc/securityGroup"):
            kind = "securityGroupRule"
        return f"arn:aws:ec2:{region}:{ACCOUNT_ID}:{_EC2_ARN_KIND.get(kind, _kebab(kind))}/{rid}"
    service, pattern = _ARN_KIND.get(typ, (typ.split(":")[1].split("/")[0], "{kind}/{id}"))
    kind = typ.split(":")[-1][0].lower() + typ.split(":")[-1][1:]
    arn_name = inputs.get("name") or inputs.get("identifier") or inputs.get("replicationGroupId") or rid
    if typ == "aws:kms/alias:Alias":
        arn_name = inputs.get("name", f"alias/{name}")
    if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        return f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{str(inputs.get('url', name)).split('://', 1)[-1]}"
    resource = pattern.format(name=arn_name, id=rid, kind=kind)
    if service in _GLOBAL_SERVICES:
        return f"arn:aws:{service}::{ACCOUNT_ID if service != 's3' else ''}:{resource}".replace("::::", ":::")
    return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{resource}"


class EcoMartMocks(pulumi.runtime.Mocks):
    """Provider-shaped outputs for every resource and the few invokes the program makes."""

    def __init__(self, region: str = "us-east-1", stack_outputs: dict[str, dict] | None = None):
        self.region = region
        self.stack_outputs = dict(stack_outputs or {})  # StackReference name -> that stack's outputs
        self.stack_references: set[str] = set()  # the StackReferences the program read
        self._provider_regions: dict[str, str] = {}  # explicit aws provider's logical name -> its region
        self.generic_invokes: set[str] = set()  # data sources answered only by echoing their arguments

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        inputs = dict(args.inputs)
        if args.typ == "pulumi:providers:aws" and inputs.get("region"):
            # Resources created through this provider live in its region (their ARNs, endpoints, ``region``).
            self._provider_regions[args.name] = str(inputs["region"])
        if args.typ == STACK_REFERENCE:
            return self._stack_reference(args.resource_id or str(inputs.get("name") or args.name))
        if not args.custom or args.typ.startswith("pulumi:providers:"):
            return f"{args.name}_id", inputs
        region = _region_of(inputs, self._provider_region(args.provider))
        named = _autonamed_property(args.typ)
        if named and not inputs.get(named):
            # Named first: the id, the ARN and the outputs below derive from the name (a role's id is its name, a
            # queue's URL ends with it), as they do for the provider's autonaming.
            inputs[named] = _autoname(args.typ, args.name, inputs.get(named + "Prefix"), inputs)
        rid = resource_id(args.typ, args.name, inputs, region)
        outputs = dict(inputs)
        outputs.setdefault("id", rid)
        arn = arn_for(args.typ, args.name, rid, inputs, region)
        if arn:
            outputs.setdefault("arn", arn)
        if args.typ.startswith("aws:"):
            outputs.setdefault("region", region)  # pulumi-aws 7: every resource's region, the provider's by default
            if "tags" in inputs:
                outputs["tagsAll"] = inputs["tags"]
        extra = _EXTRA_OUTPUTS.get(args.typ)
        if extra:
            outputs.update(extra(args.name, inputs, region))
        if args.typ.startswith("mongodbatlas:"):
            outputs.update(_mongodbatlas(args.typ, args.name, inputs))
        return rid, outputs

    def _provider_region(self, reference: str | None) -> str:
        """The region of the provider a resource names (``<provider urn>::<id>``), else the stack's."""
        if reference and "pulumi:providers:aws::" in reference:
            name = reference.rsplit("::", 2)[-2]
            return self._provider_regions.get(name, self.region)
        return self.region

    def _stack_reference(self, name: str) -> tuple[str, dict]:
        """Another stack's outputs: from the file the user named for it (``--stack-outputs NAME=FILE``, what
        ``pulumi stack output --json`` prints), else unknown (no ``outputs``: every ``get_output`` is unknown, as
        it would be for a stack that was never deployed), and the name is recorded for the report."""
        self.stack_references.add(name)
        if name in self.stack_outputs:
            outputs = self.stack_outputs[name]
            return name, {"name": name, "outputs": outputs, "secretOutputNames": []}
        return name, {"name": name}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        """The provider functions' results; no check failures (the engine reads ``[]`` as none)."""
        return self._call(args), []

    def _call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ci",
                "userId": "AIDAEXAMPLE",
                "id": ACCOUNT_ID,
            }
        if token in ("aws:index/getRegion:getRegion", "aws:index/region:getRegion"):
            region = args.args.get("region") or args.args.get("name") or self.region
            return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            region = self.region
            names = [f"{region}{s}" for s in "abcdef"]
            return {"names": names, "zoneIds": [f"use1-az{i}" for i in range(1, 7)], "id": region}
        answer = _DATA_SOURCES.get(token)
        if answer is not None:
            return answer(dict(args.args), self.region)
        # Any other data source: its arguments echoed, with an id. What it would have computed stays unknown in
        # the preview (reported as unknown inputs, not invented); the preview names the data sources so answered.
        self.generic_invokes.add(token)
        return {**dict(args.args), "id": _hex(token + _seed(dict(args.args)))}


def _one_or_many(values: list) -> Any:
    return values[0] if len(values) == 1 else values


def _policy_document(args: dict, region: str) -> dict:
    """``aws.iam.get_policy_document`` computed as the provider computes it: a pure function of its arguments
    (statements with actions, resources, principals, conditions; source and override documents merged by Sid)."""
    statements: list[dict] = []
    for src in args.get("sourcePolicyDocuments") or []:
        statements.extend(json.loads(src).get("Statement", []))
    for st in args.get("statements") or []:
        out: dict[str, Any] = {}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        out["Effect"] = st.get("effect") or "Allow"
        for key, field_ in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if st.get(key):
                out[field_] = _one_or_many(sorted(st[key]) if len(st[key]) > 1 else st[key])
        for key, field_ in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if st.get(key):
                principals: dict[str, Any] = {}
                for pr in st[key]:
                    ids = list(pr.get("identifiers") or [])
                    if pr.get("type") == "*":
                        principals = "*"  # type: ignore[assignment]
                        break
                    principals[pr["type"]] = _one_or_many(ids)
                out[field_] = principals
        if st.get("conditions"):
            cond: dict[str, dict] = {}
            for c in st["conditions"]:
                cond.setdefault(c["test"], {})[c["variable"]] = _one_or_many(list(c.get("values") or []))
            out["Condition"] = cond
        statements = [s for s in statements if not out.get("Sid") or s.get("Sid") != out["Sid"]] + [out]
    for override in args.get("overridePolicyDocuments") or []:
        for st in json.loads(override).get("Statement", []):
            statements = [s for s in statements if not st.get("Sid") or s.get("Sid") != st["Sid"]] + [st]
    doc: dict[str, Any] = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        doc["Id"] = args["policyId"]
    doc["Statement"] = statements
    text = json.dumps(doc, indent=2)
    return {"json": text, "minifiedJson": json.dumps(doc, separators=(",", ":")), "id": _hex(text, 10)}


def _ami(args: dict, region: str) -> dict:
    image = "ami-" + _hex(_seed(args))
    names = [v for f in args.get("filters") or [] if f.get("name") == "name" for v in f.get("values", [])]
    arch = next(
        (v for f in args.get("filters") or [] if f.get("name") == "architecture" for v in f.get("values", [])),
        "x86_64",
    )
    return {
        "id": image,
        "imageId": image,
        "arn": f"arn:aws:ec2:{region}::image/{image}",
        "architecture": arch,
        "name": (names[0].replace("*", "2026.12.01") if names else f"image-{image}"),
        "ownerId": (args.get("owners") or ["137112412989"])[0],
        "rootDeviceName": "/dev/xvda",
        "virtualizationType": "hvm",
        "mostRecent": bool(args.get("mostRecent")),
    }


def _vpc(args: dict, region: str) -> dict:
    vid = args.get("id") or "vpc-" + _hex(_seed(args))
    return {
        **args,
        "id": vid,
        "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:vpc/{vid}",
        "cidrBlock": args.get("cidrBlock") or "172.31.0.0/16",
        "default": bool(args.get("default", False)),
        "mainRouteTableId": "rtb-" + _hex(vid),
        "ownerId": ACCOUNT_ID,
    }


def _subnets(args: dict, region: str) -> dict:
    seed = _seed(args)
    return {**args, "ids": [f"subnet-{_hex(seed + str(i))}" for i in range(3)], "id": region}


def _zone(args: dict, region: str) -> dict:
    name = str(args.get("name") or "example.com").rstrip(".")
    zone = args.get("zoneId") or "Z" + _hex(name, 20).upper()
    return {
        **args,
        "id": zone,
        "zoneId": zone,
        "name": name,
        "arn": f"arn:aws:route53:::hostedzone/{zone}",
        "privateZone": bool(args.get("privateZone", False)),
        "nameServers": [f"ns-{i}.awsdns-{i:02d}.com" for i in range(4)],
    }


def _seed(args: dict) -> str:
    """A data source's arguments as one stable text: what its deterministic answers are derived from."""
    return json.dumps(args, sort_keys=True, default=str)


def _ami_ids(args: dict, region: str) -> dict:
    return {**args, "ids": [f"ami-{_hex(_seed(args) + str(i))}" for i in range(2)], "id": region}


def _subnet(args: dict, region: str) -> dict:
    sid = args.get("id") or "subnet-" + _hex(_seed(args))
    return {
        **args,
        "id": sid,
        "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:subnet/{sid}",
        "vpcId": args.get("vpcId") or "vpc-" + _hex("default"),
        "availabilityZone": args.get("availabilityZone") or f"{region}a",
        "cidrBlock": args.get("cidrBlock") or "172.31.0.0/20",
        "mapPublicIpOnLaunch": bool(args.get("defaultForAz", False)),
    }


def _security_group(args: dict, region: str) -> dict:
    gid = args.get("id") or "sg-" + _hex(_seed(args))
    return {
        **args,
        "id": gid,
        "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:security-group/{gid}",
        "name": args.get("name") or "default",
        "vpcId": args.get("vpcId") or "vpc-" + _hex("default"),
    }


def _iam_policy(args: dict, region: str) -> dict:
    arn = args.get("arn") or f"arn:aws:iam::{ACCOUNT_ID}:policy/{args.get('name', 'policy')}"
    name = arn.rsplit("/", 1)[-1]
    # the document of a policy the program did not declare is the account's to know: unknown, not invented
    return {
        **args,
        "id": arn,
        "arn": arn,
        "name": name,
        "path": "/",
        "policyId": "ANPA" + _hex(arn, 17).upper(),
        "policy": ACCOUNT_ONLY,
    }


def _iam_role(args: dict, region: str) -> dict:
    name = args.get("name", "role")
    return {
        **args,
        "id": name,
        "name": name,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
        "path": "/",
        "uniqueId": "AROA" + _hex(name, 17).upper(),
        "assumeRolePolicy": ACCOUNT_ONLY,
    }


def _certificate(args: dict, region: str) -> dict:
    arn = f"arn:aws:acm:{region}:{ACCOUNT_ID}:certificate/{_uuid(_seed(args))}"
    return {**args, "id": arn, "arn": arn, "domain": args.get("domain", "example.com"), "status": "ISSUED"}


def _kms_key(args: dict, region: str) -> dict:
    key = str(args.get("keyId", ""))
    kid = key.rsplit("/", 1)[-1] if key and not key.startswith("alias/") else _uuid(key or "key")
    arn = f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{kid}"
    return {**args, "id": kid, "arn": arn, "keyManager": "CUSTOMER", "keyState": "Enabled", "enabled": True}


def _kms_alias(args: dict, region: str) -> dict:
    name = args.get("name", "alias/key")
    target = _uuid(name)
    return {
        **args,
        "id": name,
        "name": name,
        "arn": f"arn:aws:kms:{region}:{ACCOUNT_ID}:{name}",
        "targetKeyId": target,
        "targetKeyArn": f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{target}",
    }


def _ssm_parameter(args: dict, region: str) -> dict:
    name = args.get("name", "/parameter")
    arn = f"arn:aws:ssm:{region}:{ACCOUNT_ID}:parameter/{name.lstrip('/')}"
    return {
        **args,
        "id": name,
        "name": name,
        "arn": arn,
        "type": "String",
        "version": 1,
        "value": ACCOUNT_ONLY,
        "insecureValue": ACCOUNT_ONLY,
    }


def _secret(args: dict, region: str) -> dict:
    ref = str(args.get("arn") or args.get("name") or args.get("secretId") or "secret")
    name = ref.rsplit(":", 1)[-1] if ref.startswith("arn:") else ref
    arn = ref if ref.startswith("arn:") else f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{name}-AbCdEf"
    return {**args, "id": arn, "arn": arn, "name": name}


def _secret_version(args: dict, region: str) -> dict:
    # the secret's value is the account's: unknown in an offline preview, never invented
    return {
        **_secret(args, region),
        "secretString": ACCOUNT_ONLY,
        "secretBinary": ACCOUNT_ONLY,
        "versionId": _uuid(_seed(args)),
        "versionStages": ["AWSCURRENT"],
    }


def _bucket(args: dict, region: str) -> dict:
    name = args.get("bucket", "bucket")
    return {
        **args,
        "id": name,
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "region": region,
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
    }


def _ecr_token(args: dict, region: str) -> dict:
    registry = f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com"
    return {
        **args,
        "id": region,
        "proxyEndpoint": f"https://{registry}",
        "userName": "AWS",
        "password": ACCOUNT_ONLY,
        "authorizationToken": ACCOUNT_ONLY,
    }


def _elb_service_account(args: dict, region: str) -> dict:
    # the regional Elastic Load Balancing account is AWS's; a placeholder of the right shape
    account = "127311923021" if region == "us-east-1" else "797873946194"
    return {**args, "id": account, "arn": f"arn:aws:iam::{account}:root"}


def _load_balancer(args: dict, region: str) -> dict:
    name = args.get("name", "lb")
    arn = (
        args.get("arn")
        or f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:loadbalancer/app/{name}/{_hex(name, 16)}"
    )
    return {
        **args,
        "id": arn,
        "arn": arn,
        "name": name,
        "dnsName": f"{name}-{_hex(name, 9)}.{region}.elb.amazonaws.com",
        "zoneId": "Z35SXDOTRQ7X7K",
        "loadBalancerType": "application",
    }


# Data sources answered as the provider would (the rest echo their arguments: see EcoMartMocks._call). What only
# the account can know (a secret's value, a parameter's value, a policy the program did not declare) is unknown.
_DATA_SOURCES: dict[str, Callable[[dict, str], dict]] = {
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:ec2/getAmi:getAmi": _ami,
    "aws:ec2/getVpc:getVpc": _vpc,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:route53/getZone:getZone": _zone,
    "aws:ec2/getAmiIds:getAmiIds": _ami_ids,
    "aws:ec2/getSubnet:getSubnet": _subnet,
    "aws:ec2/getSecurityGroup:getSecurityGroup": _security_group,
    "aws:iam/getPolicy:getPolicy": _iam_policy,
    "aws:iam/getRole:getRole": _iam_role,
    "aws:acm/getCertificate:getCertificate": _certificate,
    "aws:kms/getKey:getKey": _kms_key,
    "aws:kms/getAlias:getAlias": _kms_alias,
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:secretsmanager/getSecret:getSecret": _secret,
    "aws:secretsmanager/getSecretVersion:getSecretVersion": _secret_version,
    "aws:s3/getBucket:getBucket": _bucket,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_token,
    "aws:elb/getServiceAccount:getServiceAccount": _elb_service_account,
    "aws:lb/getLoadBalancer:getLoadBalancer": _load_balancer,
}


STACK_REFERENCE = "pulumi:pulumi:StackReference"


@dataclass
class Registration:
    """What the engine knows of one registered resource (stack-export shape)."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str | None
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    id: str | None = None
    retain_on_delete: bool = False
    """``retain_on_delete``: a destroy leaves the cloud resource in place."""
    remote: bool = False
    """A component a provider plugin builds (``awsx``, ``eks``...): the engine hands it to the plugin, which the mock
    engine cannot run, so its children are never registered offline."""
    options: dict = field(default_factory=dict)
    """The other resource options ``pulumi stack export`` records, by its key (``protect``, ``ignoreChanges``,
    ``replaceOnChanges``, ``deletedWith``, ``additionalSecretOutputs``, ``customTimeouts``, ``importID``)."""


class RecordingMonitor(MockMonitor):
    """MockMonitor that also records parent, dependencies and outputs of every registration."""

    def __init__(self, mocks: EcoMartMocks):
        super().__init__(mocks)
        self._stack_transform_tokens: list[str] = []
        self.registrations: list[Registration] = []
        self._by_urn: dict[str, Registration] = {}

    def RegisterStackTransform(self, request):
        self._stack_transform_tokens.append(request.token)
        return super().RegisterStackTransform(request)

    def _transformed(self, request):
        """``request`` with its properties run through its own transforms, then the stack's (``pulumi.runtime.
        register_resource_transform``), as the engine does before registering it; the SDK's mock monitor runs
        none, so a program's default tags never reached its resources. Options a transform returns are not
        applied (the registration's options are already fixed here)."""
        tokens = [c.token for c in request.transforms] + self._stack_transform_tokens
        if not tokens or request.type == "pulumi:pulumi:Stack":
            return request
        from pulumi.runtime._callbacks import _CallbackServicer
        from pulumi.runtime.proto import resource_pb2
        from pulumi.runtime.sync_await import _sync_await

        callbacks = {t: cb for servicer in _CallbackServicer._servicers for t, cb in servicer._callbacks.items()}
        properties = request.object
        for token in tokens:
            callback = callbacks.get(token)
            if callback is None:
                continue
            ask = resource_pb2.TransformRequest(
                type=request.type,
                name=request.name,
                custom=request.custom,
                parent=request.parent,
                properties=properties,
            )
            answer = resource_pb2.TransformResponse.FromString(
                _sync_await(callback(ask.SerializeToString())).SerializeToString()
            )
            properties = answer.properties
        if properties is request.object:
            return request
        changed = type(request)()
        changed.CopyFrom(request)
        changed.object.CopyFrom(properties)
        return changed

    def RegisterResource(self, request):
        request = self._transformed(_dereferenced(request, "object"))
        response = super().RegisterResource(request)

        reg = Registration(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent or None,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            provider=request.provider or None,
            id=response.id or None,
            retain_on_delete=bool(request.retainOnDelete),
            remote=bool(request.remote) and not request.custom,
            options=_options(request),
        )
        if request.type != "pulumi:pulumi:Stack":
            registered = self.resources.get(response.urn)
            reg.inputs = _wire_plain(request.object)
            reg.outputs = _plain(registered.state) if registered else {}
        self.registrations.append(reg)
        self._by_urn[reg.urn] = reg
        return response

    def Invoke(self, request):
        return super().Invoke(_dereferenced(request, "args"))

    def ReadResource(self, request):
        """A read of an existing resource (``Resource.get``, a StackReference): recorded as ``pulumi stack export``
        records it, ``external``."""
        request = _dereferenced(request, "properties")
        response = super().ReadResource(request)
        if not response.id and request.id:
            # The engine answers a read with the resource's id (the one asked for); the SDK's mock leaves it out,
            # and in a dry run the SDK then takes the id for unknown: ``Vpc.get("v", "vpc-1").id`` known as vpc-1.
            response.id = request.id
        registered = self.resources.get(response.urn)
        reg = Registration(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=True,
            parent=request.parent or None,
            dependencies=list(request.dependencies),
            property_dependencies={},
            provider=request.provider or None,
            id=request.id or None,
            options={"external": True},
        )
        reg.inputs = _wire_plain(request.properties)
        reg.outputs = _plain(registered.state) if registered else {}
        self.registrations.append(reg)
        self._by_urn[reg.urn] = reg
        return response

    def RegisterResourceOutputs(self, request):

        reg = self._by_urn.get(request.urn)
        if reg is not None and reg.type == "pulumi:pulumi:Stack":
            # Merged, not replaced: the SDK's set_mocks registers the root stack's (empty) outputs at once, and that
            # RPC can land after the program's own registration, on another executor thread; replacing let it wipe
            # the stack outputs in one preview in a few (found by the corpus: two previews of one program differed).
            reg.outputs = {**(reg.outputs or {}), **_wire_plain(request.outputs)}
        return super().RegisterResourceOutputs(request)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(duration: str) -> float:
    """A Go duration ("10m", "1h30m") in seconds, as the state's customTimeouts hold them."""
    return sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION.findall(duration))


def _options(request: Any) -> dict:
    """The resource options of a registration, under the keys and in the shapes of ``pulumi stack export``
    (apitype.ResourceV3; empty ones left out, as it omits them)."""
    out: dict[str, Any] = {}
    if request.protect:
        out["protect"] = True
    for key, values in (
        ("additionalSecretOutputs", request.additionalSecretOutputs),
        ("ignoreChanges", request.ignoreChanges),
        ("replaceOnChanges", request.replaceOnChanges),
    ):
        if values:
            out[key] = list(values)
    timeouts = request.customTimeouts
    if timeouts is not None and any((timeouts.create, timeouts.update, timeouts.delete)):
        out["customTimeouts"] = {k: _seconds(v) for k in ("create", "update", "delete") if (v := getattr(timeouts, k))}
    if request.importId:
        out["importID"] = request.importId
    if request.deletedWith:
        out["deletedWith"] = request.deletedWith
    return out


def _dereferenced(request: Any, field: str) -> Any:
    """``request`` with every resource reference in ``field`` replaced by the referenced resource's id (a component's
    URN): what a provider receives for an id input, and what the monitor can deserialize without constructing a
    Resource on its worker thread (see ``_wire_plain``). The request itself when it holds no reference."""
    from google.protobuf import json_format

    message = getattr(request, field)
    if _RESOURCE_SIG.encode() not in message.SerializeToString():  # the common case, without converting anything
        return request
    raw = json_format.MessageToDict(message)
    copy = type(request)()
    copy.CopyFrom(request)
    getattr(copy, field).Clear()
    json_format.ParseDict(_deref(raw), getattr(copy, field))
    return copy


def _deref(value: Any) -> Any:
    if isinstance(value, list):
        return [_deref(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get(_SIG) == _RESOURCE_SIG:
        return value.get("id") or value["urn"]
    return {k: _deref(v) for k, v in value.items()}


SIG_KEY = _SIG = "4dabf18193072939515e22adb298388d"  # pulumi.runtime.rpc._special_sig_key, signatures below
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
SECRET_SIG = _SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"


def _wire_plain(struct: Any) -> Any:
    """A registration's properties as plain values, read from the wire as they are: nothing is rehydrated.

    ``rpc.deserialize_properties`` turns every resource reference back into a Resource object, constructed on the
    monitor's worker thread and its event loop; the SDK then waits for that construction from the program's loop,
    and a program passing a resource where an id is expected (``Subnet(vpc_id=vpc)``, ``function=fn``) hung or
    failed with "attached to a different loop". A reference is recorded as what a provider receives for it: the
    referenced custom resource's id (a component's URN); an output value as its value (unknown when it has none)."""
    from google.protobuf import json_format

    return _plain(_unwire(json_format.MessageToDict(struct)))


def _unwire(value: Any) -> Any:
    if isinstance(value, list):
        return [_unwire(v) for v in value]
    if not isinstance(value, dict):
        return value
    sig = value.get(_SIG)
    if sig == _RESOURCE_SIG:
        return value.get("id") or value["urn"]
    if sig == _OUTPUT_SIG:
        inner = _unwire(value["value"]) if "value" in value else UNKNOWN
        # a secret output stays a secret (the envelope the export seals), not its plaintext
        return {_SIG: _SECRET_SIG, "value": inner} if value.get("secret") else inner
    if sig in (_ASSET_SIG, _ARCHIVE_SIG) and isinstance(value.get("path"), str):
        kind = pulumi.asset.FileArchive if sig == _ARCHIVE_SIG else pulumi.asset.FileAsset
        return kind(value["path"])  # _plain writes it as the state does (relative path and content hash)
    return {k: _unwire(v) for k, v in value.items()}


def _plain(value: Any) -> Any:
    """Deep-copy into JSON-able values (resource references become their URN; floats that are ints become ints)."""
    from pulumi.output import Unknown

    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and ACCOUNT_ONLY in value:
        return UNKNOWN
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    urn = getattr(value, "urn", None)
    if urn is not None:
        return f"<resource reference {type(value).__name__}>"
    if isinstance(value, (pulumi.asset.FileArchive, pulumi.asset.FileAsset)):
        return _file_asset(value)
    if isinstance(value, pulumi.asset.Asset):  # StringAsset, RemoteAsset: their text or URI, as the state has them
        text, uri = getattr(value, "text", None), getattr(value, "uri", None)
        content = {"text": text} if text is not None else {"uri": uri}
        return {SIG_KEY: _ASSET_SIG, **content}
    if isinstance(value, pulumi.asset.AssetArchive):
        return {SIG_KEY: _ARCHIVE_SIG, "assets": {k: _plain(v) for k, v in sorted(value.assets.items())}}
    if isinstance(value, pulumi.asset.RemoteArchive):
        return {SIG_KEY: _ARCHIVE_SIG, "uri": value.uri}
    # Anything else the mocks were handed: its text, never an object address that differs between runs.
    return json.loads(json.dumps(value, default=lambda v: type(v).__name__))


@functools.lru_cache(maxsize=8)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    """sha256 of a file, once per version of it (size and mtime in the key): every function of a stack shares the
    35 MB Lambda artifact, and a test session synthesizes the stacks many times."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _tree_hash(path: str) -> str:
    """sha256 over a directory archive's files' names and bytes (nothing when the path does not exist)."""
    h = hashlib.sha256()
    if os.path.isdir(path):
        for root, dirs, files in sorted(os.walk(path)):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                h.update(os.path.relpath(full, path).encode() + b"\0")
                with open(full, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()


_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"  # Pulumi's signature keys of serialized archives and assets
_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"


def _file_asset(value: Any) -> dict:
    """An archive or asset as Pulumi's state shows it: signature, path (relative to the project) and content hash."""
    path = value.path
    stat = os.stat(path) if os.path.isfile(path) else None
    digest = _file_hash(path, stat.st_size, stat.st_mtime_ns) if stat else _tree_hash(path)
    rel = os.path.relpath(path) if os.path.isabs(path) and not os.path.relpath(path).startswith("..") else path
    sig = _ARCHIVE_SIG if isinstance(value, pulumi.asset.FileArchive) else _ASSET_SIG
    return {"4dabf18193072939515e22adb298388d": sig, "path": rel, "hash": digest}
