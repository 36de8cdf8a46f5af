import pulumi
import pulumi_aws as aws

me = aws.get_caller_identity_output()
region = aws.get_region_output()
vpc = aws.ec2.get_vpc_output(default=True)
subnets = aws.ec2.get_subnets_output(filters=[aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id])])
ami = aws.ec2.get_ami_output(
    most_recent=True, owners=["amazon"], filters=[{"name": "name", "values": ["al2023-ami-*"]}]
)
zone = aws.route53.get_zone_output(name="example.com.", private_zone=False)

template = aws.ec2.LaunchTemplate(
    "workers",
    image_id=ami.id,
    instance_type="t3.small",
    metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(http_tokens="required"),
)
aws.route53.Record(
    "api", zone_id=zone.zone_id, name="api.example.com", type="CNAME", ttl=300, records=["lb.example.com"]
)
pulumi.export("account", me.account_id)
pulumi.export("where", pulumi.Output.format("{0}/{1}", region.name, vpc.id))
pulumi.export("subnets", subnets.ids)
pulumi.export("template", template.latest_version)
