import pulumi
import pulumi_aws as aws

config = pulumi.Config()
password = config.require_secret("dbPassword")
token = pulumi.Output.secret(config.require("apiToken"))

db = aws.rds.Instance(
    "shop",
    engine="postgres",
    engine_version="16.4",
    instance_class="db.t4g.micro",
    allocated_storage=20,
    username=config.require("dbUser"),
    password=password,
    storage_encrypted=True,
    skip_final_snapshot=True,
)
secret = aws.secretsmanager.Secret("api-token", recovery_window_in_days=7)
aws.secretsmanager.SecretVersion("api-token", secret_id=secret.id, secret_string=token)
pulumi.export("endpoint", db.endpoint)
pulumi.export("token", token)
