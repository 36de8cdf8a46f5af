import pulumi
import pulumi_aws as aws


def add_tags(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    if args.type_.startswith("aws:") and "tags" in _taggable.get(args.type_, ()):
        props = dict(args.props)
        props["tags"] = {**(props.get("tags") or {}), "team": "shop", "managed-by": "pulumi"}
        return pulumi.ResourceTransformResult(props, args.opts)
    return None


_taggable = {"aws:sqs/queue:Queue": ("tags",), "aws:sns/topic:Topic": ("tags",)}
pulumi.runtime.register_resource_transform(add_tags)

queue = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
topic = aws.sns.Topic("events", kms_master_key_id="alias/aws/sns", tags={"tier": "events"})
pulumi.export("queue", queue.name)
