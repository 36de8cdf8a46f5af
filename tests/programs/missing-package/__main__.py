import pulumi
import pulumi_aws as aws
import pulumi_random as random

suffix = random.RandomId("suffix", byte_length=4)
bucket = aws.s3.Bucket("data", bucket=suffix.hex.apply(lambda h: f"data-{h}"))
pulumi.export("bucket", bucket.bucket)
