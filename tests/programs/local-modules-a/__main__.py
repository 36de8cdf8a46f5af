import network
import pulumi

vpc = network.build("shared")
pulumi.export("kind", network.KIND)
pulumi.export("vpc", vpc.id)
