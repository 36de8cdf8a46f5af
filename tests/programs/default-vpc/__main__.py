import pulumi
import pulumi_aws as aws

vpc = aws.ec2.get_vpc(default=True)
subnet_ids = aws.ec2.get_subnets(filters=[aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id])])
first = aws.ec2.get_subnet(id=subnet_ids.ids[0])
default_sg = aws.ec2.get_security_group(vpc_id=vpc.id, name="default")

db_sg = aws.ec2.SecurityGroup("db", vpc_id=vpc.id, description="postgres from the default group")
aws.vpc.SecurityGroupIngressRule(
    "db-from-default",
    security_group_id=db_sg.id,
    referenced_security_group_id=default_sg.id,
    from_port=5432,
    to_port=5432,
    ip_protocol="tcp",
    description="postgres",
)
group = aws.rds.SubnetGroup("db", subnet_ids=subnet_ids.ids)
for i, sid in enumerate(subnet_ids.ids):
    aws.ec2.Tag(f"subnet-{i}", resource_id=sid, key="tier", value="data")
pulumi.export("vpc_cidr", vpc.cidr_block)
pulumi.export("first_az", first.availability_zone)
pulumi.export("subnet_group", group.name)
