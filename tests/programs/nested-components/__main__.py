import pulumi
import pulumi_aws as aws


class Subnets(pulumi.ComponentResource):
    def __init__(self, name: str, vpc: aws.ec2.Vpc, cidrs: list[str], opts: pulumi.ResourceOptions | None = None):
        super().__init__("acme:network:Subnets", name, None, opts)
        self.subnets = [
            aws.ec2.Subnet(f"{name}-{i}", vpc_id=vpc.id, cidr_block=cidr, opts=pulumi.ResourceOptions(parent=self))
            for i, cidr in enumerate(cidrs)
        ]
        self.ids = pulumi.Output.all(*[s.id for s in self.subnets])
        self.register_outputs({"ids": self.ids})


class Network(pulumi.ComponentResource):
    def __init__(self, name: str, cidr: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("acme:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.vpc = aws.ec2.Vpc(name, cidr_block=cidr, opts=child)
        self.private = Subnets(f"{name}-private", self.vpc, ["10.9.0.0/24", "10.9.1.0/24"], opts=child)
        self.logs = aws.cloudwatch.LogGroup(f"{name}-flow", retention_in_days=365, opts=child)
        self.register_outputs({"vpc_id": self.vpc.id})


net = Network("core", "10.9.0.0/16")
pulumi.export("vpc_id", net.vpc.id)
pulumi.export("private_subnet_ids", net.private.ids)
