/**
 * Every policy document of the bootstrap, as plain objects: who may assume the GitHub roles, what
 * each role may do, who may use the KMS keys, what the state bucket refuses, and which images
 * ECR expires. Pure functions, so a reviewer reads all access in one file and tests can read the
 * documents as JSON. Components pass them through `pulumi.jsonStringify`; no policy is built by
 * an invoke (`aws.iam.getPolicyDocument` would be a cloud call at preview time).
 */
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_VPC_ACTIONS } from "../components/lambdaFunction";
import { PREVIEW_BOOTSTRAP_ENV, PREVIEW_IMAGE_TAG_PREFIX, PREVIEW_STACKS } from "./previews";

export type Resources = pulumi.Input<string> | pulumi.Input<string>[];

export interface Statement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: "*" | Readonly<Record<string, pulumi.Input<string>>>;
    readonly Action: string | readonly string[];
    /** Absent only in trust policies, which IAM refuses with a Resource element. */
    readonly Resource?: Resources;
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Statement[];
}

function policy(...statements: Statement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/** The GitHub Actions OIDC issuer, without the scheme: the prefix of its condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience the official aws-actions/configure-aws-credentials action requests. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/**
 * The OIDC `sub` claim of each kind of job, in GitHub's default subject format
 * (docs.github.com, "OpenID Connect reference"): a job that names a GitHub environment gets
 * `environment:<name>` whatever its branch; a pull_request job gets `pull_request`; any other job
 * gets `ref:<ref>`.
 */
export const githubSubject = {
    /** Jobs of pushes to main (and other events on main), without a GitHub environment. */
    main: (repository: string) => `repo:${repository}:ref:refs/heads/main`,
    /** Jobs of pull_request events from branches of the repository; fork PRs get no token at all. */
    pullRequest: (repository: string) => `repo:${repository}:pull_request`,
    /** Jobs that run in the GitHub environment `env`. */
    environment: (repository: string, env: string) => `repo:${repository}:environment:${env}`,
};

/**
 * The GitHub environment whose jobs preview the stacks of the staging and production tiers
 * (`PREVIEW_PRODUCTION_TIERS` in `./tiers`). Its required reviewers approve each preview job
 * before it gets a token: a pull request runs its own code, and these stacks' secrets are
 * production's.
 */
export const PREVIEW_PRODUCTION_ENVIRONMENT = "preview-production";

/** Trust policy: only tokens of GitHub's issuer, for AWS STS, with exactly this subject. */
export function githubTrustPolicy(providerArn: pulumi.Input<string>, subject: string): PolicyDocument {
    return policy({
        Sid: "GitHubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
            // StringEquals, never StringLike: a wildcard in sub would admit other branches or environments.
            StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: subject },
        },
    });
}

/** Where the bootstrap's resources live, for ARNs built without a cloud lookup. */
export interface Account {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

/** The state bucket and the key its objects are encrypted with. */
export interface StateAccess {
    readonly bucketArn: pulumi.Input<string>;
    readonly keyArn: pulumi.Input<string>;
}

/**
 * The EC2 resources the environments' program creates, by the action that creates each: AWS names
 * them by random ids, so a new one must carry its environment's tag (`aws:RequestTag`, sent as
 * TagSpecifications on create) and only the ones that carry it may be changed afterwards
 * (`aws:ResourceTag`). Each create action is allowed on its new resource's type only: on the
 * existing resources it also names (the VPC of a new subnet, the subnet of a NAT gateway), the
 * tag those already carry decides.
 */
const EC2_CREATES: Readonly<Record<string, readonly string[]>> = {
    vpc: ["ec2:CreateVpc"],
    subnet: ["ec2:CreateSubnet"],
    "security-group": ["ec2:CreateSecurityGroup"],
    "security-group-rule": ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"],
    "route-table": ["ec2:CreateRouteTable"],
    "internet-gateway": ["ec2:CreateInternetGateway"],
    natgateway: ["ec2:CreateNatGateway"],
    "elastic-ip": ["ec2:AllocateAddress"],
    "vpc-flow-log": ["ec2:CreateFlowLogs"],
};
const ENVIRONMENT_SERVICE_READS = [
    "ec2:Describe*",
    "ec2:Get*",
    "ecs:Describe*",
    "ecs:List*",
    "elasticloadbalancing:Describe*",
    "application-autoscaling:Describe*",
    "application-autoscaling:ListTagsForResource",
    "cloudwatch:Describe*",
    "cloudwatch:Get*",
    "cloudwatch:List*",
    "logs:Describe*",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "acm:DescribeCertificate",
    "acm:ListTagsForCertificate",
    "rds:Describe*",
    "route53:GetHostedZone",
    "route53:ListHostedZones",
    "route53:ListHostedZonesByName",
    "route53:ListResourceRecordSets",
];

/**
 * Services the environments' program passes its roles to: ECS tasks (task and execution roles),
 * ECS itself (the infrastructure role of blue/green deployments and their lifecycle hooks),
 * Lambda (the smoke test and the monitoring functions), VPC flow logs and EventBridge Scheduler
 * (the schedules that invoke the monitoring functions).
 */
export const PASSED_TO_SERVICES = [
    "ecs-tasks.amazonaws.com",
    "ecs.amazonaws.com",
    "lambda.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
    "scheduler.amazonaws.com",
    // A scheduled job's state machine (components/scheduledJob.ts).
    "states.amazonaws.com",
];
/** AWS managed policies the program attaches to its own roles; no other managed policy can be attached. */
export const ATTACHABLE_MANAGED_POLICIES = ["AmazonECSInfrastructureRolePolicyForLoadBalancers"];
/**
 * The AWS managed policies of the environment's AWS Backup role (`<app>-<env>-backup`,
 * components/backupPlan.ts), with their paths, which are part of their ARNs (AWS Managed Policy
 * Reference): attachable to that role only. They name every service AWS Backup supports; the
 * permissions boundary ({@link boundaryPolicy}) cuts them down to the environment's database and
 * bucket.
 */
export const BACKUP_ROLE_MANAGED_POLICIES = [
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
];
/**
 * Service-linked roles a first deploy in a fresh account creates: ECS, the load balancer, ECS
 * autoscaling, RDS (AWSServiceRoleForRDS, created by the first CreateDBInstance) and AWS Backup
 * (AWSServiceRoleForBackup; AWSBackupFullAccess grants the same for it).
 */
export const SERVICE_LINKED_ROLES = [
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
    "rds.amazonaws.com",
    "backup.amazonaws.com",
];

const ROLE_READS = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListRoleTags"];
/** Role changes that cannot add permissions to a role. */
const ROLE_WRITES = ["iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:TagRole", "iam:UntagRole", "iam:ListInstanceProfilesForRole"];
/**
 * Role changes that can add permissions, allowed only while the role has the environment's
 * permissions boundary: each of these actions supports the `iam:PermissionsBoundary` condition key
 * (Service Authorization Reference, IAM; IAM user guide, "Permissions boundaries for IAM
 * entities"), whose value is the boundary the request sets (CreateRole, PutRolePermissionsBoundary)
 * or the one the role has (the others).
 */
const BOUNDED_ROLE_WRITES = ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"];
const PARAMETER_READS = ["ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"];
const PARAMETER_WRITES = ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:DeleteParameters", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"];
/**
 * What Pulumi reads of a bucket and its configuration resources (the AWS provider's bucket read:
 * HeadBucket, then the policy, ACL, CORS, website, versioning, accelerate, request payment,
 * logging, lifecycle, replication, encryption, object lock and tagging). None reads an object.
 */
const BUCKET_READS = [
    "s3:ListBucket",
    "s3:GetBucket*",
    "s3:GetAccelerateConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:GetEncryptionConfiguration",
];
/**
 * The bucket configuration the assets and log buckets' resources write. S3 authorizes each Delete*
 * configuration call with the Put* action (DeletePublicAccessBlock with PutBucketPublicAccessBlock,
 * DeleteBucketEncryption with PutEncryptionConfiguration, ...), except the bucket policy's.
 */
