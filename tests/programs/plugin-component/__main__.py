import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

vpc = awsx.ec2.Vpc("shop", cidr_block="10.30.0.0/16", number_of_availability_zones=2)
repo = awsx.ecr.Repository("shop", force_delete=True)
group = aws.ec2.SecurityGroup("shop-web", vpc_id=vpc.vpc_id, description="web")
pulumi.export("vpc_id", vpc.vpc_id)
pulumi.export("image_repo", repo.url)
