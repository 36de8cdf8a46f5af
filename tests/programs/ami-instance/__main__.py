import pulumi
import pulumi_aws as aws

ami = aws.ec2.get_ami(
    most_recent=True,
    owners=["amazon"],
    filters=[aws.ec2.GetAmiFilterArgs(name="name", values=["al2023-ami-*-x86_64"])],
)
all_arm = aws.ec2.get_ami_ids(owners=["amazon"], filters=[{"name": "architecture", "values": ["arm64"]}])

group = aws.ec2.SecurityGroup(
    "web",
    description="web server",
    ingress=[
        aws.ec2.SecurityGroupIngressArgs(
            protocol="tcp", from_port=443, to_port=443, cidr_blocks=["10.0.0.0/8"], description="https from the VPN"
        )
    ],
)
server = aws.ec2.Instance(
    "web",
    ami=ami.id,
    instance_type="t3.micro",
    vpc_security_group_ids=[group.id],
    metadata_options=aws.ec2.InstanceMetadataOptionsArgs(http_tokens="required"),
    root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(encrypted=True),
    tags={"Name": "web"},
)
pulumi.export("ami", ami.id)
pulumi.export("arm_images", len(all_arm.ids))
pulumi.export("private_ip", server.private_ip)