const BUCKET_WRITES = [
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:PutBucketTagging",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    // Server access logging of the assets buckets into the environment's log bucket.
    "s3:PutBucketLogging",
];
/** The instance, its subnet group and parameter group, through their whole life; tags on create need AddTagsToResource too. */
const DATABASE_WRITES = [
    "rds:CreateDBInstance",
    "rds:ModifyDBInstance",
    "rds:RebootDBInstance",
    "rds:DeleteDBInstance",
    "rds:CreateDBSubnetGroup",
    "rds:ModifyDBSubnetGroup",
    "rds:DeleteDBSubnetGroup",
    "rds:CreateDBParameterGroup",
    "rds:ModifyDBParameterGroup",
    "rds:ResetDBParameterGroup",
    "rds:DeleteDBParameterGroup",
    // The final snapshot a protected instance's deletion takes.
    "rds:CreateDBSnapshot",
    "rds:AddTagsToResource",
    "rds:RemoveTagsFromResource",
    "rds:ListTagsForResource",
];
/** The secret's rotation schedule (aws.secretsmanager.SecretRotation) and its refresh. */
const DATABASE_SECRET_ROTATION = ["secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret", "secretsmanager:DescribeSecret"];
const VAULT_ACTIONS = [
    "backup:CreateBackupVault",
    "backup:DeleteBackupVault",
    "backup:DescribeBackupVault",
    "backup:TagResource",
    "backup:UntagResource",
    "backup:ListTags",
];
const PLAN_ACTIONS = [
    "backup:GetBackupPlan",
    "backup:UpdateBackupPlan",
    "backup:DeleteBackupPlan",
    "backup:CreateBackupSelection",
    "backup:GetBackupSelection",
    "backup:DeleteBackupSelection",
    "backup:ListBackupSelections",
    "backup:TagResource",
    "backup:UntagResource",
    "backup:ListTags",
];

/**
 * ARN patterns of what one environment's program names: roles and functions `<app>-<env>-*`,
 * parameters `/<app>/<env>/*` (`*` also matches a function's `:<version>`).
 */
export function environmentArns(a: Account, app: string, env: string) {
    return {
        roles: `arn:${a.partition}:iam::${a.accountId}:role/${app}-${env}-*`,
        parameters: `arn:${a.partition}:ssm:${a.region}:${a.accountId}:parameter/${app}/${env}/*`,
        functions: `arn:${a.partition}:lambda:${a.region}:${a.accountId}:function:${app}-${env}-*`,
    };
}

/**
 * ARN patterns of the monitoring resources one environment's program names: SNS topics, SQS
 * queues, DynamoDB tables and EventBridge Scheduler schedules (default group) `<app>-<env>-*`,
 * Secrets Manager secrets `<app>/<env>/*`.
 */
export function monitoringArns(a: Account, app: string, env: string): string[] {
    const arn = (service: string, resource: string) => `arn:${a.partition}:${service}:${a.region}:${a.accountId}:${resource}`;
    return [
        arn("sns", `${app}-${env}-*`),
        arn("sqs", `${app}-${env}-*`),
        arn("dynamodb", `table/${app}-${env}-*`),
        arn("secretsmanager", `secret:${app}/${env}/*`),
        arn("scheduler", `schedule/default/${app}-${env}-*`),
    ];
}

/**
 * RDS-managed secrets (manageMasterUserPassword) are named `rds!db-<id>`: the name says nothing of
 * the environment. RDS tags each with the ARN of its instance under `aws:rds:primaryDBInstanceArn`;
 * a tag key starting with `aws:` is reserved to AWS, which no principal can add, change or remove,
 * so that tag tells one environment's secret from another's.
 */
export const RDS_SECRET_INSTANCE_TAG = "aws:rds:primaryDBInstanceArn";

/**
 * ARN patterns of one environment's data (issue 9: components/database.ts, assetsBucket.ts,
 * backupPlan.ts), all named after the environment:
 * - the RDS instance `<app>-<env>-db`, its subnet group `<app>-<env>-db`, its parameter group
 *   `<app>-<env>-db-<family>` and its final snapshot `<app>-<env>-db-final` (the prefix also
 *   covers an instance restored next to it, e.g. `<app>-<env>-db-restored`);
 * - the snapshots AWS Backup takes of it, `awsbackup:job-<id>`, which do not name it;
 * - the assets buckets `<app>-<env>-assets-<account>` and, when the environment serves them
 *   through Cloudflare, the bucket named exactly its assets host;
 * - the access-log bucket `<app>-<env>-logs-<account>` (components/logBucket.ts: the load
 *   balancer's and the assets buckets' access logs);
 * - the backup vault `<app>-<env>-backups` and AWS Backup's role `<app>-<env>-backup`.
 *
 * AWS Backup names plans by a random id, so their ARNs cannot be scoped by name: the policies scope
 * them by their `environment` tag instead ({@link deployPolicy}).
 */
export function dataArns(a: Account, app: string, env: string, assetsHost?: string) {
    const rds = (resource: string) => `arn:${a.partition}:rds:${a.region}:${a.accountId}:${resource}`;
    const db = `${app}-${env}-db`;
    const buckets = [`${app}-${env}-assets-*`, `${app}-${env}-logs-*`, ...(assetsHost ? [assetsHost] : [])].map((b) => `arn:${a.partition}:s3:::${b}`);
    return {
        /** The ARN RDS tags the instance's secret with ({@link RDS_SECRET_INSTANCE_TAG}). */
        instance: rds(`db:${db}`),
        instances: rds(`db:${db}*`),
        subnetGroups: rds(`subgrp:${db}*`),
        parameterGroups: rds(`pg:${db}*`),
        snapshots: rds(`snapshot:${db}*`),
        backupSnapshots: rds("snapshot:awsbackup:*"),
        /** Secrets of any instance: scope them by {@link RDS_SECRET_INSTANCE_TAG}. */
        databaseSecrets: `arn:${a.partition}:secretsmanager:${a.region}:${a.accountId}:secret:rds!*`,
        buckets,
        vault: `arn:${a.partition}:backup:${a.region}:${a.accountId}:backup-vault:${app}-${env}-backups`,
        /** Any plan of the region: scope them by tag. */
        plans: `arn:${a.partition}:backup:${a.region}:${a.accountId}:backup-plan:*`,
        backupRole: `arn:${a.partition}:iam::${a.accountId}:role/${app}-${env}-backup`,
    };
}

/**
 * What reading one stack needs in Pulumi's DIY backend (project layout, `.pulumi/meta.yaml`
 * version 1, pulumi/pulumi pkg/backend/diy store.go and stack_tags.go): the checkpoint
 * `stacks/<project>/<stack>.json` (with `.gz` or `.zst` when compressed, `.bak` for the previous
 * one) and its tags, `<stack>.pulumi-tags`.
 */
export function stackReadKeys(bucketArn: pulumi.Input<string>, project: string, stack: string): pulumi.Output<string>[] {
    return [`.pulumi/stacks/${project}/${stack}.json*`, `.pulumi/stacks/${project}/${stack}.pulumi-tags`].map((key) => pulumi.interpolate`${bucketArn}/${key}`);
}

/**
 * Every object key of one stack in the DIY backend: {@link stackReadKeys}, the lock objects under
 * `locks/organization/<project>/<stack>/` (lock.go), and `history/`, `backups/` and `journal/`
 * under `<project>/<stack>/`.
 */
export function stackStateKeys(bucketArn: pulumi.Input<string>, project: string, stack: string): pulumi.Output<string>[] {
    return [
        ...stackReadKeys(bucketArn, project, stack),
        ...[
            `.pulumi/locks/organization/${project}/${stack}/*`,
            `.pulumi/history/${project}/${stack}/*`,
            `.pulumi/backups/${project}/${stack}/*`,
            `.pulumi/journal/${project}/${stack}/*`,
        ].map((key) => pulumi.interpolate`${bucketArn}/${key}`),
    ];
}

