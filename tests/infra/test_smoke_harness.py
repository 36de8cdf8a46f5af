from tests.conftest import one


def test_prod_vpc_declared(prod):
    vpc = one(prod, "aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.50.0.0/16"
