/**
 * Permissions CloudFormation's resource schemas list for a resource type (lib/cfnPermissions.json)
 * that an environment's deploy role is not granted, each with why deploying the stack does not need
 * it. CloudFormation's handlers cover every property of a type; the program sets few of them, and
 * Pulumi's provider calls only what the properties it manages need. test/iam.test.ts simulates
 * every other listed permission against the deploy role and fails on any it denies, and fails on
 * an entry here that no stack needs any more.
 */
export interface LeftOut {
    /** Actions as the data lists them (spelling kept: some are API names, not IAM actions). */
    readonly actions: readonly string[];
    /** Pulumi types this applies to; every type when absent. */
    readonly types?: readonly string[];
    readonly why: string;
}

const S3_TYPES = [
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
];

export const DEPLOY_PERMISSIONS_LEFT_OUT: readonly LeftOut[] = [
    {
        actions: ["iam:DeleteRolePermissionsBoundary", "iam:UpdateAssumeRolePolicy"],
        types: ["aws:iam/role:Role", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"],
        why: "Denied on purpose (KeepBoundaries, KeepTrustPolicies): a role keeps its boundary, and its trust policy changes only by replacing the role.",
    },
    {
        actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
        types: ["aws:iam/role:Role"],
        why: "CloudFormation's role handlers attach ManagedPolicyArns; the program attaches managed policies only through RolePolicyAttachment, which is checked with the policy's ARN (AttachEcsManagedPoliciesToOwnRoles, AttachBackupManagedPoliciesToOwnBackupRole).",
    },
    {
        actions: ["iam:ListRoles"],
        types: ["aws:rds/instance:Instance"],
        why: "For MonitoringRoleArn and AssociatedRoles, which the database does not set.",
    },
    {
        actions: [
            "rds:AddRoleToDBInstance",
            "rds:RemoveRoleFromDBInstance",
            "rds:CreateDBInstanceReadReplica",
            "rds:PromoteReadReplica",
            "rds:RestoreDBInstanceFromDBSnapshot",
            "rds:RestoreDBInstanceToPointInTime",
            "rds:StartDBInstanceAutomatedBackupsReplication",
            "rds:StopDBInstanceAutomatedBackupsReplication",
            "rds:DescribeDBClusters",
            "rds:DescribeDBClusterSnapshots",
        ],
        types: ["aws:rds/instance:Instance"],
        why: "Features the database does not use: IAM roles of the instance, read replicas, restores, cross-Region backup replication, Aurora clusters. A restore is an operator's act (README, Operate), not a deploy's.",
    },
    {
        actions: [
            "s3:PutAccelerateConfiguration",
            "s3:PutAnalyticsConfiguration",
            "s3:GetAnalyticsConfiguration",
            "s3:PutBucketCORS",
            "s3:PutBucketNotification",
            "s3:PutBucketObjectLockConfiguration",
            "s3:PutBucketWebsite",
            "s3:DeleteBucketWebsite",
            "s3:PutIntelligentTieringConfiguration",
            "s3:GetIntelligentTieringConfiguration",
            "s3:PutInventoryConfiguration",
            "s3:GetInventoryConfiguration",
            "s3:PutMetricsConfiguration",
            "s3:GetMetricsConfiguration",
            "s3:PutReplicationConfiguration",
            "s3:PutBucketAcl",
            "s3:CreateBucketMetadataTableConfiguration",
            "s3:DeleteBucketMetadataTableConfiguration",
            "s3tables:CreateNamespace",
            "s3tables:CreateTable",
            "s3tables:GetTable",
            "s3tables:GetTableMetadataLocation",
            "s3tables:PutTablePolicy",
            "s3tables:UpdateTableMetadataLocation",
            "s3:DeleteObject",
            "s3:PutObjectAcl",
        ],
        types: S3_TYPES,
        why: "Bucket features the program never configures (acceleration, analytics, CORS, notifications, object lock, website, intelligent tiering, inventory, metrics, replication, ACLs, which BucketOwnerEnforced disables, metadata tables) and the objects CloudFormation writes for some of them; each Pulumi bucket resource calls only the configuration it manages.",
    },
    {
        actions: [
            "s3:DeleteBucketAnalyticsConfiguration",
            "s3:DeleteBucketCors",
            "s3:DeleteBucketEncryption",
            "s3:DeleteBucketLifecycle",
            "s3:DeleteBucketMetricsConfiguration",
            "s3:DeleteBucketReplication",
            "s3:PutBucketReplication",
            "s3:PutObjectLockConfiguration",
        ],
        types: S3_TYPES,
        why: "S3 API operation names, not IAM actions: S3 authorizes each Delete with the matching Put action, PutBucketReplication with s3:PutReplicationConfiguration and PutObjectLockConfiguration with s3:PutBucketObjectLockConfiguration (S3 user guide, 'Required permissions for Amazon S3 API operations').",
    },
    {
        actions: ["s3:REST.PUT.OBJECT", "firehose:TagDeliveryStream"],
        types: ["aws:cloudwatch/logGroup:LogGroup"],
        why: "Not for a log group of the program's: an S3 access-log operation name, which is no IAM action, and the tagging of a Firehose delivery stream.",
    },
    {
        actions: ["backup-storage:Mount"],
        types: ["aws:backup/vault:Vault"],
        why: "Not in AWS's catalogue; a vault's storage is created with backup-storage:MountCapsule, which CreateVaultStorage grants.",
    },
    {
        actions: [
            "backup:PutBackupVaultAccessPolicy",
            "backup:DeleteBackupVaultAccessPolicy",
            "backup:GetBackupVaultAccessPolicy",
            "backup:PutBackupVaultNotifications",
            "backup:DeleteBackupVaultNotifications",
            "backup:GetBackupVaultNotifications",
            "backup:PutBackupVaultLockConfiguration",
            "backup:DeleteBackupVaultLockConfiguration",
        ],
        types: ["aws:backup/vault:Vault"],
        why: "The vault has no access policy, notifications or lock; Pulumi's Vault creates, describes, tags and deletes it only.",
    },
    {
        actions: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:RetireGrant"],
        types: ["aws:backup/vault:Vault", "aws:lambda/function:Function", "aws:rds/instance:Instance", "aws:ecs/cluster:Cluster"],
        why: "With a customer managed key only; the vault, the functions and the database use AWS managed keys (aws/backup, aws/lambda, aws/rds) and the cluster none.",
    },
    {
        actions: ["elasticfilesystem:DescribeMountTargets", "lambda:GetCodeSigningConfig", "lambda:GetLayerVersion", "s3:GetObject", "s3:GetObjectVersion"],
        types: ["aws:lambda/function:Function"],
        why: "EFS, code signing, layers and code in S3: the functions use none; their code is uploaded with the call as a zip.",
    },
    {
        actions: ["s3:GetObject"],
        types: ["aws:sfn/stateMachine:StateMachine"],
        why: "For a definition kept in S3; a job's state machine is defined inline.",
    },
    {
        actions: ["lambda:PutProvisionedConcurrencyConfig", "lambda:GetProvisionedConcurrencyConfig", "lambda:DeleteProvisionedConcurrencyConfig"],
        types: ["aws:appautoscaling/target:Target"],
        why: "For Lambda scalable targets; the program's scale ECS services.",
    },
    {
        actions: ["cloudwatch:GetMetricData"],
        types: ["aws:appautoscaling/policy:Policy"],
        why: "For predictive scaling policies, which the program does not create (target tracking and step scaling only).",
    },
    {
        actions: ["ecs:PutAccountSetting", "ecs:PutAccountSettingDefault"],
        types: ["aws:ecs/cluster:Cluster"],
        why: "Account-wide ECS settings: no stack's to change.",
    },
    {
        actions: ["ecs:DescribeCapacityProviders"],
        types: ["aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"],
        why: "The providers are AWS's FARGATE and FARGATE_SPOT, no resource of the stack; test/iam.test.ts asks about them by their ARNs.",
    },
    {
        actions: ["acm:UpdateCertificateOptions", "acm-pca:GetCertificate", "acm-pca:IssueCertificate", "route53:ChangeResourceRecordSets"],
        types: ["aws:acm/certificate:Certificate"],
        why: "Certificate transparency logging stays on, the default; the certificate is public, not from a private CA; its validation records are resources of their own (Route 53 records or Cloudflare's), not written by the certificate.",
    },
    {
        actions: [
            "apprunner:AssociateWebAcl",
            "apprunner:DisassociateWebAcl",
            "apprunner:DescribeWebAclForService",
            "appsync:SetWebACL",
            "apigateway:SetWebACL",
            "cognito-idp:AssociateWebACL",
            "cognito-idp:DisassociateWebACL",
            "cognito-idp:GetWebACLForResource",
        ],
        types: ["aws:wafv2/webAclAssociation:WebAclAssociation"],
        why: "For web ACLs of App Runner, AppSync, API Gateway and Cognito; the program's is associated with its load balancer only.",
    },
    {
        actions: ["cognito-idp:DescribeUserPoolClient"],
        types: ["aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule"],
        why: "For authenticate-cognito actions, which no listener or rule uses.",
    },
    {
        actions: ["firehose:ListDeliveryStreams", "iam:CreateServiceLinkedRole", "iam:DescribeOrganization"],
        types: ["aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"],
        why: "For logging to Firehose (through the service-linked role AWSServiceRoleForWAFV2Logging) or to another account; the web ACL logs to a CloudWatch Logs group of its own (DeliverWebAclLogs).",
    },
];