function stateListAndMeta(state: StateAccess): Statement[] {
    return [
        // Listing shows object names only (stack names); the CLI lists to find a stack's lock and
        // checkpoint variants, and without it S3 answers a missing object with 403 instead of 404.
        { Sid: "ListStateBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: state.bucketArn },
        { Sid: "ReadBackendVersion", Effect: "Allow", Action: "s3:GetObject", Resource: pulumi.interpolate`${state.bucketArn}/.pulumi/meta.yaml` },
    ];
}

function stateKeyThroughS3(a: Account, state: StateAccess, actions: string[]): Statement {
    return {
        Sid: "UseStateKeyThroughS3",
        Effect: "Allow",
        Action: actions,
        Resource: state.keyArn,
        Condition: { StringEquals: { "kms:ViaService": `s3.${a.region}.amazonaws.com` } },
    };
}

function regionOnly(a: Account) {
    return { StringEquals: { "aws:RequestedRegion": a.region } };
}

/** The permissions boundary of one environment's roles: a customer managed policy named `<app>-<env>-boundary`, path `/`. */
export function boundaryPolicyName(app: string, env: string): string {
    return `${app}-${env}-boundary`;
}

/** Its ARN, which the environments' program sets as `permissionsBoundary` on every role it creates (shipyard:permissionsBoundary). */
export function boundaryArn(a: Pick<Account, "partition" | "accountId">, app: string, env: string): string {
    return `arn:${a.partition}:iam::${a.accountId}:policy/${boundaryPolicyName(app, env)}`;
}

/**
 * The AWS managed policy ECS's infrastructure role for blue/green deployments gets, version v6 of
 * 2026-02-12 (AWS Managed Policy Reference, AmazonECSInfrastructureRolePolicyForLoadBalancers):
 * its actions, which the boundary must allow on the environment's load balancers.
 */
export const ECS_LOAD_BALANCER_ACTIONS = {
    read: [
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
    ],
    targets: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
    listeners: ["elasticloadbalancing:ModifyListener"],
    rules: ["elasticloadbalancing:ModifyRule"],
};

/**
 * Load balancer and target group names start with this: the program names them
 * `physicalName([app, env, ...], 32)`, which keeps the first 24 characters when it must shorten
 * (stacks/validators.ts), trailing hyphens dropped.
 */
export function elbNamePrefix(app: string, env: string): string {
    return `${app}-${env}-`.slice(0, 24).replace(/-+$/, "");
}

export interface BoundaryPolicyArgs {
    readonly account: Account;
    readonly app: string;
    readonly env: string;
    /** The service repositories, from which the execution roles pull. */
    readonly repositoryArns: pulumi.Input<string>[];
    /** The host that serves the environment's assets and names its bucket (assetsHosts). @default undefined */
    readonly assetsHost?: string;
}

/**
 * The most any role of one environment may do: the union of what the program's roles need, each
 * scoped to the environment's own resources where the service has resource-level permissions.
 * A role's effective permissions are the intersection of its policies and this boundary, so a
 * deploy role that may write inline policies still cannot make a role do more (IAM user guide,
 * "Permissions boundaries for IAM entities"). Grants nothing by itself.
 *
 * From the components: execution role (its log streams, image pull, its parameters), task role
 * (X-Ray), flow logs role (its log group), ECS infrastructure role (the managed load balancer
 * policy), ECS lifecycle hook role and EventBridge Scheduler roles (invoke the environment's
 * functions), Lambda roles (logs, VPC network interfaces, the webhook secret, the dedupe table,
 * alarms, metrics, the dead-letter queue); and the data's ({@link dataBoundaryStatements}):
 * execution roles (the database's secret), task roles (the assets) and AWS Backup's role.
 */
export function boundaryPolicy(p: BoundaryPolicyArgs): PolicyDocument {
    const { partition, region, accountId } = p.account;
    const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
    const lb = elbNamePrefix(p.app, p.env);
    const own = `${p.app}-${p.env}-`;
    return policy(
        {
            Sid: "WriteOwnLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [
                arn("logs", `log-group:/ecs/${p.app}/${p.env}/*`),
                arn("logs", `log-group:/aws/lambda/${own}*`),
                arn("logs", `log-group:/vpc/${p.app}-${p.env}/*`),
            ],
        },
        // GetAuthorizationToken has no resource-level permissions and grants no image access by itself.
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "PullServiceImages",
            Effect: "Allow",
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            Resource: p.repositoryArns,
        },
        { Sid: "ReadOwnParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: arn("ssm", `parameter/${p.app}/${p.env}/*`) },
        {
            Sid: "ReadOwnSecrets",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: arn("secretsmanager", `secret:${p.app}/${p.env}/*`),
        },
        // The X-Ray API has no resource-level permissions for these.
        {
            Sid: "SendTraces",
            Effect: "Allow",
            Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
            Resource: "*",
        },
        // Describe* of Elastic Load Balancing has no resource-level permissions.
        { Sid: "DescribeLoadBalancing", Effect: "Allow", Action: ECS_LOAD_BALANCER_ACTIONS.read, Resource: "*" },
        { Sid: "MoveOwnTargets", Effect: "Allow", Action: ECS_LOAD_BALANCER_ACTIONS.targets, Resource: arn("elasticloadbalancing", `targetgroup/${lb}*/*`) },
        {
            Sid: "ShiftOwnListeners",
            Effect: "Allow",
            Action: ECS_LOAD_BALANCER_ACTIONS.listeners,
            Resource: [arn("elasticloadbalancing", `listener/app/${lb}*/*/*`), arn("elasticloadbalancing", `listener/net/${lb}*/*/*`)],
        },
        {
            Sid: "ShiftOwnListenerRules",
            Effect: "Allow",
            Action: ECS_LOAD_BALANCER_ACTIONS.rules,
            Resource: arn("elasticloadbalancing", `listener-rule/app/${lb}*/*/*/*`),
        },
        { Sid: "InvokeOwnFunctions", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: arn("lambda", `function:${own}*`) },
        // Lambda attaches functions to the VPC through network interfaces; these actions are granted on * (AWSLambdaVPCAccessExecutionRole does the same).
        { Sid: "FunctionNetworkInterfaces", Effect: "Allow", Action: [...LAMBDA_VPC_ACTIONS], Resource: "*" },
        { Sid: "ClaimOwnMessages", Effect: "Allow", Action: ["dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: arn("dynamodb", `table/${own}*`) },
        { Sid: "ReadOwnAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: arn("cloudwatch", `alarm:${own}*`) },
        // PutMetricData has no resource-level permissions.
        { Sid: "PublishMetrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*" },
        // And receive from them: a worker consumes its queue (issue 18).
        {
            Sid: "SendToOwnQueues",
            Effect: "Allow",
            Action: ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
            Resource: arn("sqs", `${own}*`),
        },
        ...messagingBoundaryStatements(p),
        ...dataBoundaryStatements(p),
    );
}

/**
 * The boundary's part for messaging and jobs (issue 18, components/messageTopic.ts, workQueue.ts,
 * scheduledJob.ts): task roles publish to the environment's topics (through SNS's use of the
 * environment's SNS key, a key carrying an alias `alias/<app>-<env>-*`) and consume its queues; a
 * job's state machine runs the environment's task definitions in its cluster `<app>-<env>`,
 * watches and stops those tasks, and passes the environment's roles to ECS tasks only; a job's
 * schedule starts the environment's state machines.
 */
function messagingBoundaryStatements(p: BoundaryPolicyArgs): Statement[] {
    const { partition, region, accountId } = p.account;
    const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
    const own = `${p.app}-${p.env}-`;
    // Compact on purpose (a managed policy holds 6,144 characters): one statement, each action matching only its
    // own service's ARNs among the resources. PassRole needs no iam:PassedToService condition here: the only
    // action of the boundary that takes a role is ecs:RunTask of the environment's task definitions (the job
    // state machine role's own policy names ecs-tasks.amazonaws.com and the cluster).
    return [
        {
            Sid: "Jobs",
            Effect: "Allow",
            Action: ["sns:Publish", "states:StartExecution", "ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask", "iam:PassRole"],
            Resource: [
                arn("sns", `${own}*`),
                arn("states", `stateMachine:${own}*`),
                // Task definitions task-definition/<app>-<env>-<job>:<n> and tasks task/<app>-<env>/<id>.
                arn("ecs", `task*/${p.app}-${p.env}*`),
                `arn:${partition}:iam::${accountId}:role/${own}*`,
            ],
        },
    ];
}

/**
 * The boundary's part for the environment's data: execution roles read the master password of its
 * own database; task roles read its assets; its AWS Backup role backs both up. The backup role's
 * managed policies ({@link BACKUP_ROLE_MANAGED_POLICIES}) grant every service AWS Backup supports,
 * on every resource; only what backing up this environment's database (RDS snapshots) and buckets
 * (S3 backups: inventory, EventBridge notifications, object reads) needs passes here, on this
 * environment's names.
 *
 * Not allowed although the managed policies grant them: restores (a new instance, objects written
 * into a bucket: an operator's act, done with an administrator's role, README "Permissions
 * boundaries"), changing or deleting the instance (rds:ModifyDBInstance, only for continuous
 * backup, which the plan does not use), sharing snapshots with other accounts
 * (rds:ModifyDBSnapshotAttribute), and every other service (DynamoDB, EC2, EFS, FSx, Redshift, ...).
 *
 * Compact on purpose: a managed policy holds at most 6,144 characters (IAM quotas), and this one
 * joins the rest of the boundary. Object ARNs need no pattern of their own under
 * `<app>-<env>-assets-*`, whose `*` also matches `/key`.
 */
function dataBoundaryStatements(p: BoundaryPolicyArgs): Statement[] {
    const data = dataArns(p.account, p.app, p.env, p.assetsHost);
    const { partition, region, accountId } = p.account;
    return [
        {
            // ECS reads DATABASE_USER and DATABASE_PASSWORD from it for the execution role, and an
            // application may re-read it after a rotation: only the secret of this environment's instance.
            Sid: "ReadOwnDatabaseSecret",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: data.databaseSecrets,
            Condition: { StringEquals: { [`aws:ResourceTag/${RDS_SECRET_INSTANCE_TAG}`]: data.instance } },
        },
        {
            // Task roles read objects and list keys. S3 backups read the bucket's settings and
            // objects (versions, tags, ACLs), and keep an inventory and EventBridge notifications on it.
            Sid: "ReadOwnAssets",
            Effect: "Allow",
            Action: ["s3:ListBucket*", "s3:GetBucket*", "s3:GetObject*", "s3:*InventoryConfiguration", "s3:PutBucketNotification"],
            Resource: [data.buckets[0], ...data.buckets.slice(1).flatMap((b) => [b, `${b}/*`])],
        },
        {
            // These take no resource (RDS's Describe calls without an identifier authorize against
            // *), and AWS Backup finds resources through the tagging API.
            Sid: "FindWhatToBackUp",
            Effect: "Allow",
            Action: [
                "rds:DescribeDBInstances",
                "rds:DescribeDBSnapshots",
                "s3:ListAllMyBuckets",
                "events:ListRules",
                "cloudwatch:GetMetricData",
                "tag:GetResources",
            ],
            Resource: "*",
        },
        {
            // The EventBridge rules AWS Backup manages for S3 backups, named by AWS Backup.
            Sid: "BackupEventRules",
            Effect: "Allow",
            Action: ["events:*Rule", "events:*Targets", "events:ListTargetsByRule"],
            Resource: `arn:${partition}:events:${region}:${accountId}:rule/AwsBackupManagedRule*`,
        },
        {
            // A backup of the instance is an RDS snapshot awsbackup:job-<id>, which AWS Backup tags,
            // copies and expires; those names do not say whose the snapshot is.
            Sid: "SnapshotOwnDatabase",
            Effect: "Allow",
            Action: ["rds:CreateDBSnapshot", "rds:AddTagsToResource", "rds:ListTagsForResource", "rds:CopyDBSnapshot", "rds:DeleteDBSnapshot"],
            Resource: [data.instances, data.backupSnapshots],
        },
        {
            // Its vault, and the recovery points of S3 backups, whose ids do not say whose they are.
            Sid: "UseOwnBackupVault",
            Effect: "Allow",
            Action: ["backup:DescribeBackupVault", "backup:CopyIntoBackupVault", "backup:TagResource"],
            Resource: [data.vault, `arn:${partition}:backup:${region}:${accountId}:recovery-point:*`],
        },
        {
            // The vault's key (aws/backup) and the instance's (aws/rds, its snapshots), only as AWS
            // Backup and RDS use them for the role, never directly.
            Sid: "UseKeysThroughBackupAndRds",
            Effect: "Allow",
            Action: ["kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey"],
            Resource: `arn:${partition}:kms:${region}:${accountId}:key/*`,
            // And SNS's, for a task role publishing to its encrypted topics (issue 18: its own topics only, above).
            Condition: { StringEquals: { "kms:ViaService": [`backup.${region}.amazonaws.com`, `rds.${region}.amazonaws.com`, `sns.${region}.amazonaws.com`] } },
        },
    ];
}

export interface DeployPolicyArgs {
    readonly account: Account;
    readonly app: string;
    readonly env: string;
    /** The environments' Pulumi project, whose state paths the role may write. */
    readonly project: string;
    readonly state: StateAccess;
    readonly repositoryArns: pulumi.Input<string>[];
    /**
     * The host that serves the environment's assets through Cloudflare (assetsHosts), which names
     * its bucket. @default undefined (only `<app>-<env>-assets-*` buckets)
     */
    readonly assetsHost?: string;
    /**
     * The names whose A, AAAA and CNAME records the role may write in Route 53 (route53Hosts), each
     * with its certificate validation records `_<token>.<name>`. @default [] (no Route 53 record)
     */
    readonly route53Hosts?: readonly string[];
}

/**
 * The deploy role's permissions for the environment's data, a customer managed policy of its own
 * next to the inline {@link deployPolicy}: IAM allows a role 10,240 characters of inline policies in
 * all, and a managed policy 6,144 (IAM and STS quotas), which the two together would exceed.
 */
export function deployDataPolicy(p: DeployPolicyArgs): PolicyDocument {
    return policy(...dataDeployStatements(p, boundaryArn(p.account, p.app, p.env)));
}

/**
 * What `pulumi up` of one environment's data needs (issue 9): its RDS instance with its subnet and
 * parameter groups, the secret RDS keeps its master password in, its assets buckets, and its
 * AWS Backup vault, plan, selection and role. Each scoped to the environment's names
 * ({@link dataArns}), or, where AWS names a resource by id, to the environment's tag.
 */
function dataDeployStatements(p: DeployPolicyArgs, boundary: string): Statement[] {
    const data = dataArns(p.account, p.app, p.env, p.assetsHost);
    const { partition, region, accountId } = p.account;
    return [
        {
            Sid: "ManageOwnDatabase",
            Effect: "Allow",
            Action: DATABASE_WRITES,
            Resource: [data.instances, data.subnetGroups, data.parameterGroups, data.snapshots],
        },
        {
            // CreateDBInstance authorizes the option group too, the engine's default one when the
            // request names none (RDS user guide, identity-based policy examples). Default option
            // groups cannot be changed, so naming them changes nothing.
            Sid: "UseDefaultOptionGroups",
            Effect: "Allow",
            Action: ["rds:CreateDBInstance", "rds:ModifyDBInstance"],
            Resource: `arn:${partition}:rds:${region}:${accountId}:og:default:*`,
        },
        // DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions take no resource.
        { Sid: "DescribeDatabasesInRegion", Effect: "Allow", Action: "rds:Describe*", Resource: "*", Condition: regionOnly(p.account) },
        {
            // manageMasterUserPassword: RDS creates and tags the secret with the caller's
            // credentials (a forward access session, so aws:ViaAWSService is true), and describes
            // the aws/secretsmanager key (kms:DescribeKey: ReadKeys of deployPolicy); that AWS managed key's
            // policy admits the account's principals through Secrets Manager. The new secret's
            // name, rds!db-<id>, does not say whose it is; only RDS may create one.
            Sid: "CreateDatabaseSecretThroughRds",
            Effect: "Allow",
            Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
            Resource: data.databaseSecrets,
            Condition: { Bool: { "aws:ViaAWSService": "true" } },
        },
        {
            // Only the secret of this environment's instance, told by the tag RDS sets and nobody can change.
            Sid: "RotateOwnDatabaseSecret",
            Effect: "Allow",
            Action: DATABASE_SECRET_ROTATION,
            Resource: data.databaseSecrets,
            Condition: { StringEquals: { [`aws:ResourceTag/${RDS_SECRET_INSTANCE_TAG}`]: data.instance } },
        },
        // Bucket-level actions only: no object of any bucket, this environment's included.
        { Sid: "ManageOwnAssetsBuckets", Effect: "Allow", Action: [...BUCKET_READS, ...BUCKET_WRITES], Resource: data.buckets },
        { Sid: "ManageOwnBackupVault", Effect: "Allow", Action: VAULT_ACTIONS, Resource: data.vault },
        {
            // What CreateBackupVault needs besides itself (AWS Backup developer guide, "Backup vault
            // creation and deletion"): the capsule, and the vault's key, here the AWS managed
            // aws/backup key, whose id differs per account, so only through AWS Backup.
            Sid: "CreateVaultStorage",
            Effect: "Allow",
            Action: "backup-storage:MountCapsule",
            Resource: "*",
        },
        {
            Sid: "UseVaultKeyThroughBackup",
            Effect: "Allow",
            Action: ["kms:CreateGrant", "kms:RetireGrant", "kms:Decrypt", "kms:GenerateDataKey"],
            Resource: `arn:${partition}:kms:${region}:${accountId}:key/*`,
            Condition: { StringEquals: { "kms:ViaService": `backup.${region}.amazonaws.com` } },
        },
        {
            // AWS Backup names a plan by a random id. A new plan must carry this environment's tag,
            // and only plans that carry it may be read, changed, deleted, tagged or given
            // selections: a deploy role cannot touch another environment's plan, nor tag one as its
            // own (TagResource is granted on plans that carry the tag already, never by the tag requested).
            Sid: "CreateOwnBackupPlans",
            Effect: "Allow",
            Action: "backup:CreateBackupPlan",
            Resource: data.plans,
            Condition: { StringEquals: { "aws:RequestTag/environment": p.env } },
        },
        {
            // CreateBackupPlan with tags also authorizes backup:TagResource on the new plan, which
            // has no tag yet: allowed only for the environment's tag on a plan without one, so a
            // plan another environment tagged cannot be claimed.
            Sid: "TagNewBackupPlans",
            Effect: "Allow",
            Action: "backup:TagResource",
            Resource: data.plans,
            Condition: { StringEquals: { "aws:RequestTag/environment": p.env }, Null: { "aws:ResourceTag/environment": "true" } },
        },
        {
            Sid: "ManageOwnBackupPlans",
            Effect: "Allow",
            Action: PLAN_ACTIONS,
            Resource: data.plans,
            Condition: { StringEquals: { "aws:ResourceTag/environment": p.env } },
        },
        {
            // The selection hands AWS Backup the environment's backup role (CreateBackupSelection
            // needs iam:PassRole); no other role, and to no other service.
            Sid: "PassOwnBackupRoleToBackup",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: data.backupRole,
            Condition: { StringEquals: { "iam:PassedToService": "backup.amazonaws.com" } },
        },
        {
            // AWS Backup's managed policies, to its role only, which carries the boundary: the
            // boundary allows only the environment's database and buckets of what they grant.
            Sid: "AttachBackupManagedPoliciesToOwnBackupRole",
            Effect: "Allow",
            Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            Resource: data.backupRole,
            Condition: {
                ArnEquals: { "iam:PolicyARN": BACKUP_ROLE_MANAGED_POLICIES.map((name) => `arn:${partition}:iam::aws:policy/${name}`) },
                StringEquals: { "iam:PermissionsBoundary": boundary },
            },
        },
    ];
}

/**
 * The log groups one environment's program names (components/fargateTask.ts, lambdaFunction.ts,
 * network.ts, webAcl.ts); `*` also covers their streams.
 */
export function logGroupArns(a: Account, app: string, env: string): string[] {
    const arn = (group: string) => `arn:${a.partition}:logs:${a.region}:${a.accountId}:log-group:${group}`;
    return [
        arn(`/ecs/${app}/${env}/*`),
        arn(`/aws/lambda/${app}-${env}-*`),
        arn(`/vpc/${app}-${env}/*`),
        arn(`aws-waf-logs-${app}-${env}`),
        arn(`aws-waf-logs-${app}-${env}:*`),
    ];
}

/**
 * The environment's network, containers, load balancers, scaling, alarms, dashboards and logs
 * (issue 16: these were `ec2:*`, `ecs:*`, ... on the whole region, which let one environment's deploy
 * role change another's). ECS, load balancing, CloudWatch and CloudWatch Logs ARNs carry the
 * names the program gives (`<app>-<env>...`), so they are scoped by ARN; EC2 resources and
 * Application Auto Scaling's scalable targets have random ids, so by the `environment` tag
 * (Service Authorization Reference: both support `aws:ResourceTag` and `aws:RequestTag` on these
 * resource types). No statement lets a role give a resource another environment's tag
 * ({@link keepEnvironmentTags}).
 */
function environmentServiceStatements(p: DeployPolicyArgs): { network: Statement[]; services: Statement[] } {
    const { partition, region, accountId } = p.account;
    const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
    const own = `${p.app}-${p.env}`;
    const lb = elbNamePrefix(p.app, p.env);
    const network: Statement[] = [
        ...Object.entries(EC2_CREATES).map(([type, actions]): Statement => ({
            Sid: `CreateOwn${type.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`,
            Effect: "Allow",
            Action: actions,
            Resource: arn("ec2", `${type}/*`),
            Condition: { StringEquals: { "aws:RequestTag/environment": p.env } },
        })),
        {
            // Tags sent with a create call authorize ec2:CreateTags on the new resource too.
            Sid: "TagOwnNetworkOnCreate",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: Object.keys(EC2_CREATES).map((type) => arn("ec2", `${type}/*`)),
            Condition: {
                StringEquals: {
                    "aws:RequestTag/environment": p.env,
                    "ec2:CreateAction": Object.values(EC2_CREATES)
                        .flat()
                        .map((a) => a.split(":")[1]),
                },
            },
        },
        {
            // AWS creates a VPC's default security group untagged; the program's DefaultSecurityGroup
            // strips its rules and tags it. Only an untagged group may be claimed this way.
            Sid: "ClaimDefaultSecurityGroup",
            Effect: "Allow",
            Action: ["ec2:CreateTags", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"],
            Resource: arn("ec2", "security-group/*"),
            Condition: { StringEquals: { "aws:RequestTag/environment": p.env }, Null: { "aws:ResourceTag/environment": "true" } },
        },
        {
            Sid: "ChangeOwnNetwork",
            Effect: "Allow",
            Action: "ec2:*",
            Resource: "*",
            Condition: { StringEquals: { "aws:ResourceTag/environment": p.env, "aws:RequestedRegion": region } },
        },
    ];
    const services: Statement[] = [
        { Sid: "ReadEnvironmentServicesInRegion", Effect: "Allow", Action: ENVIRONMENT_SERVICE_READS, Resource: "*", Condition: regionOnly(p.account) },
        {
            Sid: "ManageOwnContainers",
            Effect: "Allow",
            Action: "ecs:*",
            Resource: [
                "cluster/" + own,
                ...["service", "task"].map((k) => `${k}/${own}/*`),
                ...["task-set", "service-deployment", "service-revision"].map((k) => `${k}/${own}/*/*`),
                `task-definition/${own}-*:*`,
            ].map((r) => arn("ecs", r)),
        },
        {
            Sid: "ManageOwnLoadBalancers",
            Effect: "Allow",
            Action: "elasticloadbalancing:*",
            // As AWS's ARN formats have them: loadbalancer/<type>/<name>/<id>, listener/<type>/<name>/<id>/<id>,
            // listener-rule/<type>/<name>/<id>/<id>/<id>, targetgroup/<name>/<id>.
            Resource: (
                [
                    ["loadbalancer", "*"],
                    ["listener", "*/*"],
                    ["listener-rule", "*/*/*"],
                ] as const
            )
                .flatMap(([kind, ids]) => ["app", "net"].map((type) => arn("elasticloadbalancing", `${kind}/${type}/${lb}*/${ids}`)))
                .concat(arn("elasticloadbalancing", `targetgroup/${lb}*/*`)),
        },
        {
            Sid: "RegisterOwnScalableTargets",
            Effect: "Allow",
            Action: ["application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource"],
            Resource: arn("application-autoscaling", "scalable-target/*"),
            Condition: { StringEquals: { "aws:RequestTag/environment": p.env }, Null: { "aws:ResourceTag/environment": "true" } },
        },
        {
            Sid: "ScaleOwnServices",
            Effect: "Allow",
            Action: "application-autoscaling:*",
            Resource: arn("application-autoscaling", "scalable-target/*"),
            Condition: { StringEquals: { "aws:ResourceTag/environment": p.env } },
        },
        {
            Sid: "ManageOwnAlarmsAndDashboards",
            Effect: "Allow",
            Action: "cloudwatch:*",
            Resource: [
                arn("cloudwatch", `alarm:${own}-*`),
                `arn:${partition}:cloudwatch::${accountId}:dashboard/${own}`,
                `arn:${partition}:cloudwatch::${accountId}:dashboard/${own}-*`,
            ],
        },
        { Sid: "ManageOwnLogGroups", Effect: "Allow", Action: "logs:*", Resource: logGroupArns(p.account, p.app, p.env) },
        {
            // Without resource-level permissions (Service Authorization Reference): a task
            // definition revision is deregistered by its ARN, which IAM does not see, and
            // SetWebAcl is the load balancer's side of wafv2:AssociateWebACL, which is scoped.
            // Deregistering another environment's revision is the one change left to any deploy
            // role here (README: run production in its own account).
            Sid: "UnscopableContainerAndLoadBalancerCalls",
            Effect: "Allow",
            Action: ["ecs:DeregisterTaskDefinition", "elasticloadbalancing:SetWebAcl"],
            Resource: "*",
            Condition: regionOnly(p.account),
        },
        {
            // The web ACL's logging: CloudWatch Logs' vended-log delivery, which has no
            // resource-level permissions (WAF developer guide, "Permissions required to publish logs").
            Sid: "DeliverWebAclLogs",
            Effect: "Allow",
            Action: [
                "logs:CreateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:GetLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
            ],
            Resource: "*",
            Condition: regionOnly(p.account),
        },
    ];
    return { network, services };
}

/**
 * The environment's network (EC2): a managed policy of its own, attached to the deploy role only,
 * as the data's is. With the inline policy these would exceed IAM's 10,240 characters for a role's
 * inline policies, and with the services' IAM's 6,144 for one managed policy.
 */
export function deployNetworkPolicy(p: DeployPolicyArgs): PolicyDocument {
    return policy(...environmentServiceStatements(p).network);
}

/** The environment's containers, load balancers, scaling, alarms, dashboards and logs: as {@link deployNetworkPolicy}. */
export function deployServicesPolicy(p: DeployPolicyArgs): PolicyDocument {
    return policy(...environmentServiceStatements(p).services);
}

/**
 * dnsProvider route53: the environment's alias records and its certificate's validation records,
 * by name (route53:ChangeResourceRecordSetsNormalizedRecordNames: lowercase, no trailing dot) and of
 * these types only (never NS, MX or TXT, which could take the domain or its mail). Every name of a
 * change must be one of the environment's, so no other environment's record can be written; without
 * route53Hosts the role writes no record.
 */
function route53Statements(p: DeployPolicyArgs): Statement[] {
    const hosts = (p.route53Hosts ?? []).map((h) => h.toLowerCase());
    if (hosts.length === 0) return [];
    return [
        {
            Sid: "WriteOwnAddressAndValidationRecords",
            Effect: "Allow",
            Action: "route53:ChangeResourceRecordSets",
            Resource: `arn:${p.account.partition}:route53:::hostedzone/*`,
            Condition: {
                "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "CNAME"] },
                "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": hosts.flatMap((h) => [h, `_*.${h}`]) },
            },
        },
    ];
}

/**
 * No deploy role may give a resource another environment's tag: with it, the resource would be
 * that environment's to change, or a resource of another environment this one's.
 */
function keepEnvironmentTags(p: DeployPolicyArgs): Statement {
    return {
        Sid: "KeepEnvironmentTags",
        Effect: "Deny",
        Action: [
            "ec2:CreateTags",
            "ecs:TagResource",
            "elasticloadbalancing:AddTags",
            "application-autoscaling:TagResource",
            "cloudwatch:TagResource",
            "logs:TagResource",
            "logs:TagLogGroup",
            "acm:AddTagsToCertificate",
            "servicediscovery:TagResource",
            "backup:TagResource",
        ],
        Resource: "*",
        Condition: { StringNotEquals: { "aws:RequestTag/environment": p.env }, Null: { "aws:RequestTag/environment": "false" } },
    };
}

/**
 * What `pulumi up` of one environment needs, as tight as the services allow, except its data
 * ({@link deployDataPolicy}). Decryption of the stack's secrets is granted by that environment's
 * key policy, not here. Every role it creates or gives permissions must carry the environment's
 * permissions boundary ({@link boundaryPolicy}): the deploy role cannot grant a role more than
 * that, cannot remove a boundary, and cannot change the boundary policy (it has no policy-version
 * rights; a Deny says so explicitly).
 */
export function deployPolicy(p: DeployPolicyArgs): PolicyDocument {
    const own = environmentArns(p.account, p.app, p.env);
    const { accountId, partition } = p.account;
    const boundary = boundaryArn(p.account, p.app, p.env);
    return policy(
        keepEnvironmentTags(p),
        { Sid: "ManageOwnParameters", Effect: "Allow", Action: [...PARAMETER_READS, ...PARAMETER_WRITES], Resource: own.parameters },
        // DescribeParameters has no resource-level permissions.
        { Sid: "DescribeParameters", Effect: "Allow", Action: "ssm:DescribeParameters", Resource: "*" },
        { Sid: "ManageOwnRoles", Effect: "Allow", Action: [...ROLE_READS, ...ROLE_WRITES], Resource: own.roles },
        {
            Sid: "GrantOwnRolesOnlyWithinTheBoundary",
            Effect: "Allow",
            Action: BOUNDED_ROLE_WRITES,
            Resource: own.roles,
            Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
        },
        { Sid: "ManageOwnFunctions", Effect: "Allow", Action: "lambda:*", Resource: own.functions },
        {
            // The monitoring's topic (its subscriptions' ARNs start with the topic's), dead-letter
            // queue, dedupe table, webhook secret and schedules, all named after the environment.
            Sid: "ManageOwnMonitoring",
            Effect: "Allow",
            Action: ["sns:*", "sqs:*", "dynamodb:*", "secretsmanager:*", "scheduler:*"],
            Resource: monitoringArns(p.account, p.app, p.env),
        },
        {
            // release verify-rollout publishes a failed rollout's diagnosis to the alarm topic. The
            // topic is encrypted, so its publisher needs kms:GenerateDataKey and kms:Decrypt on the
            // key, which SNS asks for with the topic in the encryption context: this topic only.
            Sid: "PublishToOwnAlarmTopic",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: `arn:${partition}:kms:${p.account.region}:${accountId}:key/*`,
            Condition: {
                StringEquals: {
                    "kms:ViaService": `sns.${p.account.region}.amazonaws.com`,
                    "kms:EncryptionContext:aws:sns:topicArn": `arn:${partition}:sns:${p.account.region}:${accountId}:${p.app}-${p.env}-alarms`,
                },
            },
        },
        {
            // Scheduled jobs' state machines, <app>-<env>-<job>, and their executions (`release run-job` starts one).
            Sid: "ManageOwnJobs",
            Effect: "Allow",
            Action: "states:*",
            Resource: [
                `arn:${p.account.partition}:states:${p.account.region}:${p.account.accountId}:stateMachine:${p.app}-${p.env}-*`,
                `arn:${p.account.partition}:states:${p.account.region}:${p.account.accountId}:execution:${p.app}-${p.env}-*:*`,
            ],
        },
        {
            // The environment's web ACL (waf: true, or blue/green behind Cloudflare), named <app>-<env>, and the AWS managed rule
            // groups it uses; the load balancer side (elasticloadbalancing:SetWebAcl) is above.
            Sid: "ManageOwnWebAcl",
            Effect: "Allow",
            Action: "wafv2:*",
            Resource: [
                `arn:${p.account.partition}:wafv2:${p.account.region}:${p.account.accountId}:regional/webacl/${p.app}-${p.env}/*`,
                // The addresses exempt from the origin-header check (the smoke test's NAT gateways).
                `arn:${p.account.partition}:wafv2:${p.account.region}:${p.account.accountId}:regional/ipset/${p.app}-${p.env}-*/*`,
                `arn:${p.account.partition}:wafv2:${p.account.region}:${p.account.accountId}:regional/managedruleset/*/*`,
            ],
        },
        {
            // AssociateWebACL and GetWebACLForResource are authorized on the load balancer as well
            // as on the web ACL (Service Authorization Reference, AWS WAF V2: resource types
            // webacl and loadbalancer/app), so the environment's own load balancers are named too.
            Sid: "AttachOwnWebAclToOwnLoadBalancers",
            Effect: "Allow",
            Action: ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource"],
            Resource: `arn:${p.account.partition}:elasticloadbalancing:${p.account.region}:${p.account.accountId}:loadbalancer/app/${elbNamePrefix(p.app, p.env)}*/*`,
        },
        {
            // The Service Connect namespace (Cloud Map HTTP namespace) the stack declares. Cloud Map
            // names namespaces by a random id, so a new one must carry the environment's tag and
            // only namespaces that carry it may be changed; GetOperation and ListNamespaces have
            // no resource-level permissions (Service Authorization Reference, AWS Cloud Map).
            Sid: "CreateOwnNamespaces",
            Effect: "Allow",
            Action: ["servicediscovery:CreateHttpNamespace", "servicediscovery:TagResource"],
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestTag/environment": p.env, "aws:RequestedRegion": p.account.region } },
        },
        {
            Sid: "ManageOwnNamespaces",
            Effect: "Allow",
            Action: ["servicediscovery:GetNamespace", "servicediscovery:UpdateHttpNamespace", "servicediscovery:DeleteNamespace"],
            Resource: `arn:${p.account.partition}:servicediscovery:${p.account.region}:${p.account.accountId}:namespace/*`,
            Condition: { StringEquals: { "aws:ResourceTag/environment": p.env } },
        },
        {
            // No resource-level permissions (Service Authorization Reference, AWS Cloud Map): the
            // operations of a create, the namespaces' list, and the tags of any namespace or service.
            Sid: "ReadNamespaceOperations",
            Effect: "Allow",
            Action: ["servicediscovery:GetOperation", "servicediscovery:ListNamespaces", "servicediscovery:ListTagsForResource"],
            Resource: "*",
            Condition: regionOnly(p.account),
        },
        {
            // UntagResource has no resource-level permissions either: only the tags the program sets
            // may be removed, never the environment's (aws:TagKeys).
            Sid: "UntagNamespaces",
            Effect: "Allow",
            Action: "servicediscovery:UntagResource",
            Resource: "*",
            Condition: { "ForAllValues:StringNotEquals": { "aws:TagKeys": ["environment"] }, StringEquals: { "aws:RequestedRegion": p.account.region } },
        },
        {
            // The environment's certificate. ACM names certificates by random id: a new one must
            // carry the environment's tag, and only those that carry it may be deleted or retagged.
            // RequestCertificate has no resource-level permissions: the region and the tag requested bound it.
            Sid: "RequestOwnCertificates",
            Effect: "Allow",
            Action: "acm:RequestCertificate",
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestTag/environment": p.env, "aws:RequestedRegion": p.account.region } },
        },
        {
            Sid: "TagNewCertificates",
            Effect: "Allow",
            Action: "acm:AddTagsToCertificate",
            Resource: `arn:${partition}:acm:${p.account.region}:${accountId}:certificate/*`,
            Condition: { StringEquals: { "aws:RequestTag/environment": p.env }, Null: { "aws:ResourceTag/environment": "true" } },
        },
        {
            Sid: "ManageOwnCertificates",
            Effect: "Allow",
            Action: ["acm:DeleteCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate"],
            Resource: `arn:${partition}:acm:${p.account.region}:${accountId}:certificate/*`,
            Condition: { StringEquals: { "aws:ResourceTag/environment": p.env } },
        },
        {
            Sid: "ReadCertificatesInRegion",
            Effect: "Allow",
            Action: ["acm:DescribeCertificate", "acm:ListTagsForCertificate", "acm:ListCertificates"],
            Resource: "*",
            Condition: regionOnly(p.account),
        },
        ...route53Statements(p),
        {
            Sid: "ReadHostedZones",
            Effect: "Allow",
            Action: [
                "route53:GetHostedZone",
                "route53:ListHostedZones",
                "route53:ListHostedZonesByName",
                "route53:ListResourceRecordSets",
                "route53:GetChange",
            ],
            Resource: "*",
        },
        // These list calls have no resource-level permissions.
        {
            Sid: "ListMonitoring",
            Effect: "Allow",
            Action: ["sns:ListTopics", "sns:ListSubscriptions", "scheduler:ListSchedules", "kms:ListAliases", "wafv2:ListWebACLs", "wafv2:CheckCapacity"],
            Resource: "*",
        },
        {
            // Reads only, for the refresh of the alarm topic's key, which the stack declares but
            // the deploy role cannot create or change: KMS keys cannot be scoped by name, and a tag
            // condition would let a role tag another environment's key as its own (bootstrap/README.md).
            Sid: "ReadKeys",
            Effect: "Allow",
            Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
            Resource: `arn:${partition}:kms:${p.account.region}:${accountId}:key/*`,
        },
        {
            // Only the AWS managed policies the program uses, never e.g. AdministratorAccess, and
            // only to roles within the boundary.
            Sid: "AttachEcsManagedPoliciesToOwnRoles",
            Effect: "Allow",
            Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            Resource: own.roles,
            Condition: {
                ArnEquals: { "iam:PolicyARN": ATTACHABLE_MANAGED_POLICIES.map((name) => `arn:${partition}:iam::aws:policy/${name}`) },
                StringEquals: { "iam:PermissionsBoundary": boundary },
            },
        },
        {
            // Nothing allows these; the Deny keeps it so if an Allow is ever added by mistake.
            Sid: "KeepBoundaries",
            Effect: "Deny",
            Action: [
                "iam:DeleteRolePermissionsBoundary",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
                "iam:DeletePolicy",
            ],
            Resource: [`arn:${partition}:iam::${accountId}:role/*`, `arn:${partition}:iam::${accountId}:policy/${p.app}-*-boundary`],
        },
        {
            // A trust policy decides who may assume a role: a deploy role that could rewrite one
            // could hand its environment's roles to any principal and keep access after its
            // session ends (issue 16). The program's trust policies are fixed service principals;
            // changing one means replacing the role.
            Sid: "KeepTrustPolicies",
            Effect: "Deny",
            Action: "iam:UpdateAssumeRolePolicy",
            Resource: `arn:${partition}:iam::${accountId}:role/*`,
        },
        {
            Sid: "PassOwnRolesToTheirServices",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: own.roles,
            Condition: { StringEquals: { "iam:PassedToService": PASSED_TO_SERVICES } },
        },
        {
            Sid: "CreateServiceLinkedRoles",
            Effect: "Allow",
            Action: "iam:CreateServiceLinkedRole",
            Resource: `arn:${partition}:iam::${accountId}:role/aws-service-role/*`,
            Condition: { StringEquals: { "iam:AWSServiceName": SERVICE_LINKED_ROLES } },
        },
        ...stateListAndMeta(p.state),
        {
            Sid: "ReadWriteOwnStackState",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: stackStateKeys(p.state.bucketArn, p.project, p.env),
        },
        stateKeyThroughS3(p.account, p.state, ["kms:Decrypt", "kms:GenerateDataKey"]),
        // GetAuthorizationToken has no resource-level permissions and grants no image access by itself.
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "LookUpReleaseImages",
            Effect: "Allow",
            Action: ["ecr:DescribeImages", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Resource: p.repositoryArns,
        },
        {
            // After a deploy, tag-deployed adds the tag <env>-<sha> to the image it deployed, so the
            // lifecycle policy keeps it. PutImage cannot be limited to tags of this environment: ECR
            // has no condition key for the tag (Service Authorization Reference: only aws:RequestTag,
            // aws:ResourceTag, aws:TagKeys, ecr:AccountSetting and ecr:ResourceTag), so a deploy role
            // could tag any image of the repositories with any new tag. Without the layer upload
            // actions it cannot push new content, and immutable tags cannot be moved.
            Sid: "TagDeployedImages",
            Effect: "Allow",
            Action: "ecr:PutImage",
            Resource: p.repositoryArns,
        },
    );
}

export interface PreviewPolicyArgs {
    readonly account: Account;
    readonly app: string;
    /** The stacks this role previews; nothing of any other environment is readable. */
    readonly environments: readonly string[];
    readonly project: string;
    readonly state: StateAccess;
    /** By environment, the host that serves its assets and names its bucket (assetsHosts). @default {} */
    readonly assetsHosts?: Readonly<Partial<Record<string, string>>>;
}

/**
 * Read-only: what `pulumi preview` (also with `--refresh`) of the given environments reads; an
 * inline set rather than the AWS managed ReadOnlyAccess, which would let any pull request read
 * every S3 object and DynamoDB item of the account. Parameters (SecureString values decrypt with
 * the AWS managed aws/ssm key, whose policy admits any principal of the account that may call
 * SSM), roles, functions and stack state only of these environments. A preview takes no lock in
 * the DIY backend (pulumi/pulumi pkg/backend/diy/backend.go: Preview applies without Lock; Update,
 * Refresh, Destroy and Import lock), so it writes nothing to the bucket.
 */
export function previewPolicy(p: PreviewPolicyArgs): PolicyDocument {
    const own = p.environments.map((env) => environmentArns(p.account, p.app, env));
    return policy(
        { Sid: "ReadEnvironmentServicesInRegion", Effect: "Allow", Action: ENVIRONMENT_SERVICE_READS, Resource: "*", Condition: regionOnly(p.account) },
        { Sid: "ReadEnvironmentParameters", Effect: "Allow", Action: PARAMETER_READS, Resource: own.map((o) => o.parameters) },
        { Sid: "DescribeParameters", Effect: "Allow", Action: "ssm:DescribeParameters", Resource: "*" },
        { Sid: "ReadEnvironmentRoles", Effect: "Allow", Action: ROLE_READS, Resource: own.map((o) => o.roles) },
        { Sid: "ReadEnvironmentFunctions", Effect: "Allow", Action: ["lambda:Get*", "lambda:List*"], Resource: own.map((o) => o.functions) },
        ...stateListAndMeta(p.state),
        {
            Sid: "ReadEnvironmentStacks",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: p.environments.flatMap((env) => stackReadKeys(p.state.bucketArn, p.project, env)),
        },
        stateKeyThroughS3(p.account, p.state, ["kms:Decrypt"]),
        ...dataPreviewStatements(p),
    );
}

/**
 * Reads of the environments' data for a preview with `--refresh`: tags of their database and
 * groups, the configuration (never the objects) of their assets buckets, their vaults and the
 * plans tagged with their names, and the rotation of their instances' secrets (never the value).
 * Describe calls of RDS are in {@link ENVIRONMENT_SERVICE_READS}.
 */
function dataPreviewStatements(p: PreviewPolicyArgs): Statement[] {
    const data = p.environments.map((env) => dataArns(p.account, p.app, env, p.assetsHosts?.[env]));
    return [
        {
            Sid: "ReadEnvironmentDatabases",
            Effect: "Allow",
            Action: "rds:ListTagsForResource",
            Resource: data.flatMap((d) => [d.instances, d.subnetGroups, d.parameterGroups]),
        },
        {
            Sid: "ReadEnvironmentDatabaseSecretRotation",
            Effect: "Allow",
            Action: "secretsmanager:DescribeSecret",
            Resource: data[0].databaseSecrets,
            Condition: { StringEquals: { [`aws:ResourceTag/${RDS_SECRET_INSTANCE_TAG}`]: data.map((d) => d.instance) } },
        },
        { Sid: "ReadEnvironmentAssetsBuckets", Effect: "Allow", Action: BUCKET_READS, Resource: data.flatMap((d) => d.buckets) },
        { Sid: "ReadEnvironmentBackupVaults", Effect: "Allow", Action: ["backup:DescribeBackupVault", "backup:ListTags"], Resource: data.map((d) => d.vault) },
        {
            Sid: "ReadEnvironmentBackupPlans",
            Effect: "Allow",
            Action: PLAN_ACTIONS.filter((a) => /^backup:(Get|List)/.test(a)),
            Resource: data[0].plans,
            Condition: { StringEquals: { "aws:ResourceTag/environment": [...p.environments] } },
        },
    ];
}

/**
 * Push to the service repositories: the action set of the ECR user guide, "IAM permissions for
 * pushing an image", and DescribeImages for the build's "is this commit built already?" check
 * (tags are immutable, so pushing an existing tag fails; release/README.md).
 */
export function buildPolicy(repositoryArns: pulumi.Input<string>[]): PolicyDocument {
    return policy(
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "PushServiceImages",
            Effect: "Allow",
            Action: [
                "ecr:BatchCheckLayerAvailability",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
                "ecr:BatchGetImage",
            ],
            Resource: repositoryArns,
        },
        { Sid: "FindBuiltImages", Effect: "Allow", Action: "ecr:DescribeImages", Resource: repositoryArns },
    );
}

/**
 * The account administers the key: with this statement IAM policies apply to it (the KMS default
 * key policy), so account administrators keep control and the key cannot become unmanageable.
 */
function accountAdministers(a: Account): Statement {
    return { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:${a.partition}:iam::${a.accountId}:root` }, Action: "kms:*", Resource: "*" };
}

/** A key that only the account's IAM policies grant (the state bucket's key). */
export function accountKeyPolicy(a: Account): PolicyDocument {
    return policy(accountAdministers(a));
}

/**
 * One environment's secrets key: its deploy role encrypts and decrypts, the one preview role that
 * previews this environment only decrypts, no other environment's role is named.
 */
export function secretsKeyPolicy(a: Account, deployRoleArn: pulumi.Input<string>, previewRoleArn: pulumi.Input<string>): PolicyDocument {
    return policy(
        accountAdministers(a),
        {
            Sid: "DeployRoleUsesKey",
            Effect: "Allow",
            Principal: { AWS: deployRoleArn },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
        },
        { Sid: "PreviewRoleDecrypts", Effect: "Allow", Principal: { AWS: previewRoleArn }, Action: "kms:Decrypt", Resource: "*" },
    );
}

/** The state bucket refuses every request that does not arrive over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: pulumi.Input<string>): PolicyDocument {
    return policy({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
}

/**
 * ECR lifecycle policy, rules by priority (ECR user guide, "Lifecycle policy properties" and "How
 * lifecycle policies work"): an image matched by a rule's tag selection can no longer be expired by
 * a rule of lower priority, whether or not the matching rule expires it.
 *
 * 1. for each environment of `deployed` (`keptDeployedImages` in `./tiers`: the production tier's
 *    50, then the staging tier's 20), images ever deployed to it (`<env>-*`): the newest `keep` stay;
 * 2. untagged images expire after `untaggedDays`;
 * 3. any other tagged image: the newest `keepTagged` stay. ECR counts the images the rules above
 *    matched here too, without expiring them.
 *
 * ECR selects an image by a rule only when it has a tag for EVERY entry of tagPrefixList or
 * tagPatternList, so each rule has one pattern. Counting is by push time, which a later tag does
 * not change (aws/containers-roadmap#2746): the 50 kept live images are the 50 most recently
 * built of those ever deployed to live.
 */
export function imageLifecyclePolicy(
    keepTagged: number,
    untaggedDays: number,
    deployed: readonly { readonly env: string; readonly keep: number }[],
    previewImageDays?: number,
) {
    const kept = deployed.map(({ env, keep }) => ({
        description: `Keep the newest ${keep} images deployed to ${env} (tagged ${env}-<git SHA>)`,
        selection: { tagStatus: "tagged", tagPatternList: [`${env}-*`], countType: "imageCountMoreThan", countNumber: keep },
    }));
    // Pull requests' images (previews: true) by a rule of their own, so that they never count among main's.
    const previews =
        previewImageDays === undefined
            ? []
            : [
                  {
                      description: `Expire pull requests' images (tagged ${PREVIEW_IMAGE_TAG_PREFIX}<git SHA>) ${previewImageDays} days after their push`,
                      selection: {
                          tagStatus: "tagged",
                          tagPatternList: [`${PREVIEW_IMAGE_TAG_PREFIX}*`],
                          countType: "sinceImagePushed",
                          countUnit: "days",
                          countNumber: previewImageDays,
                      },
                  },
              ];
    const rules = [
        ...kept,
        ...previews,
        {
            description: `Expire untagged images after ${untaggedDays} days`,
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedDays },
        },
        {
            description: `Keep the newest ${keepTagged} other release images (tagged with their git SHA)`,
            selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: keepTagged },
        },
    ];
    return { rules: rules.map((r, i) => ({ rulePriority: i + 1, ...r, action: { type: "expire" } })) };
}

