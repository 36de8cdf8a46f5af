import pulumi
import pulumi_aws as aws

zone = aws.route53.get_zone(name="shop.example.com")
cert = aws.acm.get_certificate(domain="shop.example.com", statuses=["ISSUED"], most_recent=True)
key = aws.kms.get_alias(name="alias/shop-data")
key_detail = aws.kms.get_key(key_id=key.target_key_id)
image_tag = aws.ssm.get_parameter(name="/shop/image-tag")
db_secret = aws.secretsmanager.get_secret(name="shop/db")
db_secret_value = aws.secretsmanager.get_secret_version(secret_id=db_secret.id)
logs_bucket = aws.s3.get_bucket(bucket="shop-access-logs")
registry = aws.ecr.get_authorization_token()
elb_account = aws.elb.get_service_account()
lb = aws.lb.get_load_balancer(name="shop-public")
managed = aws.iam.get_policy(name="ReadOnlyAccess")
ops = aws.iam.get_role(name="ops")

topic = aws.sns.Topic("alerts", kms_master_key_id=key_detail.arn)
aws.iam.RolePolicyAttachment("ops-read-only", role=ops.name, policy_arn=managed.arn)
aws.route53.Record(
    "shop",
    zone_id=zone.zone_id,
    name="shop.example.com",
    type="A",
    aliases=[aws.route53.RecordAliasArgs(name=lb.dns_name, zone_id=lb.zone_id, evaluate_target_health=True)],
)
aws.ssm.Parameter("image-in-use", type="String", value=image_tag.value)
pulumi.export("certificate", cert.arn)
pulumi.export("logs_bucket", logs_bucket.arn)
pulumi.export("elb_account", elb_account.arn)
pulumi.export("registry", registry.proxy_endpoint)
pulumi.export("db_password_known", db_secret_value.secret_string is not None)
