import pulumi
import pulumi_aws as aws

assume = aws.iam.get_policy_document(
    statements=[
        aws.iam.GetPolicyDocumentStatementArgs(
            effect="Allow",
            actions=["sts:AssumeRole"],
            principals=[
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="Service", identifiers=["lambda.amazonaws.com"])
            ],
        )
    ]
)
role = aws.iam.Role("worker", assume_role_policy=assume.json)
queue = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
permissions = aws.iam.get_policy_document_output(
    statements=[
        aws.iam.GetPolicyDocumentStatementArgs(
            sid="ReadJobs",
            actions=["sqs:ReceiveMessage", "sqs:DeleteMessage"],
            resources=[queue.arn],
        ),
        aws.iam.GetPolicyDocumentStatementArgs(
            sid="Logs",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=["arn:aws:logs:*:*:*"],
        ),
    ]
)
aws.iam.RolePolicy("worker", role=role.id, policy=permissions.json)
pulumi.export("trust", assume.json)
pulumi.export("policy", permissions.json)