// ---- Pull-request previews (issue 21): one deploy role for every stack pr-<number> ----

export { PREVIEW_BOOTSTRAP_ENV, PREVIEW_GITHUB_ENVIRONMENT, PREVIEW_STACKS, previewHostPattern } from "./previews";

/** The operators that compare a `*` literally, and their wildcard forms (IAM condition operators). */
const LIKE: Readonly<Record<string, string>> = {
    StringEquals: "StringLike",
    StringNotEquals: "StringNotLike",
    "ForAllValues:StringEquals": "ForAllValues:StringLike",
    "ForAnyValue:StringEquals": "ForAnyValue:StringLike",
};

/**
 * A policy written for one environment, turned into one for every preview stack: written for the
 * environment `pr-*`, so its names are `<app>-pr-*-...`; a string condition that holds a `*` takes
 * its wildcard operator ({@link LIKE}: StringEquals would compare the asterisk literally, and a
 * StringNotEquals deny would refuse every preview); and the boundary that roles
 * must carry is the previews' shared one, compared exactly.
 */
function forPreviewStacks(doc: PolicyDocument, a: Account, app: string): PolicyDocument {
    const patternBoundary = boundaryArn(a, app, PREVIEW_STACKS);
    const sharedBoundary = boundaryArn(a, app, PREVIEW_BOOTSTRAP_ENV);
    const swap = (v: string | readonly string[]) =>
        typeof v === "string" ? (v === patternBoundary ? sharedBoundary : v) : v.map((x) => (x === patternBoundary ? sharedBoundary : x));
    const hasWildcard = (v: string | readonly string[]) => (typeof v === "string" ? v : v.join(" ")).includes("*");
    const statements = doc.Statement.map((s): Statement => {
        if (!s.Condition) return s;
        const condition: Record<string, Record<string, string | readonly string[]>> = {};
        for (const [operator, entries] of Object.entries(s.Condition)) {
            for (const [key, raw] of Object.entries(entries)) {
                const value = swap(raw);
                const op = hasWildcard(value) ? (LIKE[operator] ?? operator) : operator;
                condition[op] = { ...(condition[op] ?? {}), [key]: value };
            }
        }
        return { ...s, Condition: condition };
    });
    return { Version: doc.Version, Statement: statements };
}

