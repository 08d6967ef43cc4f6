"""The EcrCleanupPolicy example (examples/pulumi/index.ts) in Python: two ECR repositories and the retention
policies of the spec's example file (examples/policies.yaml).

The component comes from this package through `pulumi package add` (see docs/pulumi.md), which generates the
`pulumi_ecr_cleanup` SDK from the schema Pulumi infers from the TypeScript args.
"""
import pulumi
import pulumi_aws as aws
import pulumi_ecr_cleanup as ecr_cleanup

config = pulumi.Config()

hello_world = aws.ecr.Repository("hello_world", image_tag_mutability="MUTABLE", force_delete=True)
ignored = aws.ecr.Repository("some_ignored_repository", image_tag_mutability="MUTABLE", force_delete=True)

alarm_topic_arn = config.get("alarmTopicArn")

cleanup = ecr_cleanup.EcrCleanupPolicy(
    "ecr-retention",
    policies=[
        ecr_cleanup.RetentionPolicyArgs(
            name="Flush untagged images older than 7 days, leave no less than 7 images",
            protected_period="7d",
            protected_count=7,
            significant_tags=["*"],
            # Repository names may be outputs of other resources.
            protected_repositories=[ignored.name],
        ),
        ecr_cleanup.RetentionPolicyArgs(
            name="Protect images created for a year since the last significant tag, leave no less than 13 images",
            protected_period="365d",
            protected_count=13,
            significant_tags=["dev", "rc", "prod", "latest"],
            repositories=[hello_world.name],
        ),
    ],
    # The first deployment only reports; read the report in the logs, then `pulumi config set dryRun false`.
    dry_run=config.get_bool("dryRun") if config.get_bool("dryRun") is not None else True,
    alarm_actions=[alarm_topic_arn] if alarm_topic_arn else [],
    tags={"managed-by": "pulumi", "purpose": "ecr-retention"},
)

pulumi.export("repositories", [hello_world.name, ignored.name])
pulumi.export("functionName", cleanup.function_name)
pulumi.export("logGroupName", cleanup.log_group_name)
pulumi.export("scheduleArn", cleanup.schedule_arn)
pulumi.export("alarmArns", cleanup.alarm_arns)