/** The previews' shared permissions boundary: every role of every `pr-*` stack carries it. */
export function previewBoundaryPolicy(p: Omit<BoundaryPolicyArgs, "env" | "assetsHost">): PolicyDocument {
    return forPreviewStacks(boundaryPolicy({ ...p, env: PREVIEW_STACKS }), p.account, p.app);
}

/**
 * The preview deploy role's inline policy: {@link deployPolicy} for the stacks `pr-*` only (names
 * `<app>-pr-*`, tags `environment: pr-*`, state `.pulumi/stacks/<project>/pr-*`).
 */
export function previewDeployPolicy(p: Omit<DeployPolicyArgs, "env" | "assetsHost">): PolicyDocument {
    return forPreviewStacks(deployPolicy({ ...p, env: PREVIEW_STACKS }), p.account, p.app);
}

/** The preview deploy role's network policy: {@link deployNetworkPolicy} for the stacks `pr-*` only. */
export function previewDeployNetworkPolicy(p: Omit<DeployPolicyArgs, "env" | "assetsHost">): PolicyDocument {
    return forPreviewStacks(deployNetworkPolicy({ ...p, env: PREVIEW_STACKS }), p.account, p.app);
}

/**
 * The preview deploy role's services policy: {@link deployServicesPolicy} for the stacks `pr-*`
 * only, and what a preview needs besides: reading the previews' shared origin parameters, which the
 * bootstrap writes, and pushing the pull request's images (tags are immutable, so it cannot move
 * main's).
 */
export function previewDeployServicesPolicy(p: Omit<DeployPolicyArgs, "env" | "assetsHost">): PolicyDocument {
    const { partition, region, accountId } = p.account;
    return policy(
        ...forPreviewStacks(deployServicesPolicy({ ...p, env: PREVIEW_STACKS }), p.account, p.app).Statement,
        {
            Sid: "ReadPreviewEdgeParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:GetParameters"],
            Resource: `arn:${partition}:ssm:${region}:${accountId}:parameter/${p.app}/${PREVIEW_BOOTSTRAP_ENV}/edge/*`,
        },
        {
            Sid: "PushPullRequestImages",
            Effect: "Allow",
            Action: ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability"],
            Resource: p.repositoryArns,
        },
    );
}

/** The preview deploy role's data policy: {@link deployDataPolicy} for the stacks `pr-*` only. */
export function previewDeployDataPolicy(p: Omit<DeployPolicyArgs, "env" | "assetsHost">): PolicyDocument {
    return forPreviewStacks(deployDataPolicy({ ...p, env: PREVIEW_STACKS }), p.account, p.app);
}
