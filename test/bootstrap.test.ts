/**
 * The bootstrap project (`bootstrap/`), run under the mock runtime with its committed `shared`
 * stack and a few overrides; a cross-check that each environment's deploy role covers what that
 * environment's program creates; and the settings' validation, table-tested.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { originRuleExpression } from "../bootstrap/cloudflareEdge";
import {
    assetsBucketNameProblem,
    BOOTSTRAP_KEYS,
    BOOTSTRAP_PROJECT,
    buildBootstrapSettings,
    dnsNameProblem,
    ecrRepositoryNameProblem,
    s3BucketNameProblem,
} from "../bootstrap/settings";
import { KEYS, KeySpec } from "../stacks/keys";
import { SettingsError, tierOf } from "../stacks/settings";
import { parseImageRef } from "../stacks/validators";
import { Graph, Match, Recorded } from "../offline/graph";
import { ACCOUNT, FakeCloud, runStack, StackRun } from "../offline/runStack";
import { readOfflineAnswers } from "../offline/cloud";
import { FIXTURES } from "./setup";
import { ConfigOverrides, MAIN, Project, ROOT, committedStacks, projectDeclarations, stackConfig, stackServices } from "../offline/stackConfig";

const BOOTSTRAP: Project = { dir: path.join(ROOT, "bootstrap"), name: BOOTSTRAP_PROJECT };
const ENVS = ["alpha", "beta", "gamma", "live"];
const REPO = "example-org/shipyard";
const BUCKET = "demo-pulumi-state-123456789012-eu-west-1";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const STATE_KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/demo-state-key-id`;
const WEB_REPO_ARN = `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/demo-web`;
/** The services of the committed shared stack (bootstrap/Pulumi.shared.yaml): the environments' four. */
const SERVICES = ["web", "api", "search", "worker"];
const REPO_ARNS = SERVICES.map((s) => `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/demo-${s}`);
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const OIDC = "token.actions.githubusercontent.com";
const BOUNDARY = (env: string) => `arn:aws:iam::${ACCOUNT}:policy/demo-${env}-boundary`;
/** The Cloudflare zone id the harness's fake cloud has for example.org. */
const ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";
/** bootstrap/Pulumi.shared.yaml's originHosts: each environment's shipyard:hostName. */
const COMMITTED_ORIGIN_HOSTS = { alpha: ["alpha.example.org"], beta: ["beta.example.org"], gamma: ["gamma.example.org"], live: ["example.org"] };
/** bootstrap/Pulumi.shared.yaml's assetsHosts: Pulumi.live.yaml's shipyard:assetsHost. */
const COMMITTED_ASSETS_HOSTS = { live: "assets.example.org" };
/** stacks/keys.ts's rule for a stack name, which an environment's name is. */
const STACK_NAME_RULE =
    "a stack name is 2 to 16 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row (it becomes part of AWS names such as <app>-<stack>-<service>), e.g. alpha, staging2, pr-42";
/** The trust policy of a role that only jobs in the GitHub environment `env` of the repository may assume. */
const environmentTrust = (env: string) => ({
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "GitHubActionsOidc",
            Effect: "Allow",
            Principal: { Federated: PROVIDER_ARN },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: { [`${OIDC}:aud`]: "sts.amazonaws.com", [`${OIDC}:sub`]: `repo:${REPO}:environment:${env}` } },
        },
    ],
});
const MANAGED = (name: string) => `arn:aws:iam::aws:policy/${name}`;
/**
 * The actions of the AWS managed policies the environments' program attaches, from the AWS Managed
 * Policy Reference: AmazonECSInfrastructureRolePolicyForLoadBalancers, version v6 (2026-02-12),
 * all of them; and of AWS Backup's four (components/backupPlan.ts), the actions their statements
 * grant for backing up what the environment has (RDS instances and their snapshots, S3 buckets and
 * objects), on AWS Backup itself, tags, KMS and EventBridge, and the reads of the restore policies.
 * The boundary must allow these, and none of the rest ({@link BACKUP_POLICY_ACTIONS_LEFT_OUT}).
 */
const MANAGED_POLICY_ACTIONS: Record<string, string[]> = {
    [MANAGED("AmazonECSInfrastructureRolePolicyForLoadBalancers")]: [
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:DeregisterTargets",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:ModifyRule",
    ],
    [MANAGED("service-role/AWSBackupServiceRolePolicyForBackup")]: [
        "rds:AddTagsToResource",
        "rds:ListTagsForResource",
        "rds:DescribeDBSnapshots",
        "rds:CreateDBSnapshot",
        "rds:CopyDBSnapshot",
        "rds:DescribeDBInstances",
        "rds:DeleteDBSnapshot",
        "backup:DescribeBackupVault",
        "backup:CopyIntoBackupVault",
        "kms:DescribeKey",
        "kms:CreateGrant",
        "tag:GetResources",
    ],
    [MANAGED("service-role/AWSBackupServiceRolePolicyForRestores")]: [
        "rds:DescribeDBInstances",
        "rds:DescribeDBSnapshots",
        "rds:ListTagsForResource",
        "rds:AddTagsToResource",
        "kms:DescribeKey",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "kms:CreateGrant",
    ],
    [MANAGED("AWSBackupServiceRolePolicyForS3Backup")]: [
        "cloudwatch:GetMetricData",
        "events:DeleteRule",
        "events:PutTargets",
        "events:DescribeRule",
        "events:EnableRule",
        "events:PutRule",
        "events:RemoveTargets",
        "events:ListTargetsByRule",
        "events:DisableRule",
        "events:ListRules",
        "kms:Decrypt",
        "kms:DescribeKey",
        "s3:GetBucketTagging",
        "s3:GetInventoryConfiguration",
        "s3:ListBucketVersions",
        "s3:ListBucket",
        "s3:GetBucketVersioning",
        "s3:GetBucketLocation",
        "s3:GetBucketAcl",
        "s3:PutInventoryConfiguration",
        "s3:GetBucketNotification",
        "s3:PutBucketNotification",
        "s3:GetObjectAcl",
        "s3:GetObject",
        "s3:GetObjectVersionTagging",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectTagging",
        "s3:GetObjectVersion",
        "s3:ListAllMyBuckets",
        "backup:TagResource",
    ],
    [MANAGED("AWSBackupServiceRolePolicyForS3Restore")]: [
        "s3:ListBucketVersions",
        "s3:ListBucket",
        "s3:GetBucketVersioning",
        "s3:GetBucketLocation",
        "s3:GetBucketOwnershipControls",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectTagging",
        "s3:GetObjectAcl",
        "kms:DescribeKey",
        "kms:GenerateDataKey",
        "kms:Decrypt",
    ],
};
/**
 * What AWS Backup's managed policies grant besides: restores (a new instance, objects written into
 * a bucket), other services, Aurora clusters, changing or deleting the instance, sharing
 * snapshots, object ACLs. The boundary keeps the backup role from all of it.
 */
const BACKUP_POLICY_ACTIONS_LEFT_OUT = [
    "rds:RestoreDBInstanceFromDBSnapshot",
    "rds:RestoreDBInstanceToPointInTime",
    "s3:CreateBucket",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:PutBucketVersioning",
    "s3:PutBucketOwnershipControls",
    "s3:ListMultipartUploadParts",
    "rds:ModifyDBInstance",
    "rds:DeleteDBInstance",
    "rds:CreateDBInstance",
    "rds:ModifyDBSnapshotAttribute",
    "rds:CreateDBClusterSnapshot",
    "rds:RestoreDBClusterFromSnapshot",
    "dynamodb:CreateBackup",
    "dynamodb:RestoreTableFromBackup",
    "ec2:CreateSnapshot",
    "ec2:CreateImage",
    "ec2:RunInstances",
    "elasticfilesystem:Backup",
    "fsx:CreateBackup",
    "redshift:CreateClusterSnapshot",
    "storagegateway:CreateSnapshot",
    "ssm:SendCommand",
    "backup:CopyFromBackupVault",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "kms:Encrypt",
    "kms:ReEncryptFrom",
];
const T = {
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    key: "aws:kms/key:Key",
    alias: "aws:kms/alias:Alias",
    repository: "aws:ecr/repository:Repository",
    ecrLifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    param: "aws:ssm/parameter:Parameter",
    function: "aws:lambda/function:Function",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    ruleset: "cloudflare:index/ruleset:Ruleset",
    zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
    dbInstance: "aws:rds/instance:Instance",
    dbSubnetGroup: "aws:rds/subnetGroup:SubnetGroup",
    dbParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
    secretRotation: "aws:secretsmanager/secretRotation:SecretRotation",
    vault: "aws:backup/vault:Vault",
    backupPlan: "aws:backup/plan:Plan",
    backupSelection: "aws:backup/selection:Selection",
};
/** The phases of the zone's two rulesets: request header transform rules and configuration rules. */
const ORIGIN_PHASE = "http_request_late_transform";
const CONFIG_PHASE = "http_config_settings";

type Condition = Record<string, Record<string, string | string[]>>;
interface Statement {
    Sid: string;
    Effect: string;
    Principal?: { AWS?: string; Federated?: string; Service?: string | string[] } | "*";
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Condition;
}
interface Doc {
    Version: string;
    Statement: Statement[];
}

const list = <X>(x: X | X[] | undefined): X[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const json = (r: Recorded, key: string) => JSON.parse(r.inputs[key] as string) as Doc;
/**
 * What an environment's deploy role may do: its inline policy and the managed policy of its data
 * attached to it (IAM evaluates the union of a role's identity policies).
 */
function deployPermissions(graph: Graph, env: string): Doc {
    const inline = json(graph.one("aws:iam/rolePolicy:RolePolicy", { role: `demo-github-deploy-${env}` }), "policy");
    const data = json(graph.one("aws:iam/policy:Policy", { name: `demo-github-deploy-${env}-data` }), "policy");
    return { Version: inline.Version, Statement: [...inline.Statement, ...data.Statement] };
}

/** IAM wildcard match: `*` any run of characters, `?` one; action names ignore case. */
function iamMatch(pattern: string, value: string, ignoreCase = false): boolean {
    const re = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        ignoreCase ? "i" : "",
    );
    return re.test(value);
}

/**
 * Whether an identity policy allows `action` on `resource` in the given request context. Enough of
 * IAM's evaluation for these documents: an explicit Deny that matches wins, otherwise an Allow must
 * match; wildcards, and the exact-match condition operators they use (Bool compares the key's
 * value as text, "true" or "false"; Null "true" holds when the key is absent), StringLike (IAM
 * wildcards), and their ...IfExists forms, which hold when the key is missing from the context;
 * any other operator fails closed (an Allow with it does not match, a Deny with it does). A key
 * missing from the context fails its condition (but for ...IfExists).
 */
function allows(doc: Doc, action: string, resource: string, context: Record<string, string> = {}): boolean {
    const holds = (c: Condition | undefined) =>
        Object.entries(c ?? {}).every(([op, kv]) => {
            if (op === "Null") return Object.entries(kv).every(([k, v]) => (context[k] === undefined) === (v === "true"));
            const base = op.replace(/IfExists$/, "");
            if (!["StringEquals", "ArnEquals", "Bool", "StringLike"].includes(base)) return false;
            return Object.entries(kv).every(([k, v]) =>
                context[k] === undefined
                    ? op.endsWith("IfExists")
                    : base === "StringLike"
                      ? list(v).some((p) => iamMatch(p, context[k]))
                      : list(v).includes(context[k]),
            );
        });
    const applies = (s: Statement) => list(s.Action).some((a) => iamMatch(a, action, true)) && list(s.Resource).some((r) => iamMatch(r, resource));
    if (doc.Statement.some((s) => s.Effect === "Deny" && applies(s) && (s.Condition === undefined || holds(s.Condition)))) return false;
    return doc.Statement.some((s) => s.Effect === "Allow" && applies(s) && holds(s.Condition));
}

/** Whether some Allow statement's Action covers `action` (IAM wildcards; a wildcard action is covered by a pattern that matches it as text). */
function allowsAction(doc: Doc, action: string): boolean {
    return doc.Statement.some((s) => s.Effect === "Allow" && list(s.Action).some((a) => iamMatch(a, action, true)));
}

interface LifecycleRule {
    rulePriority: number;
    description?: string;
    selection: { tagStatus: string; tagPatternList?: string[]; countType: string; countUnit?: string; countNumber: number };
    action?: { type: string };
}
interface LifecyclePolicy {
    rules: LifecycleRule[];
}
interface Image {
    digest: string;
    pushedDay: number;
    tags: string[];
}

/** Whether a rule's selection matches an image: ECR needs a tag matching EVERY pattern of the list, `*` any run of characters. */
function selects(rule: LifecycleRule, image: Image): boolean {
    const s = rule.selection;
    if (s.tagStatus === "untagged") return image.tags.length === 0;
    if (s.tagStatus === "tagged" && image.tags.length === 0) return false;
    return (s.tagPatternList ?? []).every((p) => image.tags.some((t) => iamMatch(p, t)));
}

/**
 * The digests an ECR lifecycle policy expires, as the ECR user guide describes the evaluation
 * ("How lifecycle policies work", "Lifecycle policy properties"): rules in rulePriority order; a
 * rule's count includes every image its selection matches, newest pushed first; an image that a
 * higher-priority rule's selection matched cannot be expired by a lower-priority rule.
 */
function evaluateLifecycle(policy: LifecyclePolicy, images: readonly Image[], today: number): Set<string> {
    const expired = new Set<string>();
    const matchedAbove = new Set<string>();
    for (const rule of [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority)) {
        const matched = images.filter((i) => selects(rule, i));
        const { countType, countNumber } = rule.selection;
        const expiring =
            countType === "imageCountMoreThan"
                ? [...matched].sort((a, b) => b.pushedDay - a.pushedDay).slice(countNumber)
                : matched.filter((i) => today - i.pushedDay > countNumber);
        for (const i of expiring) if (!matchedAbove.has(i.digest)) expired.add(i.digest);
        for (const i of matched) matchedAbove.add(i.digest);
    }
    return expired;
}

/**
 * Every string in `value` that is not under one of `secretPaths` (unwrapSecrets' notation: `a.b`,
 * `a[0]`), with its path: what Pulumi would show in plain text in a diff or the state.
 */
function plainStrings(value: unknown, secretPaths: readonly string[], at = ""): [string, string][] {
    if (secretPaths.includes(at || "(root)")) return [];
    if (typeof value === "string") return [[at, value]];
    if (Array.isArray(value)) return value.flatMap((v, i) => plainStrings(v, secretPaths, `${at}[${i}]`));
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => plainStrings(v, secretPaths, at ? `${at}.${k}` : k));
    }
    return [];
}

function problemsOf(overrides: ConfigOverrides): string {
    try {
        buildBootstrapSettings("shared", stackConfig("shared", overrides, BOOTSTRAP));
    } catch (e) {
        assert.ok(e instanceof SettingsError, `expected SettingsError, got ${String(e)}`);
        return e.message;
    }
    assert.fail(`the shared stack accepted ${JSON.stringify(overrides)}`);
}

describe("bootstrap/ (once per AWS account)", function () {
    this.timeout(20_000);
    let shared: StackRun;
    before(async () => {
        shared = await runStack("shared", { project: BOOTSTRAP });
    });
    const g = (): Graph => {
        if (shared.error) throw shared.error;
        return shared.graph;
    };
    const one = (type: string, name: string) => {
        const found = g()
            .ofType(type)
            .filter((r) => r.name === name);
        assert.equal(found.length, 1, `${type} ${name}`);
        return found[0];
    };

    describe("the fixture shared stack", () => {
        it("is the only stack file of the project", () => {
            assert.deepEqual(committedStacks(BOOTSTRAP), ["shared"]);
        });
        it("runs without error, looks up only the Cloudflare zone by its name, and creates exactly the expected resources", () => {
            assert.equal(shared.error, undefined);
            assert.deepEqual(shared.invokes, [{ token: "cloudflare:index/getZone:getZone", args: { filter: { name: "example.org" } } }]);
            assert.deepEqual(g().countsByType(), {
                [T.oidc]: 1,
                [T.role]: 7,
                [T.rolePolicy]: 7,
                [T.policy]: 16, // 4 boundaries; each deploy role's data, network and services permissions
                [T.attachment]: 12,
                [T.repository]: SERVICES.length,
                [T.ecrLifecycle]: SERVICES.length,
                [T.key]: 9, // state, 4 secrets keys, 4 alarm-topic keys
                [T.alias]: 9,
                // The state bucket, and the bucket its server access logs go to (S3.9).
                [T.bucket]: 2,
                [T.bucketPolicy]: 2,
                [T.lifecycle]: 2,
                [T.ownership]: 2,
                [T.publicAccess]: 2,
                [T.encryption]: 2,
                [T.versioning]: 1,
                "aws:s3/bucketLogging:BucketLogging": 1,
                [T.param]: 8, // an origin secret and an origin hosts list per environment
                [T.ruleset]: 2, // the origin header rules, and the assets host's SSL mode
                [T.zoneSetting]: 3,
                "shipyard-bootstrap:cloudflare:CloudflareEdge": 1,
                "shipyard-bootstrap:ecr:ImageRepositories": 1,
                "shipyard-bootstrap:kms:AlarmKeys": 1,
                "shipyard-bootstrap:iam:GithubRoles": 1,
                "shipyard-bootstrap:iam:PermissionsBoundaries": 1,
                "shipyard-bootstrap:kms:SecretsKeys": 1,
                "shipyard-bootstrap:state:StateBackend": 1,
                "shipyard:logs:LogBucket": 1,
            });
        });
        it("names every child after its parent component", () => {
            const components = g().all.filter((r) => !r.custom);
            assert.equal(components.length, 8);
            for (const c of components) {
                const children = g().childrenOf(c);
                assert.ok(children.length > 0, c.name);
                for (const child of children) assert.ok(child.name.startsWith(`${c.name}-`), `${child.name} under ${c.name}`);
            }
        });
        it("tags every taggable resource with app, managed-by, and its environment or shared", () => {
            const untagged = g()
                .all.filter((r) => r.custom && !("tags" in r.inputs))
                .map((r) => r.type);
            // None of these types takes tags.
            assert.deepEqual(
                [...new Set(untagged)].sort(),
                [
                    T.ecrLifecycle,
                    T.alias,
                    T.rolePolicy,
                    T.attachment,
                    T.bucketPolicy,
                    T.lifecycle,
                    T.ownership,
                    T.publicAccess,
                    T.encryption,
                    T.versioning,
                    T.ruleset,
                    T.zoneSetting,
                    "aws:s3/bucketLogging:BucketLogging",
                ].sort(),
            );
            for (const r of g().all.filter((x) => x.custom && "tags" in x.inputs)) {
                const env = ENVS.find((e) => r.name.endsWith(`-${e}`)) ?? "shared";
                assert.deepEqual(r.inputs.tags, { app: "demo", environment: env, "managed-by": "pulumi" }, r.name);
            }
        });
    });

    describe("state bucket", () => {
        it("GIVEN stateBucket WHEN run THEN exactly one bucket of that name, which Pulumi never empties", () => {
            assert.deepEqual(
                g()
                    .ofType(T.bucket)
                    .map((b) => b.inputs.bucket),
                [BUCKET, `${BUCKET}-logs`],
            );
            assert.deepEqual(one(T.bucket, "demo-state-bucket").inputs, {
                bucket: BUCKET,
                forceDestroy: false,
                tags: { app: "demo", environment: "shared", "managed-by": "pulumi" },
            });
        });
        it("keeps every version, encrypts with its own KMS key and an S3 Bucket Key", () => {
            assert.deepEqual(one(T.versioning, "demo-state-versioning").inputs, { bucket: BUCKET, versioningConfiguration: { status: "Enabled" } });
            assert.deepEqual(one(T.encryption, "demo-state-encryption").inputs, {
                bucket: BUCKET,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: STATE_KEY_ARN }, bucketKeyEnabled: true }],
            });
        });
        it("blocks all public access and disables ACLs (BucketOwnerEnforced)", () => {
            assert.deepEqual(one(T.publicAccess, "demo-state-public-access").inputs, {
                bucket: BUCKET,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            });
            assert.deepEqual(one(T.ownership, "demo-state-ownership").inputs, { bucket: BUCKET, rule: { objectOwnership: "BucketOwnerEnforced" } });
        });
        it("denies every request that does not use TLS, and nothing else", () => {
            const policy = one(T.bucketPolicy, "demo-state-policy");
            assert.equal(policy.inputs.bucket, BUCKET);
            assert.deepEqual(json(policy, "policy"), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ],
            });
        });
        it("expires noncurrent versions after noncurrentVersionDays, stale delete markers, and failed uploads after 7 days", () => {
            assert.deepEqual(one(T.lifecycle, "demo-state-lifecycle").inputs, {
                bucket: BUCKET,
                rules: [
                    {
                        id: "expire-noncurrent-versions",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: 90 },
                        expiration: { expiredObjectDeleteMarker: true },
                    },
                    { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
                ],
            });
        });
        it("protects every state resource and keeps it in AWS if it ever leaves the program", () => {
            const state = g().childrenOf(one("shipyard-bootstrap:state:StateBackend", "demo-state"));
            // 9, and the access log bucket's component and the logging (S3.9).
            assert.equal(state.length, 11);
            assert.deepEqual(
                state.filter((r) => !r.protect || !r.retainOnDelete).map((r) => r.name),
                [],
            );
        });
        it("encrypts with a rotated key that only the account's IAM policies grant", () => {
            const key = one(T.key, "demo-state-key");
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.equal(key.inputs.deletionWindowInDays, 30);
            assert.deepEqual(json(key, "policy").Statement, [
                { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
            ]);
            assert.deepEqual(one(T.alias, "demo-state-key").inputs, { name: "alias/demo-pulumi-state", targetKeyId: "demo-state-key-id" });
        });
    });

    describe("image repositories", () => {
        it("GIVEN services [web, api, search, worker] WHEN run THEN one repository each, demo-<service>: immutable tags, scan on push, AES256, never force-deleted", () => {
            g().resourceCountIs(T.repository, SERVICES.length);
            for (const service of SERVICES) {
                assert.deepEqual(one(T.repository, `demo-images-${service}`).inputs, {
                    name: `demo-${service}`,
                    imageTagMutability: "IMMUTABLE",
                    imageScanningConfiguration: { scanOnPush: true },
                    encryptionConfigurations: [{ encryptionType: "AES256" }],
                    forceDelete: false,
                    tags: { app: "demo", environment: "shared", "managed-by": "pulumi" },
                });
            }
        });
        const lifecycleOf = (r: Recorded) => JSON.parse(r.inputs.policy as string) as LifecyclePolicy;
        it("keeps the newest 50 images deployed to live and 20 deployed to gamma, expires untagged images after 7 days, and keeps the newest 30 others", () => {
            const policy = one(T.ecrLifecycle, "demo-images-web");
            assert.equal(policy.inputs.repository, "demo-web");
            assert.deepEqual(lifecycleOf(policy), {
                rules: [
                    {
                        rulePriority: 1,
                        description: "Keep the newest 50 images deployed to live (tagged live-<git SHA>)",
                        selection: { tagStatus: "tagged", tagPatternList: ["live-*"], countType: "imageCountMoreThan", countNumber: 50 },
                        action: { type: "expire" },
                    },
                    {
                        rulePriority: 2,
                        description: "Keep the newest 20 images deployed to gamma (tagged gamma-<git SHA>)",
                        selection: { tagStatus: "tagged", tagPatternList: ["gamma-*"], countType: "imageCountMoreThan", countNumber: 20 },
                        action: { type: "expire" },
                    },
                    {
                        rulePriority: 3,
                        description: "Expire untagged images after 7 days",
                        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
                        action: { type: "expire" },
                    },
                    {
                        rulePriority: 4,
                        description: "Keep the newest 30 other release images (tagged with their git SHA)",
                        selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 30 },
                        action: { type: "expire" },
                    },
                ],
            });
        });

        describe("what the lifecycle policy does to a release that live runs while main moves on", () => {
            const sha = (n: number) => n.toString(16).padStart(40, "0");
            // Commit 0 went to live (and gamma before it); 40 more commits went only to alpha and beta.
            const promoted: Image = { digest: "live", pushedDay: 0, tags: [sha(0), `alpha-${sha(0)}`, `gamma-${sha(0)}`, `live-${sha(0)}`] };
            const main = Array.from({ length: 40 }, (_, i): Image => ({
                digest: `main-${i + 1}`,
                pushedDay: i + 1,
                tags: [sha(i + 1), `alpha-${sha(i + 1)}`],
            }));
            const images = [promoted, ...main];
            const current = () => lifecycleOf(one(T.ecrLifecycle, "demo-images-web"));
            const digests = (xs: Iterable<string | Image>) => [...xs].map((x) => (typeof x === "string" ? x : x.digest)).sort();

            it("GIVEN a promoted image THEN the live rule is the first whose selection matches it", () => {
                const first = current().rules.find((r) => selects(r, promoted));
                assert.equal(first?.rulePriority, 1);
                assert.deepEqual(first?.selection.tagPatternList, ["live-*"]);
            });
            it("GIVEN 40 newer commits on main WHEN the policy runs THEN live's image stays, and only main's 10 oldest expire", () => {
                const expired = evaluateLifecycle(current(), images, 41);
                // Rule 4 would expire live's image, the oldest of the 41 tagged, but rule 1 matched it first.
                assert.equal(expired.has("live"), false);
                assert.deepEqual(digests(expired), digests(main.slice(0, 10)));
            });
            it("GIVEN the former policy (one rule for every tag) THEN the same 40 commits expire live's image", () => {
                const former: LifecyclePolicy = {
                    rules: [
                        { rulePriority: 1, selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 } },
                        { rulePriority: 2, selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 30 } },
                    ],
                };
                assert.equal(evaluateLifecycle(former, images, 41).has("live"), true);
            });
            it("GIVEN 60 releases to live THEN the 10 oldest of them expire and the newest 50 stay", () => {
                const releases = Array.from({ length: 60 }, (_, i): Image => ({ digest: `r${i}`, pushedDay: i, tags: [sha(i), `live-${sha(i)}`] }));
                assert.deepEqual(digests(evaluateLifecycle(current(), releases, 61)), digests(releases.slice(0, 10)));
            });
            it("GIVEN an untagged manifest 8 days old THEN it expires, and one 6 days old stays", () => {
                const untagged: Image[] = [
                    { digest: "old", pushedDay: 0, tags: [] },
                    { digest: "new", pushedDay: 2, tags: [] },
                ];
                assert.deepEqual(digests(evaluateLifecycle(current(), untagged, 8)), ["old"]);
            });
        });
        it("GIVEN services [web, worker], keepReleaseImages 5, untaggedImageDays 2 WHEN run THEN two repositories with those numbers", async () => {
            const run = await runStack("shared", {
                project: BOOTSTRAP,
                overrides: { set: { services: ["web", "worker"], keepReleaseImages: 5, untaggedImageDays: 2 } },
            });
            assert.equal(run.error, undefined);
            assert.deepEqual(
                run.graph.ofType(T.repository).map((r) => r.inputs.name),
                ["demo-web", "demo-worker"],
            );
            for (const p of run.graph.ofType(T.ecrLifecycle)) {
                const rules = (JSON.parse(p.inputs.policy as string) as { rules: { selection: { countNumber: number } }[] }).rules;
                assert.deepEqual(
                    rules.map((r) => r.selection.countNumber),
                    [50, 20, 2, 5],
                    p.name,
                );
            }
            assert.deepEqual(run.outputs?.repositoryUrls, {
                web: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/demo-web`,
                worker: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/demo-worker`,
            });
            const build = json(run.graph.ofType(T.rolePolicy).find((r) => r.name === "demo-github-build") as Recorded, "policy");
            assert.deepEqual(build.Statement[1].Resource, [WEB_REPO_ARN, `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/demo-worker`]);
        });
    });

    describe("GitHub OIDC provider and roles", () => {
        const trust = (name: string) => json(one(T.role, name), "assumeRolePolicy");
        /** A role's inline policy and the customer managed policies attached to it. */
        const permissions = (name: string): Doc => {
            const inline = json(one(T.rolePolicy, name), "policy");
            const attached = g()
                .ofType(T.attachment)
                .filter((a) => a.inputs.role === name)
                .map((a) =>
                    json(
                        g()
                            .ofType(T.policy)
                            .find((p) => p.outputs.arn === a.inputs.policyArn)!,
                        "policy",
                    ),
                );
            return { Version: inline.Version, Statement: [inline, ...attached].flatMap((d) => d.Statement) };
        };

        it("creates the one GitHub OIDC provider, for STS, without thumbprints (IAM trusts GitHub's CA itself)", () => {
            g().resourceCountIs(T.oidc, 1);
            assert.deepEqual(one(T.oidc, "demo-github-oidc").inputs, {
                url: "https://token.actions.githubusercontent.com",
                clientIdLists: ["sts.amazonaws.com"],
                tags: { app: "demo", environment: "shared", "managed-by": "pulumi" },
            });
        });
        it("GIVEN githubOidcProviderArn WHEN run THEN no provider is created and every role trusts the given one", async () => {
            const existing = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
            const run = await runStack("shared", { project: BOOTSTRAP, overrides: { set: { githubOidcProviderArn: existing } } });
            assert.equal(run.error, undefined);
            run.graph.resourceCountIs(T.oidc, 0);
            const roles = run.graph.ofType(T.role);
            assert.equal(roles.length, 7);
            for (const r of roles) assert.deepEqual(json(r, "assumeRolePolicy").Statement[0].Principal, { Federated: existing }, r.name);
        });
        it("GIVEN the four environments WHEN run THEN exactly four deploy roles, each assumable only from its own GitHub environment", () => {
            const deploy = g()
                .ofType(T.role)
                .filter((r) => r.name.startsWith("demo-github-deploy-"));
            assert.deepEqual(
                deploy.map((r) => r.inputs.name),
                ENVS.map((e) => `demo-github-deploy-${e}`),
            );
            for (const env of ENVS) {
                assert.deepEqual(trust(`demo-github-deploy-${env}`), environmentTrust(env));
            }
        });
        it("GIVEN any role WHEN its trust policy is read THEN the subject is one exact string: no wildcard, no StringLike", () => {
            for (const r of g().ofType(T.role)) {
                const [statement] = json(r, "assumeRolePolicy").Statement;
                assert.deepEqual(Object.keys(statement.Condition ?? {}), ["StringEquals"], r.name);
                const sub = statement.Condition?.StringEquals[`${OIDC}:sub`];
                assert.ok(typeof sub === "string" && !/[*?]/.test(sub), `${r.name}: ${String(sub)}`);
                assert.equal(r.inputs.maxSessionDuration, 3600, r.name);
            }
        });
        it("lets only jobs of pushes to main assume the build role, which may push images, see which exist, and nothing else", () => {
            assert.equal(trust("demo-github-build").Statement[0].Condition?.StringEquals[`${OIDC}:sub`], `repo:${REPO}:ref:refs/heads/main`);
            // The push set of the ECR user guide ("IAM permissions for pushing an image"), in sorted order.
            const push = ["BatchCheckLayerAvailability", "BatchGetImage", "CompleteLayerUpload", "InitiateLayerUpload", "PutImage", "UploadLayerPart"];
            assert.deepEqual(
                permissions("demo-github-build").Statement.map((st) => [st.Sid, st.Effect, list(st.Action).sort(), st.Resource, st.Condition]),
                [
                    ["EcrLogin", "Allow", ["ecr:GetAuthorizationToken"], "*", undefined],
                    ["PushServiceImages", "Allow", push.map((a) => `ecr:${a}`), REPO_ARNS, undefined],
                    ["FindBuiltImages", "Allow", ["ecr:DescribeImages"], REPO_ARNS, undefined],
                ],
            );
        });
        const PREVIEWS: [string, string, string[]][] = [
            ["demo-github-preview", `repo:${REPO}:pull_request`, ["alpha", "beta"]],
            ["demo-github-preview-production", `repo:${REPO}:environment:preview-production`, ["gamma", "live"]],
        ];
        for (const [role, subject, own] of PREVIEWS) {
            it(`lets only ${subject} assume ${role}, which reads and never writes, not even a lock`, () => {
                assert.equal(trust(role).Statement[0].Condition?.StringEquals[`${OIDC}:sub`], subject);
                const actions = permissions(role).Statement.flatMap((s) => list(s.Action));
                const writes = actions.filter((a) => !/^[a-z0-9-]+:(Get|List|Describe|BatchGet)/.test(a) && a !== "s3:GetObject" && a !== "kms:Decrypt");
                assert.deepEqual(writes, []);
                const policy = permissions(role);
                assert.equal(allows(policy, "s3:PutObject", `${BUCKET_ARN}/.pulumi/locks/organization/shipyard/${own[0]}/x.json`), false);
                assert.equal(allows(policy, "kms:Decrypt", STATE_KEY_ARN, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }), true);
                assert.equal(allows(policy, "kms:Decrypt", STATE_KEY_ARN), false);
            });
            it(`lets ${role} read the state, parameters, roles and functions of ${own.join(" and ")} only`, () => {
                const policy = permissions(role);
                for (const env of ENVS) {
                    const mine = own.includes(env);
                    for (const key of [`stacks/shipyard/${env}.json`, `stacks/shipyard/${env}.json.gz`, `stacks/shipyard/${env}.pulumi-tags`]) {
                        assert.equal(allows(policy, "s3:GetObject", `${BUCKET_ARN}/.pulumi/${key}`), mine, `${role} reads ${key}`);
                    }
                    const parameter = `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/demo/${env}/web/DATABASE_URL`;
                    assert.equal(allows(policy, "ssm:GetParameter", parameter), mine, `${role} reads ${parameter}`);
                    assert.equal(allows(policy, "iam:GetRole", `arn:aws:iam::${ACCOUNT}:role/demo-${env}-web-task`), mine, `${role} reads ${env}'s roles`);
                    assert.equal(allows(policy, "lambda:GetFunction", `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:demo-${env}-x`), mine);
                }
                assert.equal(allows(policy, "s3:GetObject", `${BUCKET_ARN}/.pulumi/stacks/shipyard-bootstrap/shared.json`), false);
            });
        }
        it("lets each deploy role write exactly its own stack's state objects, locks included, read the backend version, and make the release commands' calls", () => {
            for (const env of ENVS) {
                const policy = permissions(`demo-github-deploy-${env}`);
                const own = (key: string) => `${BUCKET_ARN}/.pulumi/${key}`;
                for (const key of [
                    `stacks/shipyard/${env}.json`,
                    `stacks/shipyard/${env}.json.bak`,
                    `stacks/shipyard/${env}.json.gz`,
                    `stacks/shipyard/${env}.pulumi-tags`,
                    `locks/organization/shipyard/${env}/0f4c7e52-3a7a-4f35-9a3e-1c5b8d2e7f10.json`,
                    `history/shipyard/${env}/${env}-1700000000000000000.history.json`,
                    `backups/shipyard/${env}/${env}.1700000000000000000.json`,
                ]) {
                    for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                        assert.equal(allows(policy, action, own(key)), true, `${env} ${action} ${key}`);
                }
                assert.equal(allows(policy, "s3:GetObject", own("meta.yaml")), true);
                assert.equal(allows(policy, "s3:PutObject", own("meta.yaml")), false);
                assert.equal(allows(policy, "s3:ListBucket", BUCKET_ARN), true);
                for (const other of ENVS.filter((e) => e !== env)) {
                    assert.equal(allows(policy, "s3:PutObject", own(`stacks/shipyard/${other}.json`)), false, `${env} writes ${other}'s state`);
                    assert.equal(allows(policy, "s3:PutObject", own(`locks/organization/shipyard/${other}/x.json`)), false, `${env} locks ${other}`);
                }
                assert.equal(allows(policy, "s3:PutObject", own(`stacks/shipyard-bootstrap/shared.json`)), false, `${env} writes the bootstrap's state`);
                assert.equal(allows(policy, "kms:GenerateDataKey", STATE_KEY_ARN, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }), true);
                // tag-deployed retags the deployed image (put-image with its manifest); pushing new layers stays the build's.
                assert.equal(allows(policy, "ecr:PutImage", WEB_REPO_ARN), true);
                assert.equal(allows(policy, "ecr:BatchGetImage", WEB_REPO_ARN), true);
                for (const action of ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchDeleteImage"]) {
                    assert.equal(allows(policy, action, WEB_REPO_ARN), false, `${env} ${action}`);
                }
                // What the release commands call besides pulumi up (release/README.md).
                const service = `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/demo-${env}/demo-${env}-web`;
                assert.equal(allows(policy, "ecr:DescribeImages", WEB_REPO_ARN), true);
                for (const action of ["ecs:DescribeServices", "ecs:DescribeServiceDeployments", "ecs:DescribeServiceRevisions"]) {
                    assert.equal(allows(policy, action, service, { "aws:RequestedRegion": "eu-west-1" }), true, `${env} ${action}`);
                    const elsewhere = service.replace(":eu-west-1:", ":us-east-1:");
                    assert.equal(allows(policy, action, elsewhere, { "aws:RequestedRegion": "us-east-1" }), false, `${env} ${action} in another region`);
                }
            }
        });
        it("lets each deploy role read what a failed rollout's diagnosis reads and publish it to its own alarm topic only", () => {
            const region = { "aws:RequestedRegion": "eu-west-1" };
            for (const env of ENVS) {
                const policy = permissions(`demo-github-deploy-${env}`);
                const task = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/demo-${env}/a1b2c3d4e5f60718293a4b5c6d7e8f90`;
                for (const action of ["ecs:ListTasks", "ecs:DescribeTasks", "ecs:DescribeTaskDefinition", "ecs:ListServiceDeployments"]) {
                    assert.equal(allows(policy, action, task, region), true, `${env} ${action}`);
                }
                const group = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/demo-${env}-web/6d0ecf831eec9f09`;
                for (const action of ["elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"]) {
                    assert.equal(allows(policy, action, group, region), true, `${env} ${action}`);
                }
                assert.equal(
                    allows(policy, "cloudwatch:DescribeAlarms", `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:demo-${env}-web-deploy-5xx`, region),
                    true,
                );
                assert.equal(
                    allows(policy, "logs:GetLogEvents", `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/ecs/demo/${env}/web:log-stream:web/web/x`, region),
                    true,
                );
                const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
                for (const other of ENVS) {
                    const topic = `arn:aws:sns:eu-west-1:${ACCOUNT}:demo-${other}-alarms`;
                    const viaSns = { "kms:ViaService": "sns.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:sns:topicArn": topic };
                    assert.equal(allows(policy, "sns:Publish", topic), other === env, `${env} publishes to ${other}'s alarm topic`);
                    for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
                        assert.equal(allows(policy, action, key, viaSns), other === env, `${env} ${action} for ${other}'s alarm topic`);
                    }
                }
                assert.equal(allows(policy, "kms:Decrypt", key), false, `${env} decrypts with the key outside SNS`);
            }
        });
    });

    describe("policy sizes and the deploy roles' data policies", () => {
        /** IAM's size of a policy: its JSON without whitespace (IAM and STS quotas). */
        const size = (r: Recorded) => (r.inputs.policy as string).replace(/\s/g, "").length;
        /** IAM and STS quotas: a role's inline policies together, and one managed policy. */
        const INLINE_PER_ROLE = 10_240;
        const MANAGED = 6_144;
        const within = (graph: Graph) => {
            for (const r of graph.ofType(T.rolePolicy)) assert.ok(size(r) <= INLINE_PER_ROLE, `${r.name}: ${size(r)} characters inline`);
            for (const r of graph.ofType(T.policy)) assert.ok(size(r) <= MANAGED, `${r.name}: ${size(r)} characters`);
            // One inline policy per role, so the per-role sum is the policy's own size.
            const roles = graph.ofType(T.rolePolicy).map((r) => r.inputs.role);
            assert.equal(new Set(roles).size, roles.length);
        };

        it("GIVEN the fixture shared stack THEN every role's inline policies and every managed policy are within IAM's size quotas", () => {
            within(g());
        });
        it("GIVEN the longest names the settings allow (a 20-character appName, a 63-character state bucket and assets host) THEN still within them", async () => {
            const host = `${"a".repeat(51)}.example.org`;
            const run = await runStack("shared", {
                project: BOOTSTRAP,
                overrides: { set: { appName: "abcdefghijklmnopqrst", stateBucket: "s".repeat(63), assetsHosts: { live: host, gamma: `g${host.slice(1)}` } } },
            });
            if (run.error) throw run.error;
            within(run.graph);
        });
        it("GIVEN four environments THEN each deploy role has its data, network and services policies, demo-github-deploy-<env>-<part>, attached, and no other policy", () => {
            const attachments = g()
                .ofType(T.attachment)
                .map((r) => [r.name, r.parent, r.inputs.role, r.inputs.policyArn]);
            assert.deepEqual(
                attachments,
                ENVS.flatMap((env) =>
                    ["data", "network", "services"].map((part) => [
                        `demo-github-deploy-${part}-${env}`,
                        "demo-github",
                        `demo-github-deploy-${env}`,
                        one(T.policy, `demo-github-deploy-${part}-${env}`).outputs.arn,
                    ]),
                ),
            );
            for (const env of ENVS) {
                for (const part of ["network", "services"]) {
                    const managed = one(T.policy, `demo-github-deploy-${part}-${env}`);
                    assert.deepEqual(
                        [managed.inputs.name, managed.inputs.path, managed.inputs.tags],
                        [`demo-github-deploy-${env}-${part}`, "/", { app: "demo", environment: env, "managed-by": "pulumi" }],
                    );
                }
            }
            for (const env of ENVS) {
                const data = one(T.policy, `demo-github-deploy-data-${env}`);
                assert.deepEqual(
                    [data.inputs.name, data.inputs.path, data.inputs.tags],
                    [`demo-github-deploy-${env}-data`, "/", { app: "demo", environment: env, "managed-by": "pulumi" }],
                );
                // The data statements only: nothing of the inline policy is repeated there.
                const sids = json(data, "policy").Statement.map((st) => st.Sid);
                const inline = json(one(T.rolePolicy, `demo-github-deploy-${env}`), "policy").Statement.map((st) => st.Sid);
                assert.deepEqual(
                    sids.filter((sid) => inline.includes(sid)),
                    [],
                );
                assert.ok(sids.includes("ManageOwnDatabase") && sids.includes("ManageOwnBackupPlans"), sids.join(", "));
            }
        });
    });

    describe("permissions boundaries", () => {
        it("GIVEN four environments WHEN run THEN one customer managed policy each, named demo-<env>-boundary at path /", () => {
            assert.deepEqual(
                g()
                    .ofType(T.policy)
                    .filter((r) => r.parent === "demo-boundaries")
                    .map((r) => [r.name, r.inputs.name, r.inputs.path, r.inputs.tags]),
                ENVS.map((env) => [`demo-boundaries-${env}`, `demo-${env}-boundary`, "/", { app: "demo", environment: env, "managed-by": "pulumi" }]),
            );
        });
        it("lets each deploy role create roles and grant them permissions only with its own environment's boundary", () => {
            for (const env of ENVS) {
                const policy = json(one(T.rolePolicy, `demo-github-deploy-${env}`), "policy");
                const role = `arn:aws:iam::${ACCOUNT}:role/demo-${env}-web-task`;
                for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"]) {
                    assert.equal(allows(policy, action, role, { "iam:PermissionsBoundary": BOUNDARY(env) }), true, `${env} ${action} with its boundary`);
                    assert.equal(allows(policy, action, role), false, `${env} ${action} without a boundary`);
                    for (const other of ENVS.filter((e) => e !== env)) {
                        assert.equal(
                            allows(policy, action, role, { "iam:PermissionsBoundary": BOUNDARY(other) }),
                            false,
                            `${env} ${action} with ${other}'s boundary`,
                        );
                    }
                }
                const ecs = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers";
                assert.equal(allows(policy, "iam:AttachRolePolicy", role, { "iam:PolicyARN": ecs, "iam:PermissionsBoundary": BOUNDARY(env) }), true);
                assert.equal(allows(policy, "iam:AttachRolePolicy", role, { "iam:PolicyARN": ecs }), false, `${env} attaches to a role without the boundary`);
                // Changes that cannot add permissions need no boundary.
                assert.equal(allows(policy, "iam:UpdateRoleDescription", role), true);
                // A trust policy decides who may assume the role: never editable (issue 16).
                assert.equal(allows(policy, "iam:UpdateAssumeRolePolicy", role), false);
                assert.equal(allows(policy, "iam:UpdateAssumeRolePolicy", `arn:aws:iam::${ACCOUNT}:role/demo-github-deploy-${env}`), false);
            }
        });
        it("denies every deploy role removing a boundary or changing a boundary policy, explicitly", () => {
            for (const env of ENVS) {
                const policy = json(one(T.rolePolicy, `demo-github-deploy-${env}`), "policy");
                const role = `arn:aws:iam::${ACCOUNT}:role/demo-${env}-web-task`;
                assert.equal(allows(policy, "iam:DeleteRolePermissionsBoundary", role, { "iam:PermissionsBoundary": BOUNDARY(env) }), false);
                for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy"]) {
                    for (const target of ENVS) assert.equal(allows(policy, action, BOUNDARY(target)), false, `${env} ${action} ${target}`);
                }
                const deny = policy.Statement.filter((st) => st.Effect === "Deny");
                assert.deepEqual(
                    deny.map((st) => [st.Sid, list(st.Action).sort(), st.Resource]),
                    [
                        [
                            "KeepEnvironmentTags",
                            [
                                "acm:AddTagsToCertificate",
                                "application-autoscaling:TagResource",
                                "backup:TagResource",
                                "cloudwatch:TagResource",
                                "ec2:CreateTags",
                                "ecs:TagResource",
                                "elasticloadbalancing:AddTags",
                                "logs:TagLogGroup",
                                "logs:TagResource",
                                "servicediscovery:TagResource",
                            ],
                            "*",
                        ],
                        [
                            "KeepBoundaries",
                            [
                                "iam:CreatePolicyVersion",
                                "iam:DeletePolicy",
                                "iam:DeletePolicyVersion",
                                "iam:DeleteRolePermissionsBoundary",
                                "iam:SetDefaultPolicyVersion",
                            ],
                            [`arn:aws:iam::${ACCOUNT}:role/*`, `arn:aws:iam::${ACCOUNT}:policy/demo-*-boundary`],
                        ],
                        ["KeepTrustPolicies", ["iam:UpdateAssumeRolePolicy"], `arn:aws:iam::${ACCOUNT}:role/*`],
                    ],
                );
            }
        });
    });

    describe("secrets keys", () => {
        it("GIVEN four environments WHEN run THEN one protected, rotated key each behind alias/demo-pulumi-<env>", () => {
            for (const env of ENVS) {
                const key = one(T.key, `demo-secrets-${env}`);
                assert.equal(key.protect, true, env);
                assert.deepEqual([key.inputs.enableKeyRotation, key.inputs.deletionWindowInDays], [true, 30], env);
                assert.deepEqual(one(T.alias, `demo-secrets-${env}`).inputs, { name: `alias/demo-pulumi-${env}`, targetKeyId: `demo-secrets-${env}-id` });
            }
        });
        it("lets only its own deploy role encrypt with an environment's key, and only the preview role of its group decrypt", () => {
            const previewer = {
                alpha: "demo-github-preview",
                beta: "demo-github-preview",
                gamma: "demo-github-preview-production",
                live: "demo-github-preview-production",
            };
            for (const env of ENVS) {
                const statements = json(one(T.key, `demo-secrets-${env}`), "policy").Statement;
                assert.deepEqual(
                    statements.map((s) => [s.Sid, s.Principal, s.Action]),
                    [
                        ["AccountAdministers", { AWS: `arn:aws:iam::${ACCOUNT}:root` }, "kms:*"],
                        [
                            "DeployRoleUsesKey",
                            { AWS: `arn:aws:iam::${ACCOUNT}:role/demo-github-deploy-${env}` },
                            ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                        ],
                        ["PreviewRoleDecrypts", { AWS: `arn:aws:iam::${ACCOUNT}:role/${previewer[env as keyof typeof previewer]}` }, "kms:Decrypt"],
                    ],
                    env,
                );
                const text = one(T.key, `demo-secrets-${env}`).inputs.policy as string;
                for (const other of ENVS.filter((e) => e !== env))
                    assert.equal(text.includes(`demo-github-deploy-${other}`), false, `${env}'s key names ${other}`);
            }
        });
        it("GIVEN environments [live] WHEN run THEN one deploy role, one secrets key, and outputs for live only", async () => {
            const run = await runStack("shared", {
                project: BOOTSTRAP,
                overrides: { set: { environments: ["live"], originHosts: { live: ["example.org"] } } },
            });
            assert.equal(run.error, undefined);
            assert.deepEqual(
                run.graph.ofType(T.role).map((r) => r.inputs.name),
                ["demo-github-build", "demo-github-preview-production", "demo-github-deploy-live"],
            );
            assert.deepEqual(
                run.graph
                    .ofType(T.alias)
                    .map((r) => String(r.inputs.name))
                    .sort(),
                ["alias/demo-live-alarms", "alias/demo-pulumi-live", "alias/demo-pulumi-state"],
            );
            assert.deepEqual(run.outputs?.deployRoleArns, { live: `arn:aws:iam::${ACCOUNT}:role/demo-github-deploy-live` });
            assert.deepEqual(run.outputs?.secretsProviders, { live: "awskms://alias/demo-pulumi-live?region=eu-west-1" });
            assert.equal(run.outputs?.previewRoleArn, undefined);
            assert.equal(run.outputs?.previewProductionRoleArn, `arn:aws:iam::${ACCOUNT}:role/demo-github-preview-production`);
        });
    });

    describe("GIVEN environments of names of their own beside the four: staging2 (tier staging) and pr-42 (tier preview)", () => {
        const NAMED = { environments: [...ENVS, "staging2", "pr-42"], tiers: { staging2: "staging", "pr-42": "preview" } };
        const overrides: ConfigOverrides = {
            set: { ...NAMED, originHosts: { ...COMMITTED_ORIGIN_HOSTS, staging2: ["staging2.example.org"], "pr-42": ["pr-42.example.org"] } },
        };
        /** Promotion order: by tier (preview, development, staging, production), the default environments first within one. */
        const ORDERED = ["pr-42", "alpha", "beta", "gamma", "staging2", "live"];
        let named: StackRun;
        before(async () => {
            named = await runStack("shared", { project: BOOTSTRAP, overrides });
        });
        const graph = (): Graph => {
            if (named.error) throw named.error;
            return named.graph;
        };
        const the = (type: string, name: string) => {
            const found = graph()
                .ofType(type)
                .filter((r) => r.name === name);
            assert.equal(found.length, 1, `${type} ${name}`);
            return found[0];
        };

        it("WHEN loaded THEN the environments are in promotion order, each with its tier: the given one, or a default environment's own", () => {
            const s = buildBootstrapSettings("shared", stackConfig("shared", overrides, BOOTSTRAP));
            assert.deepEqual(s.environments, ORDERED);
            assert.deepEqual(s.tiers, {
                "pr-42": "preview",
                alpha: "development",
                beta: "development",
                gamma: "staging",
                staging2: "staging",
                live: "production",
            });
            assert.deepEqual(Object.keys(s.cloudflare?.originHosts ?? {}), ORDERED);
        });
        it("WHEN run THEN each gets a deploy role demo-github-deploy-<env> that only jobs in the GitHub environment of its name may assume", () => {
            assert.deepEqual(
                graph()
                    .ofType(T.role)
                    .filter((r) => r.name.startsWith("demo-github-deploy-"))
                    .map((r) => r.inputs.name),
                ORDERED.map((env) => `demo-github-deploy-${env}`),
            );
            for (const env of ["staging2", "pr-42"]) {
                const [statement] = json(the(T.role, `demo-github-deploy-${env}`), "assumeRolePolicy").Statement;
                assert.equal(statement.Condition?.StringEquals[`${OIDC}:sub`], `repo:${REPO}:environment:${env}`, env);
                assert.equal(the(T.attachment, `demo-github-deploy-data-${env}`).inputs.role, `demo-github-deploy-${env}`);
            }
        });
        it("WHEN run THEN staging2, like gamma and live, is read only by the production preview role, and pr-42, like alpha and beta, by the pull request's", () => {
            const readers = (env: string) =>
                ["demo-github-preview", "demo-github-preview-production"].filter((role) =>
                    allows(json(the(T.rolePolicy, role), "policy"), "s3:GetObject", `${BUCKET_ARN}/.pulumi/stacks/shipyard/${env}.json`),
                );
            assert.deepEqual(Object.fromEntries(ORDERED.map((env) => [env, readers(env)])), {
                "pr-42": ["demo-github-preview"],
                alpha: ["demo-github-preview"],
                beta: ["demo-github-preview"],
                gamma: ["demo-github-preview-production"],
                staging2: ["demo-github-preview-production"],
                live: ["demo-github-preview-production"],
            });
            const decrypter = (env: string) =>
                json(the(T.key, `demo-secrets-${env}`), "policy").Statement.find((st) => st.Sid === "PreviewRoleDecrypts")?.Principal;
            assert.deepEqual(decrypter("staging2"), { AWS: `arn:aws:iam::${ACCOUNT}:role/demo-github-preview-production` });
            assert.deepEqual(decrypter("pr-42"), { AWS: `arn:aws:iam::${ACCOUNT}:role/demo-github-preview` });
        });
        it("WHEN run THEN each gets its boundary, secrets key, alarm key and edge parameters under its own name", () => {
            for (const env of ["staging2", "pr-42"]) {
                assert.equal(the(T.policy, `demo-boundaries-${env}`).inputs.name, `demo-${env}-boundary`);
                assert.equal(the(T.alias, `demo-secrets-${env}`).inputs.name, `alias/demo-pulumi-${env}`);
                assert.deepEqual(
                    graph()
                        .find(T.alias, { name: `alias/demo-${env}-alarms` })
                        .map((r) => r.inputs.name),
                    [`alias/demo-${env}-alarms`],
                );
                assert.deepEqual(
                    graph()
                        .ofType(T.param)
                        .filter((r) => String(r.inputs.name).startsWith(`/demo/${env}/`))
                        .map((r) => r.inputs.name)
                        .sort(),
                    [`/demo/${env}/edge/origin-hosts`, `/demo/${env}/edge/origin-secret`],
                );
            }
            assert.deepEqual(Object.keys(named.outputs?.deployRoleArns as object), ORDERED);
        });
        it("WHEN run THEN ECR keeps images deployed to staging2 like gamma's (20, the staging tier's) and none by a rule of pr-42's own", () => {
            const rules = (JSON.parse(the(T.ecrLifecycle, "demo-images-web").inputs.policy as string) as LifecyclePolicy).rules;
            assert.deepEqual(
                rules.map((r) => [r.rulePriority, r.selection.tagPatternList ?? r.selection.tagStatus, r.selection.countNumber]),
                [
                    [1, ["live-*"], 50],
                    [2, ["gamma-*"], 20],
                    [3, ["staging2-*"], 20],
                    [4, "untagged", 7],
                    [5, ["*"], 30],
                ],
            );
        });
        it("GIVEN live in the development tier WHEN run THEN no preview-production role and no rule keeps live's images: behaviour follows the tier, not the name", async () => {
            const run = await runStack("shared", {
                project: BOOTSTRAP,
                overrides: { set: { environments: ["alpha", "live"], tiers: { live: "development" }, originHosts: { alpha: ["alpha.example.org"] } } },
            });
            assert.equal(run.error, undefined);
            assert.equal(run.outputs?.previewProductionRoleArn, undefined);
            const rules = (JSON.parse(run.graph.ofType(T.ecrLifecycle)[0].inputs.policy as string) as LifecyclePolicy).rules;
            assert.deepEqual(
                rules.map((r) => r.selection.tagPatternList ?? r.selection.tagStatus),
                ["untagged", ["*"]],
            );
        });
    });

    it("each deploy role may manage only its own environment's web ACL, named <app>-<env>, and read the AWS managed rule groups", () => {
        for (const env of ENVS) {
            const policy = JSON.parse(g().one(T.rolePolicy, { role: `demo-github-deploy-${env}` }).inputs.policy as string) as {
                Statement: { Sid: string; Action: unknown; Resource: unknown }[];
            };
            assert.deepEqual(
                policy.Statement.find((st) => st.Sid === "ManageOwnWebAcl"),
                {
                    Sid: "ManageOwnWebAcl",
                    Effect: "Allow",
                    Action: "wafv2:*",
                    Resource: [
                        `arn:aws:wafv2:eu-west-1:${ACCOUNT}:regional/webacl/demo-${env}/*`,
                        `arn:aws:wafv2:eu-west-1:${ACCOUNT}:regional/ipset/demo-${env}-*/*`,
                        `arn:aws:wafv2:eu-west-1:${ACCOUNT}:regional/managedruleset/*/*`,
                    ],
                },
                env,
            );
        }
    });

    it("each deploy role may attach its web ACL to its own load balancers only (WAF authorizes the association on both ARNs)", () => {
        for (const env of ENVS) {
            const policy = JSON.parse(g().one(T.rolePolicy, { role: `demo-github-deploy-${env}` }).inputs.policy as string) as Doc;
            const lb = (e: string) => `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/app/demo-${e}/0123456789abcdef`;
            for (const action of ["wafv2:AssociateWebACL", "wafv2:GetWebACLForResource"]) {
                assert.equal(allows(policy, action, lb(env)), true, `${env} ${action} on its load balancer`);
                for (const other of ENVS.filter((e) => e !== env && !e.startsWith(env))) {
                    assert.equal(allows(policy, action, lb(other)), false, `${env} ${action} on ${other}'s load balancer`);
                }
            }
        }
    });

    it("each deploy role may create and manage only the Cloud Map namespaces tagged with its environment", () => {
        for (const env of ENVS) {
            const policy = JSON.parse(g().one(T.rolePolicy, { role: `demo-github-deploy-${env}` }).inputs.policy as string) as Doc;
            const ns = `arn:aws:servicediscovery:eu-west-1:${ACCOUNT}:namespace/ns-0123456789abcdef`;
            const region = { "aws:RequestedRegion": "eu-west-1" };
            assert.equal(allows(policy, "servicediscovery:CreateHttpNamespace", "*", { ...region, "aws:RequestTag/environment": env }), true, env);
            assert.equal(allows(policy, "servicediscovery:CreateHttpNamespace", "*", region), false, `${env} untagged`);
            // No resource-level permissions (AWS's catalogue, test/iam.test.ts): region-bound reads.
            for (const action of ["servicediscovery:GetOperation", "servicediscovery:ListTagsForResource"])
                assert.equal(allows(policy, action, "*", region), true, `${env} ${action}`);
            for (const action of ["servicediscovery:GetNamespace", "servicediscovery:DeleteNamespace"]) {
                assert.equal(allows(policy, action, ns, { "aws:ResourceTag/environment": env }), true, `${env} ${action}`);
                for (const other of ENVS.filter((e) => e !== env)) {
                    assert.equal(allows(policy, action, ns, { "aws:ResourceTag/environment": other }), false, `${env} ${action} on ${other}'s`);
                }
            }
        }
    });

    it("each deploy role may create and configure its own access-log bucket and log its assets buckets' requests, in no other environment", () => {
        for (const env of ENVS) {
            const policy = deployPermissions(g(), env);
            const bucket = (e: string, kind: string) => `arn:aws:s3:::demo-${e}-${kind}-${ACCOUNT}`;
            const region = { "aws:RequestedRegion": "eu-west-1" };
            for (const action of ["s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration"]) {
                assert.equal(allows(policy, action, bucket(env, "logs"), region), true, `${env} ${action} on its log bucket`);
            }
            assert.equal(allows(policy, "s3:PutBucketLogging", bucket(env, "assets"), region), true, `${env} PutBucketLogging on its assets bucket`);
            for (const other of ENVS.filter((e) => e !== env)) {
                for (const kind of ["logs", "assets"]) {
                    for (const action of ["s3:PutBucketLogging", "s3:PutBucketPolicy", "s3:DeleteBucket"]) {
                        assert.equal(allows(policy, action, bucket(other, kind), region), false, `${env} ${action} on ${other}'s ${kind} bucket`);
                    }
                }
            }
        }
    });

    describe("alarm-topic keys", () => {
        it("one per environment, which CloudWatch may use and no GitHub role is named in", () => {
            for (const env of ENVS) {
                const key = g().one(T.key, { description: `Alarm topic of the demo ${env} stack` });
                const statements = (
                    JSON.parse(key.inputs.policy as string) as { Statement: { Sid: string; Principal: unknown; Action: unknown; Condition?: unknown }[] }
                ).Statement;
                assert.deepEqual(
                    statements.map((st) => [st.Sid, st.Principal, st.Action, st.Condition]),
                    [
                        ["AccountAdministers", { AWS: `arn:aws:iam::${ACCOUNT}:root` }, "kms:*", undefined],
                        [
                            "CloudWatchPublishes",
                            { Service: "cloudwatch.amazonaws.com" },
                            ["kms:Decrypt", "kms:GenerateDataKey*"],
                            undefined, // a condition CloudWatch's call might not carry would drop alarms silently
                        ],
                    ],
                );
                assert.equal(key.inputs.enableKeyRotation, true);
            }
        });
        for (const env of ENVS) {
            it(`GIVEN the ${env} stack WHEN its program runs THEN its alarm topic uses the key alias this bootstrap creates for ${env}, and the stack creates no key`, async () => {
                const run = await runStack(env);
                assert.equal(run.error, undefined);
                const topic = run.graph.one("aws:sns/topic:Topic", { name: Match.stringLike(/-alarms$/) });
                assert.equal(topic.inputs.kmsMasterKeyId, (shared.outputs?.alarmTopicKeys as Record<string, string>)[env]);
                run.graph.resourceCountIs(T.key, 0);
            });
        }
    });

    describe("Cloudflare edge", () => {
        // In the order of their names, which is promotion order (registration order is not guaranteed).
        const byName = (a: Recorded, b: Recorded) => a.name.localeCompare(b.name);
        const originSecrets = (graph: Graph) => graph.find(T.param, { type: "SecureString" }).sort(byName);
        const originHosts = (graph: Graph) => graph.find(T.param, { type: "String" }).sort(byName);
        const secretOf = (graph: Graph, env: string) => graph.one(T.param, { name: `/demo/${env}/edge/origin-secret` });
        const CLOUDFLARE_TYPES = [T.ruleset, T.zoneSetting, "shipyard-bootstrap:cloudflare:CloudflareEdge"];
        const originRuleset = (graph: Graph) => graph.one(T.ruleset, { phase: ORIGIN_PHASE });
        const configRulesets = (graph: Graph) => graph.find(T.ruleset, { phase: CONFIG_PHASE });
        const run = async (overrides: ConfigOverrides, cloud?: FakeCloud) => runStack("shared", { project: BOOTSTRAP, overrides, cloud });
        const ok = (r: StackRun) => {
            if (r.error) throw r.error;
            return r.graph;
        };

        describe("GIVEN the fixture shared stack (cloudflareZone example.org, a host name per environment)", () => {
            it("THEN each environment gets exactly one SecureString origin secret at /demo/<env>/edge/origin-secret, under the edge component", () => {
                const secrets = originSecrets(g());
                assert.deepEqual(
                    secrets.map((r) => [r.name, r.parent, r.inputs.name, r.inputs.type, r.inputs.tags]),
                    ENVS.map((env) => [
                        `demo-edge-origin-secret-${env}`,
                        "demo-edge",
                        `/demo/${env}/edge/origin-secret`,
                        "SecureString",
                        { app: "demo", environment: env, "managed-by": "pulumi" },
                    ]),
                );
                for (const r of secrets) {
                    // No keyId: the AWS managed aws/ssm key, which the roles that may read the parameter may use.
                    assert.deepEqual(Object.keys(r.inputs).sort(), ["description", "name", "tags", "type", "value"], r.name);
                    assert.match(String(r.inputs.description), /x-origin-verify/, r.name);
                }
            });
            it("THEN each origin secret is 32 random bytes in hex, a different one per environment", () => {
                const values = originSecrets(g()).map((r) => String(r.inputs.value));
                assert.equal(values.length, 4);
                for (const v of values) assert.match(v, /^[0-9a-f]{64}$/);
                assert.equal(new Set(values).size, 4);
            });
            it("THEN each origin secret's value is a secret input, and is created once: later runs ignore its changes", () => {
                for (const r of originSecrets(g())) {
                    assert.ok(r.secretPaths.includes("value"), `${r.name}: ${r.secretPaths.join(", ")}`);
                    assert.deepEqual(r.ignoreChanges, ["value"], r.name);
                }
            });
            it("THEN each environment gets exactly one String parameter at /demo/<env>/edge/origin-hosts listing its host names", () => {
                assert.deepEqual(
                    originHosts(g()).map((r) => [r.name, r.inputs.name, r.inputs.value, r.inputs.tags]),
                    ENVS.map((env) => [
                        `demo-edge-origin-hosts-${env}`,
                        `/demo/${env}/edge/origin-hosts`,
                        COMMITTED_ORIGIN_HOSTS[env as keyof typeof COMMITTED_ORIGIN_HOSTS].join(","),
                        { app: "demo", environment: env, "managed-by": "pulumi" },
                    ]),
                );
                for (const r of originHosts(g())) assert.deepEqual(r.ignoreChanges, [], r.name);
            });
            it("THEN one zone ruleset of the request header transform phase, for the zone's id", () => {
                assert.equal(g().find(T.ruleset, { phase: ORIGIN_PHASE }).length, 1);
                const ruleset = originRuleset(g());
                assert.deepEqual(
                    [ruleset.parent, ruleset.inputs.zoneId, ruleset.inputs.kind, ruleset.inputs.phase, typeof ruleset.inputs.name],
                    ["demo-edge", ZONE_ID, "zone", "http_request_late_transform", "string"],
                );
                assert.equal(ruleset.inputs.accountId, undefined);
            });
            it("THEN the ruleset has exactly four rules, in promotion order, each setting x-origin-verify to its environment's secret for exactly its hosts", () => {
                const rules = originRuleset(g()).inputs.rules as Record<string, unknown>[];
                assert.equal(rules.length, 4);
                const expressions = {
                    alpha: '(http.host in {"alpha.example.org"})',
                    beta: '(http.host in {"beta.example.org"})',
                    gamma: '(http.host in {"gamma.example.org"})',
                    live: '(http.host in {"example.org"})',
                };
                ENVS.forEach((env, i) => {
                    const { ref, description, ...rule } = rules[i];
                    assert.deepEqual(
                        rule,
                        {
                            expression: expressions[env as keyof typeof expressions],
                            action: "rewrite",
                            actionParameters: { headers: { "x-origin-verify": { operation: "set", value: secretOf(g(), env).outputs.value } } },
                            enabled: true,
                        },
                        env,
                    );
                    assert.match(String(description), new RegExp(`\\b${env}\\b`), env);
                    assert.equal(typeof ref, "string", env);
                });
                assert.equal(new Set(rules.map((r) => r.ref)).size, 4);
            });
            it("THEN the rules' header values depend on the parameters, so they are the values SSM stores", () => {
                assert.deepEqual(
                    [...originRuleset(g()).dependsOn].sort(),
                    ENVS.map((env) => `demo-edge-origin-secret-${env}`),
                );
            });
            it("THEN one zone ruleset of the configuration rules phase, for the zone's id, with exactly one rule: SSL Full for exactly live's assets host", () => {
                const rulesets = configRulesets(g());
                assert.equal(rulesets.length, 1);
                const [ruleset] = rulesets;
                assert.deepEqual(
                    [ruleset.name, ruleset.parent, ruleset.inputs.zoneId, ruleset.inputs.kind, ruleset.inputs.phase, ruleset.inputs.accountId],
                    ["demo-edge-assets-ssl", "demo-edge", ZONE_ID, "zone", CONFIG_PHASE, undefined],
                );
                const rules = ruleset.inputs.rules as Record<string, unknown>[];
                assert.equal(rules.length, 1);
                const { ref, description, ...rule } = rules[0];
                assert.deepEqual(rule, {
                    expression: '(http.host in {"assets.example.org"})',
                    action: "set_config",
                    actionParameters: { ssl: "full" },
                    enabled: true,
                });
                assert.equal(ref, "demo_live_assets_ssl");
                assert.match(String(description), /\blive\b/);
                // Every other host, the origins included, keeps the zone's Full (strict).
                assert.equal(g().one(T.zoneSetting, { settingId: "ssl" }).inputs.value, "strict");
                for (const host of Object.values(COMMITTED_ORIGIN_HOSTS).flat()) assert.equal(String(rule.expression).includes(`"${host}"`), false, host);
                // It carries no secret, and depends on nothing but the zone.
                assert.deepEqual(ruleset.dependsOn, []);
            });
            it("THEN exactly three zone settings: SSL Full (strict), Always Use HTTPS, TLS 1.2 at least", () => {
                assert.deepEqual(
                    g()
                        .ofType(T.zoneSetting)
                        .map((r) => r.inputs)
                        .sort((a, b) => String(a.settingId).localeCompare(String(b.settingId))),
                    [
                        { zoneId: ZONE_ID, settingId: "always_use_https", value: "on" },
                        { zoneId: ZONE_ID, settingId: "min_tls_version", value: "1.2" },
                        { zoneId: ZONE_ID, settingId: "ssl", value: "strict" },
                    ],
                );
            });
            it("THEN no origin secret appears in any input that is not secret, nor in the stack outputs", () => {
                const secrets = originSecrets(g()).map((r) => String(r.inputs.value));
                const leaks = g().all.flatMap((r) =>
                    plainStrings(r.inputs, r.secretPaths)
                        .filter(([, text]) => secrets.some((x) => text.includes(x)))
                        .map(([at]) => `${r.name}: ${at}`),
                );
                assert.deepEqual(leaks, []);
                // The search finds them where they are: in the parameters and the ruleset's rules.
                assert.equal(plainStrings(originRuleset(g()).inputs, []).filter(([, text]) => secrets.includes(text)).length, 4);
                const outputs = JSON.stringify(shared.outputs);
                for (const x of secrets) assert.equal(outputs.includes(x), false);
            });
            it("THEN each environment's deploy role and the preview role of its group may read its origin secret, and no other environment's role may", () => {
                const previewer: Record<string, string> = {
                    alpha: "demo-github-preview",
                    beta: "demo-github-preview",
                    gamma: "demo-github-preview-production",
                    live: "demo-github-preview-production",
                };
                const policyOf = (role: string) => json(one(T.rolePolicy, role), "policy");
                for (const env of ENVS) {
                    const arn = String(secretOf(g(), env).outputs.arn);
                    assert.equal(arn, `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/demo/${env}/edge/origin-secret`);
                    for (const candidate of ENVS) {
                        assert.equal(
                            allows(policyOf(`demo-github-deploy-${candidate}`), "ssm:GetParameter", arn),
                            candidate === env,
                            `${candidate} reads ${env}'s`,
                        );
                    }
                    for (const role of ["demo-github-preview", "demo-github-preview-production"]) {
                        assert.equal(allows(policyOf(role), "ssm:GetParameter", arn), previewer[env] === role, `${role} reads ${env}'s`);
                    }
                }
            });
        });

        describe("GIVEN the bootstrap ran in an empty cloud WHEN alpha (rolling) and live (blue/green) run in that cloud", () => {
            const runs = new Map<string, StackRun>();
            let bootstrap: Graph;
            before(async () => {
                // No parameters but what this bootstrap run writes: the environments read exactly those.
                const cloud = new FakeCloud({ ...readOfflineAnswers(), bootstrapped: [] });
                bootstrap = ok(await run({}, cloud));
                for (const env of ["alpha", "live"]) runs.set(env, await runStack(env, { cloud }));
            });
            for (const env of ["alpha", "live"]) {
                it(`THEN ${env} reads its own two parameters and checks for exactly its secret, in secret inputs only`, () => {
                    const envRun = runs.get(env) as StackRun;
                    const graph = ok(envRun);
                    assert.deepEqual(
                        envRun.invokes.filter((i) => i.token === "aws:ssm/getParameter:getParameter").map((i) => i.args.name),
                        [`/demo/${env}/edge/origin-hosts`, `/demo/${env}/edge/origin-secret`],
                    );
                    const mine = String(secretOf(bootstrap, env).outputs.value);
                    const others = originSecrets(bootstrap)
                        .filter((r) => r.inputs.name !== `/demo/${env}/edge/origin-secret`)
                        .map((r) => String(r.inputs.value));
                    const carriers = graph.all.filter((r) => JSON.stringify(r.inputs).includes(mine));
                    assert.ok(carriers.length > 0, `no resource of ${env} checks its origin secret`);
                    for (const r of graph.all) {
                        assert.deepEqual(
                            plainStrings(r.inputs, r.secretPaths).filter(([, text]) => text.includes(mine)),
                            [],
                            r.name,
                        );
                        const text = JSON.stringify(r.inputs);
                        assert.equal(
                            others.some((x) => text.includes(x)),
                            false,
                            `${r.name} holds another environment's secret`,
                        );
                    }
                });
            }
        });

        describe("GIVEN cloudflareZone empty and no originHosts or assetsHosts", () => {
            let noZone: StackRun;
            before(async () => {
                noZone = await run({ set: { cloudflareZone: "" }, remove: ["originHosts", "assetsHosts"] });
            });
            it("THEN the bootstrap looks up nothing and creates no Cloudflare resource, no edge parameter and no cloudflareZoneId output", () => {
                const graph = ok(noZone);
                assert.deepEqual(noZone.invokes, []);
                for (const type of [...CLOUDFLARE_TYPES, T.param]) graph.resourceCountIs(type, 0);
                assert.ok(noZone.outputs);
                assert.equal("cloudflareZoneId" in noZone.outputs, false);
            });
        });

        describe("GIVEN cloudflareZoneId", () => {
            it("WHEN it is the zone's id THEN the zone is read by that id, not looked up by name, and every Cloudflare resource uses it", async () => {
                const pinned = await run({ set: { cloudflareZoneId: ZONE_ID } });
                const graph = ok(pinned);
                assert.deepEqual(pinned.invokes, [{ token: "cloudflare:index/getZone:getZone", args: { zoneId: ZONE_ID } }]);
                assert.deepEqual(
                    [...graph.ofType(T.ruleset), ...graph.ofType(T.zoneSetting)].map((r) => r.inputs.zoneId),
                    [ZONE_ID, ZONE_ID, ZONE_ID, ZONE_ID, ZONE_ID],
                );
            });
            it("WHEN it is another zone's id THEN the program fails naming both zones, and changes no zone", async () => {
                const cloud = new FakeCloud();
                const other = "0123456789abcdef0123456789abcdef";
                cloud.cloudflareZones.set("example.net", other);
                const wrong = await run({ set: { cloudflareZoneId: other } }, cloud);
                assert.match(String(wrong.error?.message), new RegExp(`cloudflareZoneId ${other} is the zone example.net, not example.org`));
                for (const type of [T.ruleset, T.zoneSetting]) wrong.graph.resourceCountIs(type, 0);
            });
        });

        describe("GIVEN originHosts of live only, two host names", () => {
            let liveOnly: StackRun;
            before(async () => {
                liveOnly = await run({ set: { originHosts: { live: ["example.org", "www.example.org"] } } });
            });
            it("THEN only live gets an origin secret and a hosts parameter listing both names", () => {
                assert.deepEqual(
                    ok(liveOnly)
                        .ofType(T.param)
                        .sort(byName)
                        .map((r) => [r.inputs.name, r.inputs.type, r.inputs.type === "String" ? r.inputs.value : "(secret)"]),
                    [
                        ["/demo/live/edge/origin-hosts", "String", "example.org,www.example.org"],
                        ["/demo/live/edge/origin-secret", "SecureString", "(secret)"],
                    ],
                );
            });
            it("THEN the ruleset has one rule, matching exactly both names, with live's secret", () => {
                const rules = originRuleset(ok(liveOnly)).inputs.rules as { expression: string; actionParameters: unknown }[];
                assert.deepEqual(
                    rules.map((r) => [r.expression, r.actionParameters]),
                    [
                        [
                            '(http.host in {"example.org" "www.example.org"})',
                            { headers: { "x-origin-verify": { operation: "set", value: secretOf(ok(liveOnly), "live").outputs.value } } },
                        ],
                    ],
                );
            });
        });

        describe("GIVEN assetsHosts of live and alpha", () => {
            let two: StackRun;
            before(async () => {
                two = await run({ set: { assetsHosts: { live: "assets.example.org", alpha: "assets.alpha.example.org" } } });
            });
            it("THEN the configuration ruleset has exactly two rules, in promotion order, each setting SSL Full for exactly its environment's host", () => {
                const rulesets = configRulesets(ok(two));
                assert.equal(rulesets.length, 1);
                const rules = rulesets[0].inputs.rules as Record<string, unknown>[];
                assert.deepEqual(
                    rules.map((r) => [r.ref, r.expression, r.action, r.actionParameters, r.enabled]),
                    [
                        ["demo_alpha_assets_ssl", '(http.host in {"assets.alpha.example.org"})', "set_config", { ssl: "full" }, true],
                        ["demo_live_assets_ssl", '(http.host in {"assets.example.org"})', "set_config", { ssl: "full" }, true],
                    ],
                );
                // The origin header rules are not touched.
                assert.equal((originRuleset(ok(two)).inputs.rules as unknown[]).length, 4);
            });
            it("THEN each environment's deploy, preview and boundary policies name its own host's bucket and not the other's", () => {
                const policyOf = (type: string, name: string) => json(ok(two).one(type, name.endsWith("-boundary") ? { name } : { role: name }), "policy");
                const hosts: Record<string, string> = { alpha: "assets.alpha.example.org", live: "assets.example.org" };
                const previewer: Record<string, string> = { alpha: "demo-github-preview", live: "demo-github-preview-production" };
                for (const env of ["alpha", "live"]) {
                    for (const [other, host] of Object.entries(hosts)) {
                        const bucket = `arn:aws:s3:::${host}`;
                        const mine = other === env;
                        assert.equal(allows(deployPermissions(ok(two), env), "s3:PutBucketPolicy", bucket), mine, `deploy ${env}: ${host}`);
                        assert.equal(allows(policyOf(T.rolePolicy, previewer[env]), "s3:GetBucketPolicy", bucket), mine, `preview of ${env}: ${host}`);
                        assert.equal(allows(policyOf(T.policy, `demo-${env}-boundary`), "s3:GetObject", `${bucket}/app.js`), mine, `boundary ${env}: ${host}`);
                    }
                }
            });
        });

        it("GIVEN assetsHosts {} WHEN run THEN no configuration ruleset, the origin header rules alone, and no deploy role may manage a bucket named like a host", async () => {
            const graph = ok(await run({ set: { assetsHosts: {} } }));
            assert.deepEqual(configRulesets(graph), []);
            assert.equal(graph.find(T.ruleset, { phase: ORIGIN_PHASE }).length, 1);
            for (const env of ENVS) {
                const policy = deployPermissions(graph, env);
                assert.equal(allows(policy, "s3:CreateBucket", "arn:aws:s3:::assets.example.org"), false, env);
                assert.equal(allows(policy, "s3:CreateBucket", `arn:aws:s3:::demo-${env}-assets-${ACCOUNT}`), true, env);
            }
        });

        it("GIVEN cloudflareZone, originHosts {} and assetsHosts {} WHEN run THEN the zone settings only: no ruleset without rules, no parameter", async () => {
            const graph = ok(await run({ set: { originHosts: {}, assetsHosts: {} } }));
            graph.resourceCountIs(T.zoneSetting, 3);
            graph.resourceCountIs(T.ruleset, 0);
            graph.resourceCountIs(T.param, 0);
        });

        describe("settings", () => {
            const K = (key: string) => `key shipyard-bootstrap:${key}`;
            const hosts = (patch: Record<string, string[]>) => ({ ...COMMITTED_ORIGIN_HOSTS, ...patch });
            const DNS =
                "must be a lowercase DNS name such as example.org or alpha.example.org: labels of letters, digits and inner hyphens (at most 63 characters each, 253 in all) separated by dots; no wildcards";
            const IN_ZONE = "must be in the zone example.org (cloudflareZone): example.org itself or a name ending with .example.org";
            const cases: [string, ConfigOverrides, string][] = [
                [
                    "originHosts naming an environment the stack does not run",
                    { set: { environments: ["live"], originHosts: { alpha: ["alpha.example.org"], live: ["example.org"] } } },
                    `${K("originHosts.alpha")} = ["alpha.example.org"]: alpha is not among this stack's environments (live)`,
                ],
                [
                    "originHosts naming something that is not an environment",
                    { set: { originHosts: hosts({ prod: ["prod.example.org"] }) } },
                    `${K("originHosts.prod")} = ["prod.example.org"]: prod is not among this stack's environments (alpha, beta, gamma, live)`,
                ],
                [
                    "a host name with capitals",
                    { set: { originHosts: hosts({ alpha: ["Alpha.example.org"] }) } },
                    `${K("originHosts.alpha")} = "Alpha.example.org": ${DNS}`,
                ],
                ["a wildcard host name", { set: { originHosts: hosts({ alpha: ["*.example.org"] }) } }, `${K("originHosts.alpha")} = "*.example.org": ${DNS}`],
                [
                    "a host name with a trailing dot",
                    { set: { originHosts: hosts({ live: ["example.org."] }) } },
                    `${K("originHosts.live")} = "example.org.": ${DNS}`,
                ],
                [
                    "a host name in another zone",
                    { set: { originHosts: hosts({ beta: ["beta.example.com"] }) } },
                    `${K("originHosts.beta")} = "beta.example.com": ${IN_ZONE}`,
                ],
                [
                    "a host name that only ends with the zone's name",
                    { set: { originHosts: hosts({ beta: ["notexample.org"] }) } },
                    `${K("originHosts.beta")} = "notexample.org": ${IN_ZONE}`,
                ],
                [
                    "one host name under two environments",
                    { set: { originHosts: hosts({ beta: ["beta.example.org", "alpha.example.org"] }) } },
                    `${K("originHosts.beta")} = "alpha.example.org": already a host of alpha: a request gets one environment's origin header, so a host belongs to one environment`,
                ],
                [
                    "one host name twice in an environment",
                    { set: { originHosts: hosts({ gamma: ["gamma.example.org", "gamma.example.org"] }) } },
                    `${K("originHosts.gamma")} = "gamma.example.org": each host at most once`,
                ],
                [
                    "an environment without host names",
                    { set: { originHosts: hosts({ alpha: [] }) } },
                    `${K("originHosts.alpha")} = []: list at least one host name, or leave alpha out (it then gets no rule)`,
                ],
                [
                    "originHosts that is a list",
                    { set: { originHosts: ["example.org"] } },
                    `${K("originHosts")} = "[\\"example.org\\"]": wrong type: expected a map of environment: [host name, ...], e.g. { alpha: [alpha.example.org] }`,
                ],
                [
                    "originHosts without cloudflareZone",
                    { set: { cloudflareZone: "", originHosts: { live: ["example.org"] } }, remove: ["assetsHosts"] },
                    `${K("originHosts")} = {"live":["example.org"]}: needs cloudflareZone: set cloudflareZone to the Cloudflare zone these hosts belong to (e.g. example.org), or remove originHosts`,
                ],
                [
                    "assetsHosts naming an environment the stack does not run",
                    {
                        set: {
                            environments: ["live"],
                            originHosts: { live: ["example.org"] },
                            assetsHosts: { alpha: "assets.alpha.example.org", live: "assets.example.org" },
                        },
                    },
                    `${K("assetsHosts.alpha")} = "assets.alpha.example.org": alpha is not among this stack's environments (live)`,
                ],
                [
                    "an assets host with capitals",
                    { set: { assetsHosts: { live: "Assets.example.org" } } },
                    `${K("assetsHosts.live")} = "Assets.example.org": ${DNS}`,
                ],
                [
                    "an assets host in another zone",
                    { set: { assetsHosts: { live: "assets.example.com" } } },
                    `${K("assetsHosts.live")} = "assets.example.com": ${IN_ZONE}`,
                ],
                [
                    "an assets host that is an origin host",
                    { set: { assetsHosts: { beta: "beta.example.org" } } },
                    `${K("assetsHosts.beta")} = "beta.example.org": already an origin host of beta: Cloudflare sends it to the load balancer with Full (strict), so it cannot also serve a bucket with Full`,
                ],
                [
                    "one assets host for two environments",
                    { set: { assetsHosts: { live: "assets.example.org", gamma: "assets.example.org" } } },
                    `${K("assetsHosts.live")} = "assets.example.org": already the assets host of gamma: a bucket, and so its host, belongs to one environment`,
                ],
                [
                    "an assets host too long to name a bucket",
                    { set: { assetsHosts: { live: `${"a".repeat(52)}.example.org` } } },
                    `${K("assetsHosts.live")} = "${"a".repeat(52)}.example.org": is the name of its S3 bucket, which has 3 to 63 characters; "${"a".repeat(52)}.example.org" has 64`,
                ],
                [
                    "an assets host with a prefix S3 reserves",
                    { set: { assetsHosts: { live: "xn--bcher-kva.example.org" } } },
                    `${K("assetsHosts.live")} = "xn--bcher-kva.example.org": is the name of its S3 bucket, and the prefix xn-- is reserved by S3`,
                ],
                [
                    "assetsHosts with a list per environment",
                    { set: { assetsHosts: { live: ["assets.example.org"] } } },
                    `${K("assetsHosts")} = "{\\"live\\":[\\"assets.example.org\\"]}": wrong type: expected a map of environment: host name, e.g. { live: assets.example.org }`,
                ],
                [
                    "assetsHosts without cloudflareZone",
                    { set: { cloudflareZone: "" }, remove: ["originHosts"] },
                    `${K("assetsHosts")} = {"live":"assets.example.org"}: needs cloudflareZone: set cloudflareZone to the Cloudflare zone these hosts belong to (e.g. example.org), or remove assetsHosts`,
                ],
                ["a zone name with capitals", { set: { cloudflareZone: "Example.org" } }, `${K("cloudflareZone")} = "Example.org": ${DNS}`],
                ["a zone name of one label", { set: { cloudflareZone: "example" } }, `${K("cloudflareZone")} = "example": ${DNS}`],
                [
                    "a zone id that is not 32 hex digits",
                    { set: { cloudflareZoneId: "example.org" } },
                    `${K("cloudflareZoneId")} = "example.org": must be a Cloudflare zone id, 32 lowercase hex digits (the zone's Overview page), or empty`,
                ],
                [
                    "a zone id without cloudflareZone",
                    { set: { cloudflareZone: "", cloudflareZoneId: ZONE_ID }, remove: ["originHosts", "assetsHosts"] },
                    `${K("cloudflareZoneId")} = "${ZONE_ID}": needs cloudflareZone: set cloudflareZone to the zone's name, or remove cloudflareZoneId`,
                ],
            ];
            for (const [given, overrides, problem] of cases) {
                it(`GIVEN ${given} WHEN loaded THEN it names the stack, the key, the value and what is allowed`, () => {
                    assert.equal(problemsOf(overrides), `stack "shared" has invalid configuration:\n  - ${problem}`);
                });
            }
            it("GIVEN a bad environments list WHEN loaded THEN it is reported once, not again for each originHosts entry", () => {
                assert.equal(
                    problemsOf({ set: { environments: ["alpha", "Prod"] } }),
                    `stack "shared" has invalid configuration:\n  - ${K("environments")} = "Prod": ${STACK_NAME_RULE}`,
                );
            });
            it("GIVEN cloudflareZone and an environment left out of originHosts WHEN loaded THEN it is accepted, and that environment has no hosts", () => {
                const s = buildBootstrapSettings("shared", stackConfig("shared", { set: { originHosts: { alpha: ["alpha.example.org"] } } }, BOOTSTRAP));
                assert.deepEqual(s.cloudflare, {
                    zone: "example.org",
                    zoneId: undefined,
                    originHosts: { alpha: ["alpha.example.org"] },
                    assetsHosts: COMMITTED_ASSETS_HOSTS,
                });
            });
            it("GIVEN cloudflareZone empty and no originHosts or assetsHosts WHEN loaded THEN there are no Cloudflare settings", () => {
                const s = buildBootstrapSettings(
                    "shared",
                    stackConfig("shared", { set: { cloudflareZone: "" }, remove: ["originHosts", "assetsHosts"] }, BOOTSTRAP),
                );
                assert.equal(s.cloudflare, undefined);
            });

            const names: [string, boolean][] = [
                ["example.org", true],
                ["alpha.example.org", true],
                ["a-b.c1.example.co.uk", true],
                [`${"a".repeat(63)}.org`, true],
                [`${"a".repeat(64)}.org`, false],
                [`${"a.".repeat(125)}org`, true], // 253 characters, the most DNS allows
                [`${"a.".repeat(126)}org`, false], // 255
                ["example", false],
                ["-a.example.org", false],
                ["a-.example.org", false],
                ["a..example.org", false],
                ["a_b.example.org", false],
                ["example.123", false],
                ["Example.org", false],
                ["*.example.org", false],
            ];
            for (const [name, valid] of names) {
                it(`dnsNameProblem ${valid ? "accepts" : "rejects"} ${JSON.stringify(name.length > 30 ? `${name.slice(0, 12)}...(${name.length})` : name)}`, () => {
                    assert.equal(dnsNameProblem(name) === undefined, valid, dnsNameProblem(name));
                });
            }
            const assetsBuckets: [string, boolean][] = [
                ["assets.example.org", true],
                [`${"a".repeat(51)}.example.org`, true], // 63 characters, the most S3 allows
                [`${"a".repeat(52)}.example.org`, false],
                ["xn--bcher-kva.example.org", false],
                ["sthree-assets.example.org", false],
                ["amzn-s3-demo-assets.example.org", false],
                ["assets-s3alias", false],
            ];
            for (const [host, ok] of assetsBuckets) {
                it(`assetsBucketNameProblem ${ok ? "accepts" : "rejects"} ${JSON.stringify(host.length > 30 ? `${host.slice(0, 12)}...(${host.length})` : host)}`, () => {
                    assert.equal(assetsBucketNameProblem(host) === undefined, ok, assetsBucketNameProblem(host));
                });
            }
            const rules: [string[], string][] = [
                [["example.org"], '(http.host in {"example.org"})'],
                [["example.org", "www.example.org"], '(http.host in {"example.org" "www.example.org"})'],
            ];
            for (const [list, expression] of rules) {
                it(`originRuleExpression of ${list.join(", ")} is ${expression}`, () => {
                    assert.equal(originRuleExpression(list), expression);
                });
            }
        });
    });

    it("outputs what the README turns into GitHub variables, in exactly these shapes", () => {
        const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
        assert.deepEqual(shared.outputs, {
            stateBucket: BUCKET,
            backendUrl: `s3://${BUCKET}?region=eu-west-1`,
            secretsProviders: Object.fromEntries(ENVS.map((e) => [e, `awskms://alias/demo-pulumi-${e}?region=eu-west-1`])),
            alarmTopicKeys: Object.fromEntries(ENVS.map((e) => [e, `alias/demo-${e}-alarms`])),
            repositoryUrls: Object.fromEntries(SERVICES.map((s) => [s, `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/demo-${s}`])),
            buildRoleArn: role("demo-github-build"),
            previewRoleArn: role("demo-github-preview"),
            previewProductionRoleArn: role("demo-github-preview-production"),
            deployRoleArns: Object.fromEntries(ENVS.map((e) => [e, role(`demo-github-deploy-${e}`)])),
            permissionsBoundaryArns: Object.fromEntries(ENVS.map((e) => [e, `arn:aws:iam::${ACCOUNT}:policy/demo-${e}-boundary`])),
            cloudflareZoneId: ZONE_ID,
        });
    });

    describe("cross-check with the environments' program", () => {
        const envRuns = new Map<string, StackRun>();
        before(async () => {
            for (const env of ENVS) {
                // A secret, so that the stack creates an SSM parameter to check, and a Slack webhook, so that it creates the notifier.
                const secret = {
                    secrets: { web: { DATABASE_URL: "postgres://app:pw@db.internal:5432/app" } },
                    slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX",
                };
                envRuns.set(env, await runStack(env, { overrides: { secret } }));
            }
        });
        const deployPolicyOf = (env: string) => deployPermissions(g(), env);

        for (const env of ENVS) {
            it(`GIVEN the ${env} stack WHEN its program runs THEN demo-github-deploy-${env} may manage and pass every role, parameter and function it creates, and no other environment's role may`, () => {
                const run = envRuns.get(env);
                assert.ok(run);
                if (run.error) throw run.error;
                // Pulumi names a role without a `name` input `<logical name>-<7 random characters>`.
                const roleName = (r: Recorded) => (typeof r.inputs.name === "string" ? r.inputs.name : `${r.name}-a1b2c3d`);
                const roles = run.graph.ofType(T.role).map((r) => ({
                    arn: `arn:aws:iam::${ACCOUNT}:role/${roleName(r)}`,
                    services: json(r, "assumeRolePolicy").Statement.flatMap((s) => (typeof s.Principal === "object" ? list(s.Principal.Service) : [])),
                }));
                const parameters = run.graph.ofType(T.param).map((r) => `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter${String(r.inputs.name)}`);
                const functions = run.graph.ofType(T.function).map((r) => `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${String(r.inputs.name)}`);
                const attachments = run.graph
                    .ofType(T.attachment)
                    .map((r) => ({ arn: `arn:aws:iam::${ACCOUNT}:role/${String(r.inputs.role)}`, policy: String(r.inputs.policyArn) }));
                assert.ok(roles.length >= 2 && parameters.length >= 1, `nothing to check in ${env}`);

                // The program sets the environment's boundary on every role (checked below); the
                // deploy role's role writes require it.
                const bounded = { "iam:PermissionsBoundary": BOUNDARY(env) };
                for (const candidate of ENVS) {
                    const policy = deployPolicyOf(candidate);
                    const own = candidate === env;
                    for (const role of roles) {
                        for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:TagRole", "iam:DeleteRole"]) {
                            assert.equal(allows(policy, action, role.arn, bounded), own, `${candidate}: ${action} ${role.arn}`);
                        }
                        for (const service of role.services) {
                            assert.equal(
                                allows(policy, "iam:PassRole", role.arn, { "iam:PassedToService": service }),
                                own,
                                `${candidate}: pass ${role.arn} to ${service}`,
                            );
                        }
                    }
                    for (const parameter of parameters) {
                        for (const action of ["ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource"]) {
                            assert.equal(allows(policy, action, parameter), own, `${candidate}: ${action} ${parameter}`);
                        }
                    }
                    for (const fn of functions) {
                        for (const action of ["lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:DeleteFunction"]) {
                            assert.equal(allows(policy, action, fn), own, `${candidate}: ${action} ${fn}`);
                        }
                    }
                    for (const a of attachments) {
                        assert.equal(
                            allows(policy, "iam:AttachRolePolicy", a.arn, { "iam:PolicyARN": a.policy, ...bounded }),
                            own,
                            `${candidate}: attach ${a.policy} to ${a.arn}`,
                        );
                    }
                }
                assert.equal(
                    allows(deployPolicyOf(env), "iam:AttachRolePolicy", roles[0].arn, {
                        "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess",
                        ...bounded,
                    }),
                    false,
                );
                assert.equal(allows(deployPolicyOf(env), "iam:PassRole", roles[0].arn, { "iam:PassedToService": "ec2.amazonaws.com" }), false);
            });
        }

        const boundaryOf = (env: string) => json(one(T.policy, `demo-boundaries-${env}`), "policy");
        const runOf = (env: string) => {
            const run = envRuns.get(env);
            assert.ok(run);
            if (run.error) throw run.error;
            return run;
        };
        for (const env of ENVS) {
            it(`GIVEN the ${env} stack WHEN its program runs THEN every role it creates has the permissions boundary demo-${env}-boundary`, () => {
                const roles = runOf(env).graph.ofType(T.role);
                assert.ok(roles.length >= 2, `no roles in ${env}`);
                assert.deepEqual(
                    roles.filter((r) => r.inputs.permissionsBoundary !== BOUNDARY(env)).map((r) => [r.name, r.inputs.permissionsBoundary]),
                    [],
                );
            });

            it(`GIVEN the ${env} stack WHEN its program runs THEN demo-${env}-boundary allows every action of every role policy it writes and managed policy it attaches`, () => {
                const run = runOf(env);
                const boundary = boundaryOf(env);
                const actions = new Set<string>();
                for (const r of run.graph.ofType(T.rolePolicy)) {
                    for (const st of json(r, "policy").Statement.filter((x) => x.Effect === "Allow")) for (const a of list(st.Action)) actions.add(a);
                }
                for (const r of run.graph.ofType(T.attachment)) {
                    const managed = MANAGED_POLICY_ACTIONS[String(r.inputs.policyArn)];
                    assert.ok(managed, `no fixture of the actions of ${String(r.inputs.policyArn)}`);
                    for (const a of managed) actions.add(a);
                }
                assert.ok(actions.size >= 5, `${actions.size} actions in ${env}`);
                assert.deepEqual(
                    [...actions].filter((a) => !allowsAction(boundary, a)),
                    [],
                );
                // And nothing a role could use to climb out: no IAM, STS or SSM writes, no task of its own.
                for (const a of ["iam:PutRolePolicy", "sts:AssumeRole", "ssm:PutParameter"]) {
                    assert.equal(allowsAction(boundary, a), false, a);
                }
                // A job's state machine (issue 18) runs its environment's task definitions and passes its environment's
                // roles; no other task definition or role (its own policy names its cluster and ecs-tasks.amazonaws.com).
                const other = env === "alpha" ? "beta" : "alpha";
                const taskDef = (e: string) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/demo-${e}-nightly-report:1`;
                const cluster = (e: string) => ({ "ecs:cluster": `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/demo-${e}` });
                assert.equal(allows(boundary, "ecs:RunTask", taskDef(env), cluster(env)), true);
                assert.equal(allows(boundary, "ecs:RunTask", taskDef(other), cluster(other)), false);
                const role = (e: string) => `arn:aws:iam::${ACCOUNT}:role/demo-${e}-nightly-report-task`;
                assert.equal(allows(boundary, "iam:PassRole", role(env)), true);
                assert.equal(allows(boundary, "iam:PassRole", role(other)), false);
                // A passed role reaches a service only through an action that takes one: the boundary has no other than RunTask.
                for (const a of [
                    "ec2:RunInstances",
                    "lambda:CreateFunction",
                    "lambda:UpdateFunctionConfiguration",
                    "ecs:RegisterTaskDefinition",
                    "ecs:CreateService",
                    "states:CreateStateMachine",
                    "scheduler:CreateSchedule",
                ])
                    assert.equal(allowsAction(boundary, a), false, a);
                // KMS only through AWS Backup and RDS; S3 only on its own assets buckets (below), never the state.
                const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
                for (const via of [undefined, "s3.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com"]) {
                    const context: Record<string, string> = via ? { "kms:ViaService": via } : {};
                    assert.equal(allows(boundary, "kms:Decrypt", key, context), false, `kms:Decrypt via ${String(via)}`);
                }
                assert.equal(allows(boundary, "kms:Decrypt", key, { "kms:ViaService": "backup.eu-west-1.amazonaws.com" }), true);
                for (const action of ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]) {
                    assert.equal(allows(boundary, action, `${BUCKET_ARN}/.pulumi/stacks/shipyard/${env}.json`), false, action);
                    assert.equal(allows(boundary, action, BUCKET_ARN), false, action);
                }
                // Of AWS Backup's managed policies, nothing beyond RDS instances, S3 buckets and AWS Backup itself.
                for (const a of BACKUP_POLICY_ACTIONS_LEFT_OUT) assert.equal(allowsAction(boundary, a), false, a);
            });

            it(`GIVEN the ${env} stack WHEN its program runs THEN demo-${env}-boundary scopes its roles to ${env}'s log groups, parameters, functions and target groups`, () => {
                const run = runOf(env);
                const within = (candidate: string) => boundaryOf(candidate);
                for (const type of [T.logGroup, T.param, T.function, T.targetGroup]) assert.ok(run.graph.ofType(type).length > 0, `no ${type} in ${env}`);
                for (const candidate of ENVS) {
                    const own = candidate === env;
                    // WAF writes its own log group through a log delivery, not through a role of the environment.
                    for (const g of run.graph.ofType(T.logGroup).filter((l) => !String(l.inputs.name).startsWith("aws-waf-logs-"))) {
                        const stream = `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${String(g.inputs.name)}:log-stream:x`;
                        assert.equal(allows(within(candidate), "logs:PutLogEvents", stream), own, `${candidate}: ${stream}`);
                    }
                    for (const p of run.graph.ofType(T.param)) {
                        const arn = `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter${String(p.inputs.name)}`;
                        assert.equal(allows(within(candidate), "ssm:GetParameters", arn), own, `${candidate}: ${arn}`);
                    }
                    for (const f of run.graph.ofType(T.function)) {
                        const arn = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${String(f.inputs.name)}`;
                        assert.equal(allows(within(candidate), "lambda:InvokeFunction", arn), own, `${candidate}: ${arn}`);
                    }
                    for (const t of run.graph.ofType(T.targetGroup)) {
                        const arn = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/${String(t.inputs.name)}/73e2d6bc24d8a067`;
                        assert.equal(allows(within(candidate), "elasticloadbalancing:RegisterTargets", arn), own, `${candidate}: ${arn}`);
                    }
                }
            });
        }

        const MONITORING: [string, string, (name: string) => string][] = [
            ["aws:sns/topic:Topic", "sns:CreateTopic", (n) => `arn:aws:sns:eu-west-1:${ACCOUNT}:${n}`],
            ["aws:sqs/queue:Queue", "sqs:CreateQueue", (n) => `arn:aws:sqs:eu-west-1:${ACCOUNT}:${n}`],
            ["aws:dynamodb/table:Table", "dynamodb:CreateTable", (n) => `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/${n}`],
            // Secrets Manager appends six random characters to a secret's ARN.
            ["aws:secretsmanager/secret:Secret", "secretsmanager:CreateSecret", (n) => `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${n}-AbCdEf`],
            ["aws:scheduler/schedule:Schedule", "scheduler:CreateSchedule", (n) => `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule/default/${n}`],
        ];
        for (const env of ENVS) {
            it(`GIVEN the ${env} stack WHEN its program runs THEN demo-github-deploy-${env} may create its topic, queue, table, secret and schedules, and no other environment's role may`, () => {
                const run = runOf(env);
                for (const [type, action, arnOf] of MONITORING) {
                    const resources = run.graph.ofType(type);
                    assert.ok(resources.length > 0, `no ${type} in ${env}`);
                    for (const r of resources) {
                        const arn = arnOf(String(r.inputs.name));
                        for (const candidate of ENVS)
                            assert.equal(allows(deployPolicyOf(candidate), action, arn), candidate === env, `${candidate}: ${action} ${arn}`);
                    }
                }
            });
        }

        it("GIVEN live WHEN its program runs THEN only live's deploy role may manage its web ACL and origin-exempt IP set; every deploy role may request certificates in the region only", () => {
            const run = runOf("live");
            const named = (type: string, kind: string) =>
                run.graph
                    .ofType(type)
                    .map((r) => `arn:aws:wafv2:eu-west-1:${ACCOUNT}:regional/${kind}/${String(r.inputs.name)}/a1b2c3d4-0000-4000-8000-000000000000`);
            const acls = named("aws:wafv2/webAcl:WebAcl", "webacl");
            const ipSets = named("aws:wafv2/ipSet:IpSet", "ipset");
            assert.deepEqual([acls.length, ipSets.length], [1, 1]);
            for (const candidate of ENVS) {
                const policy = deployPolicyOf(candidate);
                for (const arn of acls) assert.equal(allows(policy, "wafv2:CreateWebACL", arn), candidate === "live", `${candidate}: ${arn}`);
                for (const arn of ipSets) assert.equal(allows(policy, "wafv2:CreateIPSet", arn), candidate === "live", `${candidate}: ${arn}`);
                // RequestCertificate has no resource-level permissions: a new certificate must carry the candidate's own environment tag, in the region.
                const request = (region: string, environment: string) => ({ "aws:RequestedRegion": region, "aws:RequestTag/environment": environment });
                assert.equal(allows(policy, "acm:RequestCertificate", "*", request("eu-west-1", candidate)), true, candidate);
                assert.equal(allows(policy, "acm:RequestCertificate", "*", request("eu-west-1", "live")), candidate === "live", candidate);
                assert.equal(allows(policy, "acm:RequestCertificate", "*", request("us-east-1", candidate)), false, candidate);
                // Route 53: no record without route53Hosts (the fixture's environments are behind Cloudflare).
                assert.deepEqual(
                    policy.Statement.filter((st) => list(st.Action).some((x) => x.startsWith("route53:Change"))),
                    [],
                    candidate,
                );
            }
        });

        it("lets deploy roles read KMS keys, for the refresh of the alarm topic's key, but create, tag or change none", () => {
            const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
            for (const env of ENVS) {
                const policy = deployPolicyOf(env);
                for (const action of ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]) {
                    assert.equal(allows(policy, action, key), true, `${env} ${action}`);
                }
                for (const action of ["kms:CreateKey", "kms:PutKeyPolicy", "kms:TagResource", "kms:ScheduleKeyDeletion", "kms:CreateGrant", "kms:Decrypt"]) {
                    assert.equal(allows(policy, action, key), false, `${env} ${action}`);
                    assert.equal(allows(policy, action, "*"), false, `${env} ${action} on *`);
                }
            }
        });

        describe("the environments' data (issue 9)", () => {
            const rdsArn = (resource: string) => `arn:aws:rds:eu-west-1:${ACCOUNT}:${resource}`;
            const inRegion = { "aws:RequestedRegion": "eu-west-1" };
            /** The tag RDS puts on the secret of an instance: the instance's ARN. */
            const secretTag = (instanceArn: string) => ({ "aws:ResourceTag/aws:rds:primaryDBInstanceArn": instanceArn });
            /** One environment's database: the instance's ARN and its secret's, as the mock RDS answers them, and its groups. */
            const databaseOf = (env: string) => {
                const graph = runOf(env).graph;
                const instance = graph.one(T.dbInstance);
                const secrets = instance.outputs.masterUserSecrets as { secretArn: string }[];
                assert.equal(secrets.length, 1, env);
                return {
                    instance,
                    arn: String(instance.outputs.arn),
                    secretArn: secrets[0].secretArn,
                    subnetGroup: rdsArn(`subgrp:${String(graph.one(T.dbSubnetGroup).inputs.name)}`),
                    parameterGroup: rdsArn(`pg:${String(graph.one(T.dbParameterGroup).inputs.name)}`),
                    rotation: graph.one(T.secretRotation),
                };
            };
            // The assets bucket (live also has its log bucket).
            const bucketOf = (env: string) => runOf(env).graph.byName(`demo-${env}-assets-bucket`);

            for (const env of ENVS) {
                it(`GIVEN the ${env} stack WHEN its program runs THEN demo-github-deploy-${env} may create, change and delete its database, subnet group, parameter group and final snapshot, and no other environment's role may`, () => {
                    const db = databaseOf(env);
                    assert.equal(db.arn, rdsArn(`db:demo-${env}-db`));
                    const finalSnapshot = db.instance.inputs.finalSnapshotIdentifier as string | undefined;
                    // Only live's instance is protected, and so takes a final snapshot.
                    assert.equal(finalSnapshot, env === "live" ? "demo-live-db-final" : undefined);
                    const checks: [string, string[]][] = [
                        [
                            db.arn,
                            [
                                "rds:CreateDBInstance",
                                "rds:ModifyDBInstance",
                                "rds:RebootDBInstance",
                                "rds:DeleteDBInstance",
                                "rds:AddTagsToResource",
                                "rds:RemoveTagsFromResource",
                                "rds:ListTagsForResource",
                            ],
                        ],
                        [db.subnetGroup, ["rds:CreateDBSubnetGroup", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:AddTagsToResource"]],
                        [
                            db.parameterGroup,
                            [
                                "rds:CreateDBParameterGroup",
                                "rds:ModifyDBParameterGroup",
                                "rds:ResetDBParameterGroup",
                                "rds:DeleteDBParameterGroup",
                                "rds:AddTagsToResource",
                            ],
                        ],
                        ...(finalSnapshot
                            ? [[rdsArn(`snapshot:${finalSnapshot}`), ["rds:CreateDBSnapshot", "rds:AddTagsToResource"]] as [string, string[]]]
                            : []),
                    ];
                    for (const candidate of ENVS) {
                        const policy = deployPolicyOf(candidate);
                        for (const [arn, actions] of checks) {
                            for (const action of actions) assert.equal(allows(policy, action, arn), candidate === env, `${candidate}: ${action} ${arn}`);
                        }
                        // The engine's default option group, which CreateDBInstance authorizes too; and the reads in the region.
                        assert.equal(allows(policy, "rds:CreateDBInstance", rdsArn("og:default:postgres-16")), true, candidate);
                        assert.equal(allows(policy, "rds:DescribeDBInstances", "*", inRegion), true, candidate);
                        assert.equal(allows(policy, "rds:DescribeDBInstances", "*", { "aws:RequestedRegion": "us-east-1" }), false, candidate);
                        // Never the snapshots AWS Backup takes: they are the backups.
                        assert.equal(allows(policy, "rds:DeleteDBSnapshot", rdsArn("snapshot:awsbackup:job-0f1e2d3c")), false, candidate);
                        // A first instance in the account creates RDS's service-linked role.
                        assert.equal(
                            allows(
                                policy,
                                "iam:CreateServiceLinkedRole",
                                `arn:aws:iam::${ACCOUNT}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS`,
                                {
                                    "iam:AWSServiceName": "rds.amazonaws.com",
                                },
                            ),
                            true,
                            candidate,
                        );
                    }
                });

                it(`GIVEN the ${env} stack WHEN its program runs THEN RDS may create its master password secret with demo-github-deploy-${env}'s credentials, which may rotate that secret only, and read no password`, () => {
                    const db = databaseOf(env);
                    assert.equal(db.rotation.inputs.secretId, db.secretArn);
                    assert.match(db.secretArn, /^arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-/);
                    for (const candidate of ENVS) {
                        const policy = deployPolicyOf(candidate);
                        for (const action of ["secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret", "secretsmanager:DescribeSecret"]) {
                            assert.equal(allows(policy, action, db.secretArn, secretTag(db.arn)), candidate === env, `${candidate}: ${action} ${env}'s secret`);
                            assert.equal(allows(policy, action, db.secretArn), false, `${candidate}: ${action} an untagged rds! secret`);
                        }
                        for (const action of [
                            "secretsmanager:GetSecretValue",
                            "secretsmanager:PutSecretValue",
                            "secretsmanager:UpdateSecret",
                            "secretsmanager:DeleteSecret",
                        ]) {
                            assert.equal(
                                allows(policy, action, db.secretArn, { ...secretTag(db.arn), "aws:ViaAWSService": "true" }),
                                false,
                                `${candidate}: ${action}`,
                            );
                        }
                        // Created and tagged by RDS, through a forward access session; never directly.
                        for (const action of ["secretsmanager:CreateSecret", "secretsmanager:TagResource"]) {
                            assert.equal(allows(policy, action, db.secretArn, { "aws:ViaAWSService": "true" }), true, `${candidate}: ${action} through RDS`);
                            assert.equal(allows(policy, action, db.secretArn, { "aws:ViaAWSService": "false" }), false, `${candidate}: ${action} directly`);
                        }
                    }
                });

                it(`GIVEN the ${env} stack WHEN its program runs THEN demo-github-deploy-${env} may create, configure and delete its assets bucket but read or write none of its objects, and no other environment's role may touch it`, () => {
                    const bucket = bucketOf(env);
                    const arn = String(bucket.outputs.arn);
                    assert.equal(arn, `arn:aws:s3:::${String(bucket.inputs.bucket)}`);
                    const actions = [
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
                        "s3:ListBucket",
                        "s3:GetBucketPolicy",
                        "s3:GetBucketVersioning",
                        "s3:GetLifecycleConfiguration",
                        "s3:GetEncryptionConfiguration",
                    ];
                    for (const candidate of ENVS) {
                        const policy = deployPolicyOf(candidate);
                        for (const action of actions) assert.equal(allows(policy, action, arn), candidate === env, `${candidate}: ${action} ${arn}`);
                        for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl"]) {
                            assert.equal(allows(policy, action, `${arn}/index.html`), false, `${candidate}: ${action} in ${arn}`);
                        }
                        // Nor the bootstrap's own buckets, nor any other.
                        assert.equal(allows(policy, "s3:PutBucketPolicy", BUCKET_ARN), false, candidate);
                        assert.equal(allows(policy, "s3:DeleteBucket", "arn:aws:s3:::demo-state"), false, candidate);
                    }
                });

                it(`GIVEN the ${env} stack WHEN its program runs THEN demo-${env}-boundary lets its roles read its database's secret and its assets, and no other environment's boundary does`, () => {
                    const run = runOf(env);
                    const db = databaseOf(env);
                    const bucket = String(bucketOf(env).outputs.arn);
                    // The secret statements the program writes (execution roles of the database's users) name this secret.
                    const secretStatements = run.graph
                        .ofType(T.rolePolicy)
                        .flatMap((r) => json(r, "policy").Statement)
                        .filter((st) => list(st.Action).includes("secretsmanager:GetSecretValue") && list(st.Resource).some((x) => x.includes(":secret:rds!")));
                    assert.ok(secretStatements.length > 0, `no role of ${env} reads the database's secret`);
                    for (const st of secretStatements) assert.deepEqual(list(st.Resource), [db.secretArn], env);
                    // The statements that read the bucket (task roles of the assets' users) name this bucket.
                    const assetStatements = run.graph
                        .ofType(T.rolePolicy)
                        .flatMap((r) => json(r, "policy").Statement)
                        .filter((st) => list(st.Action).some((a) => a === "s3:GetObject" || a === "s3:ListBucket"));
                    assert.ok(assetStatements.length > 0, `no role of ${env} reads the assets`);
                    for (const st of assetStatements) for (const r of list(st.Resource)) assert.ok(r === bucket || r === `${bucket}/*`, `${env}: ${r}`);
                    for (const candidate of ENVS) {
                        const boundary = boundaryOf(candidate);
                        const own = candidate === env;
                        assert.equal(allows(boundary, "secretsmanager:GetSecretValue", db.secretArn, secretTag(db.arn)), own, `${candidate}: ${env}'s secret`);
                        assert.equal(allows(boundary, "secretsmanager:GetSecretValue", db.secretArn), false, `${candidate}: an untagged rds! secret`);
                        assert.equal(allows(boundary, "s3:GetObject", `${bucket}/css/site.css`), own, `${candidate}: ${bucket}`);
                        assert.equal(allows(boundary, "s3:ListBucket", bucket), own, `${candidate}: ${bucket}`);
                        assert.equal(allows(boundary, "rds:CreateDBSnapshot", db.arn), own, `${candidate}: snapshot ${db.arn}`);
                        assert.equal(allows(boundary, "rds:DeleteDBInstance", db.arn), false, `${candidate}: delete ${db.arn}`);
                        assert.equal(allows(boundary, "rds:ModifyDBInstance", db.arn), false, `${candidate}: modify ${db.arn}`);
                        assert.equal(allows(boundary, "s3:PutObjectAcl", `${bucket}/css/site.css`), false, `${candidate}: object ACLs`);
                    }
                });
            }

            it("GIVEN live (backupPlan) and alpha (none) WHEN their programs run THEN only live has a vault, a plan and a selection, which only demo-github-deploy-live may manage", () => {
                assert.deepEqual(
                    [T.vault, T.backupPlan, T.backupSelection].map((type) => ENVS.map((env) => runOf(env).graph.ofType(type).length)),
                    [
                        [0, 0, 0, 1],
                        [0, 0, 0, 1],
                        [0, 0, 0, 1],
                    ],
                );
                const graph = runOf("live").graph;
                const vault = String(graph.one(T.vault).outputs.arn);
                assert.equal(vault, `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-vault:demo-live-backups`);
                const plan = graph.one(T.backupPlan);
                const planTag = (plan.inputs.tags as Record<string, string>).environment;
                assert.equal(planTag, "live");
                // AWS Backup names a plan by a random id.
                const planArn = `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-plan:8f2b6a4e-1c3d-4e5f-9a7b-0c1d2e3f4a5b`;
                const selection = graph.one(T.backupSelection);
                const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/aws-backup-key-id`;
                for (const candidate of ENVS) {
                    const policy = deployPolicyOf(candidate);
                    const own = candidate === "live";
                    for (const action of [
                        "backup:CreateBackupVault",
                        "backup:DeleteBackupVault",
                        "backup:DescribeBackupVault",
                        "backup:TagResource",
                        "backup:ListTags",
                    ]) {
                        assert.equal(allows(policy, action, vault), own, `${candidate}: ${action} ${vault}`);
                    }
                    // The vault's storage and key (aws/backup), which CreateBackupVault needs, and the key only through AWS Backup.
                    assert.equal(allows(policy, "backup-storage:MountCapsule", "*"), true, candidate);
                    for (const action of ["kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt", "kms:RetireGrant"]) {
                        assert.equal(
                            allows(policy, action, key, { "kms:ViaService": "backup.eu-west-1.amazonaws.com" }),
                            true,
                            `${candidate}: ${action} through AWS Backup`,
                        );
                        assert.equal(
                            allows(policy, action, key, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }),
                            false,
                            `${candidate}: ${action} through S3`,
                        );
                    }
                    assert.equal(
                        allows(policy, "backup:CreateBackupPlan", planArn, { "aws:RequestTag/environment": planTag }),
                        own,
                        `${candidate}: create live's plan`,
                    );
                    assert.equal(allows(policy, "backup:CreateBackupPlan", planArn), false, `${candidate}: create an untagged plan`);
                    for (const action of [
                        "backup:GetBackupPlan",
                        "backup:UpdateBackupPlan",
                        "backup:DeleteBackupPlan",
                        "backup:CreateBackupSelection",
                        "backup:GetBackupSelection",
                        "backup:DeleteBackupSelection",
                        "backup:TagResource",
                        "backup:UntagResource",
                    ]) {
                        assert.equal(allows(policy, action, planArn, { "aws:ResourceTag/environment": planTag }), own, `${candidate}: ${action} live's plan`);
                    }
                    // No role may claim live's plan by tagging it with its own environment.
                    assert.equal(
                        allows(policy, "backup:TagResource", planArn, { "aws:ResourceTag/environment": planTag, "aws:RequestTag/environment": candidate }),
                        own,
                        `${candidate}: tag live's plan`,
                    );
                    // The selection passes live's backup role to AWS Backup, and to nothing else.
                    const role = String(selection.inputs.iamRoleArn);
                    assert.equal(role, `arn:aws:iam::${ACCOUNT}:role/demo-live-backup`);
                    assert.equal(allows(policy, "iam:PassRole", role, { "iam:PassedToService": "backup.amazonaws.com" }), own, `${candidate}: pass ${role}`);
                    assert.equal(allows(policy, "iam:PassRole", role, { "iam:PassedToService": "ec2.amazonaws.com" }), false, candidate);
                    // No other role of the environment goes to AWS Backup.
                    const task = `arn:aws:iam::${ACCOUNT}:role/demo-${candidate}-web-task`;
                    assert.equal(
                        allows(policy, "iam:PassRole", task, { "iam:PassedToService": "backup.amazonaws.com" }),
                        false,
                        `${candidate}: pass ${task} to AWS Backup`,
                    );
                }
            });

            it("GIVEN live WHEN its program runs THEN demo-live-boundary lets AWS Backup's role snapshot, copy and expire live's database and back up live's bucket, and no other environment's boundary does; no boundary lets it restore", () => {
                const db = databaseOf("live");
                const bucket = String(bucketOf("live").outputs.arn);
                assert.equal(bucket, "arn:aws:s3:::assets.example.org");
                const vault = String(runOf("live").graph.one(T.vault).outputs.arn);
                const backupSnapshot = rdsArn("snapshot:awsbackup:job-2b7c9d1e-3f4a-4b5c-8d6e-7f8091a2b3c4");
                const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/aws-backup-key-id`;
                const checks: [string, string][] = [
                    ["rds:CreateDBSnapshot", db.arn],
                    ["rds:ListTagsForResource", db.arn],
                    ["s3:GetObjectVersion", `${bucket}/img/logo.png`],
                    ["s3:GetObjectVersionTagging", `${bucket}/img/logo.png`],
                    ["s3:ListBucketVersions", bucket],
                    ["s3:GetBucketTagging", bucket],
                    ["s3:PutInventoryConfiguration", bucket],
                    ["s3:PutBucketNotification", bucket],
                    ["backup:DescribeBackupVault", vault],
                    ["backup:CopyIntoBackupVault", vault],
                ];
                const restores: [string, string][] = [
                    ["rds:RestoreDBInstanceFromDBSnapshot", rdsArn("db:demo-live-db-restored")],
                    ["rds:RestoreDBInstanceToPointInTime", rdsArn("db:demo-live-db-restored")],
                    ["s3:PutObject", `${bucket}/img/logo.png`],
                    ["s3:DeleteObject", `${bucket}/img/logo.png`],
                    ["s3:CreateBucket", "arn:aws:s3:::demo-live-assets-restored"],
                ];
                for (const candidate of ENVS) {
                    const boundary = boundaryOf(candidate);
                    for (const [action, arn] of checks) assert.equal(allows(boundary, action, arn), candidate === "live", `${candidate}: ${action} ${arn}`);
                    for (const [action, arn] of restores) assert.equal(allows(boundary, action, arn), false, `${candidate}: ${action} ${arn}`);
                    // The snapshots AWS Backup takes have no environment in their names: each boundary may tag, copy and expire them.
                    for (const action of ["rds:CreateDBSnapshot", "rds:AddTagsToResource", "rds:CopyDBSnapshot", "rds:DeleteDBSnapshot"]) {
                        assert.equal(allows(boundary, action, backupSnapshot), true, `${candidate}: ${action}`);
                    }
                    assert.equal(allows(boundary, "rds:DeleteDBSnapshot", rdsArn("snapshot:demo-live-db-final")), false, candidate);
                    assert.equal(allows(boundary, "rds:ModifyDBSnapshotAttribute", backupSnapshot), false, candidate);
                    // Keys only as AWS Backup and RDS use them.
                    assert.equal(allows(boundary, "kms:CreateGrant", key, { "kms:ViaService": "backup.eu-west-1.amazonaws.com" }), true, candidate);
                    assert.equal(allows(boundary, "kms:CreateGrant", key), false, candidate);
                }
            });

            it("lets each preview role read the data of its own environments only, and never a password or an object", () => {
                const previewer: Record<string, string> = {
                    alpha: "demo-github-preview",
                    beta: "demo-github-preview",
                    gamma: "demo-github-preview-production",
                    live: "demo-github-preview-production",
                };
                const planArn = `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-plan:8f2b6a4e-1c3d-4e5f-9a7b-0c1d2e3f4a5b`;
                for (const role of ["demo-github-preview", "demo-github-preview-production"]) {
                    const policy = json(one(T.rolePolicy, role), "policy");
                    for (const env of ENVS) {
                        const own = previewer[env] === role;
                        const db = databaseOf(env);
                        const bucket = String(bucketOf(env).outputs.arn);
                        assert.equal(allows(policy, "rds:ListTagsForResource", db.arn), own, `${role}: ${db.arn}`);
                        assert.equal(allows(policy, "rds:DescribeDBInstances", "*", inRegion), true, role);
                        assert.equal(allows(policy, "secretsmanager:DescribeSecret", db.secretArn, secretTag(db.arn)), own, `${role}: ${env}'s secret`);
                        assert.equal(allows(policy, "secretsmanager:GetSecretValue", db.secretArn, secretTag(db.arn)), false, `${role}: ${env}'s password`);
                        assert.equal(allows(policy, "s3:GetBucketPolicy", bucket), own, `${role}: ${bucket}`);
                        assert.equal(allows(policy, "s3:GetObject", `${bucket}/index.html`), false, `${role}: an object of ${bucket}`);
                        const vault = `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-vault:demo-${env}-backups`;
                        assert.equal(allows(policy, "backup:DescribeBackupVault", vault), own, `${role}: ${vault}`);
                        assert.equal(allows(policy, "backup:GetBackupPlan", planArn, { "aws:ResourceTag/environment": env }), own, `${role}: ${env}'s plan`);
                        assert.equal(
                            allows(policy, "backup:DeleteBackupPlan", planArn, { "aws:ResourceTag/environment": env }),
                            false,
                            `${role}: delete ${env}'s plan`,
                        );
                    }
                }
            });

            it("GIVEN every environment stack WHEN its assetsHost is compared THEN the bootstrap's assetsHosts has exactly that host for that environment, which names the bucket its program creates", () => {
                const s = buildBootstrapSettings("shared", stackConfig("shared", {}, BOOTSTRAP));
                const assetsHosts = s.cloudflare?.assetsHosts ?? {};
                const served: string[] = [];
                for (const env of ENVS) {
                    const host = stackConfig(env).values["shipyard:assetsHost"] ?? "";
                    // Both ways: no stack serves a host without the SSL rule, and no rule weakens SSL for a host nothing serves.
                    assert.equal(assetsHosts[env as keyof typeof assetsHosts] ?? "", host, env);
                    if (host === "") continue;
                    served.push(env);
                    assert.equal(bucketOf(env).inputs.bucket, host, `${env}'s bucket is named after its host`);
                    assert.equal(allows(deployPolicyOf(env), "s3:CreateBucket", `arn:aws:s3:::${host}`), true, env);
                }
                // Whether a committed stack serves its assets is the stacks' choice; today live does.
                assert.deepEqual(served, Object.keys(COMMITTED_ASSETS_HOSTS));
            });
        });

        it("uses the environments' default appName", () => {
            assert.equal(BOOTSTRAP_KEYS.appName.default, KEYS.appName.default);
        });
    });

    it("GIVEN route53Hosts for live and beta WHEN run THEN each deploy role may write the A, AAAA and CNAME records of exactly its own names and their validation records, in any zone", async () => {
        const run = await runStack("shared", {
            project: BOOTSTRAP,
            overrides: { set: { route53Hosts: { live: ["example.org", "api.example.org"], beta: ["beta.example.org"] } } },
        });
        assert.equal(run.error, undefined);
        const graph = run.graph;
        const statement = (env: string) => deployPermissions(graph, env).Statement.find((st) => st.Sid === "WriteOwnAddressAndValidationRecords");
        assert.deepEqual(statement("live"), {
            Sid: "WriteOwnAddressAndValidationRecords",
            Effect: "Allow",
            Action: "route53:ChangeResourceRecordSets",
            Resource: "arn:aws:route53:::hostedzone/*",
            Condition: {
                "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "CNAME"] },
                "ForAllValues:StringLike": {
                    "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["example.org", "_*.example.org", "api.example.org", "_*.api.example.org"],
                },
            },
        });
        assert.deepEqual(statement("beta")?.Condition?.["ForAllValues:StringLike"], {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["beta.example.org", "_*.beta.example.org"],
        });
        for (const env of ["alpha", "gamma"]) assert.equal(statement(env), undefined, env);
    });

    describe("settings", () => {
        it("GIVEN bootstrap/Pulumi.yaml WHEN compared with bootstrap/settings.ts THEN both declare the same keys, types, descriptions and defaults", () => {
            const declared = projectDeclarations(BOOTSTRAP) as Record<string, { type: string; description: string; default?: unknown }>;
            const specs = Object.entries(BOOTSTRAP_KEYS as Record<string, KeySpec>);
            const objects = specs.filter(([, spec]) => spec.type === "object").map(([key]) => key);
            assert.deepEqual(objects, ["tiers", "originHosts", "route53Hosts", "assetsHosts"]);
            assert.deepEqual(
                Object.keys(declared).sort(),
                specs
                    .filter(([, spec]) => spec.type !== "object")
                    .map(([key]) => key)
                    .sort(),
            );
            // The CLI cannot type a map, so Pulumi.yaml names it in its comment instead.
            const comment = fs
                .readFileSync(path.join(BOOTSTRAP.dir, "Pulumi.yaml"), "utf8")
                .split("\n")
                .filter((l) => l.startsWith("#"))
                .join("\n");
            for (const key of objects) assert.match(comment, new RegExp(`^#\\s+${key}:`, "m"), key);
            for (const [key, spec] of specs.filter(([, x]) => x.type !== "object")) {
                const d = declared[key];
                assert.deepEqual([d.type, d.description, d.default], [spec.type, spec.description, "default" in spec ? spec.default : undefined], key);
            }
        });
        it("GIVEN the shared stack WHEN loaded THEN every default applies and the result is frozen", () => {
            const s = buildBootstrapSettings("shared", stackConfig("shared", {}, BOOTSTRAP));
            assert.deepEqual(
                { ...s },
                {
                    stack: "shared",
                    app: "demo",
                    region: "eu-west-1",
                    partition: "aws",
                    accountId: ACCOUNT,
                    githubRepository: REPO,
                    githubOidcProviderArn: undefined,
                    environments: ENVS,
                    route53Hosts: {},
                    tiers: { alpha: "development", beta: "development", gamma: "staging", live: "production" },
                    services: SERVICES,
                    stateBucket: BUCKET,
                    noncurrentVersionDays: 90,
                    keepReleaseImages: 30,
                    untaggedImageDays: 7,
                    environmentsProject: "shipyard",
                    tags: { app: "demo", environment: "shared", "managed-by": "pulumi" },
                    cloudflare: { zone: "example.org", zoneId: undefined, originHosts: COMMITTED_ORIGIN_HOSTS, assetsHosts: COMMITTED_ASSETS_HOSTS },
                    previews: false,
                },
            );
            assert.equal(Object.isFrozen(s) && Object.isFrozen(s.environments) && Object.isFrozen(s.tiers) && Object.isFrozen(s.tags), true);
            assert.equal(Object.isFrozen(s.cloudflare) && Object.isFrozen(s.cloudflare?.originHosts) && Object.isFrozen(s.cloudflare?.originHosts.live), true);
            assert.equal(Object.isFrozen(s.cloudflare?.assetsHosts), true);
        });
        it("GIVEN environments out of order WHEN loaded THEN they are kept in promotion order", () => {
            const overrides = { set: { environments: ["live", "alpha"], originHosts: { live: ["example.org"], alpha: ["alpha.example.org"] } } };
            const s = buildBootstrapSettings("shared", stackConfig("shared", overrides, BOOTSTRAP));
            assert.deepEqual(s.environments, ["alpha", "live"]);
            assert.deepEqual(Object.keys(s.cloudflare?.originHosts ?? {}), ["alpha", "live"]);
        });
        it("GIVEN the edges of every range WHEN loaded THEN they are accepted", () => {
            const s = buildBootstrapSettings(
                "shared",
                stackConfig(
                    "shared",
                    { set: { keepReleaseImages: 1000, untaggedImageDays: 365, noncurrentVersionDays: 1, stateBucket: "a".repeat(63) } },
                    BOOTSTRAP,
                ),
            );
            assert.deepEqual([s.keepReleaseImages, s.untaggedImageDays, s.noncurrentVersionDays, s.stateBucket.length], [1000, 365, 1, 63]);
        });

        const K = (key: string) => `key shipyard-bootstrap:${key}`;
        const ACCOUNTS = 'exactly one 12-digit account id as a quoted string, e.g. ["123456789012"]; the AWS provider then refuses any other account';
        const NAMES = "lowercase letters, digits and single hyphens, starting with a letter, 2 to 20 characters";
        const cases: [string, ConfigOverrides, string][] = [
            [
                "githubRepository without owner",
                { set: { githubRepository: "shipyard" } },
                `${K("githubRepository")} = "shipyard": must be owner/name as in https://github.com/owner/name, e.g. example-org/shipyard`,
            ],
            [
                "githubRepository with a space",
                { set: { githubRepository: "example-org/ship yard" } },
                `${K("githubRepository")} = "example-org/ship yard": must be owner/name as in https://github.com/owner/name, e.g. example-org/shipyard`,
            ],
            [
                "githubRepository owner starting with a hyphen",
                { set: { githubRepository: "-org/shipyard" } },
                `${K("githubRepository")} = "-org/shipyard": must be owner/name as in https://github.com/owner/name, e.g. example-org/shipyard`,
            ],
            ["no services", { set: { services: [] } }, `${K("services")} = []: list at least one service, e.g. [web]`],
            ["a service twice", { set: { services: ["web", "web"] } }, `${K("services")} = ["web","web"]: each service at most once`],
            ["a service with capitals", { set: { services: ["Web"] } }, `${K("services")} = "Web": ${NAMES}`],
            ["a service with a double hyphen", { set: { services: ["web--api"] } }, `${K("services")} = "web--api": ${NAMES}`],
            ["a one-letter service", { set: { services: ["w"] } }, `${K("services")} = "w": ${NAMES}`],
            ["an environment name with a capital", { set: { environments: ["alpha", "Prod"] } }, `${K("environments")} = "Prod": ${STACK_NAME_RULE}`],
            [
                "an environment name with two hyphens in a row",
                { set: { environments: ["alpha", "pr--1"] } },
                `${K("environments")} = "pr--1": ${STACK_NAME_RULE}`,
            ],
            [
                "an environment of another name without a tier",
                { set: { environments: ["alpha", "prod"], originHosts: { alpha: ["alpha.example.org"] } }, remove: ["assetsHosts"] },
                `key shipyard-bootstrap:tiers.prod is missing: the environment "prod" is not one of the default environments (alpha, beta, gamma, live), so the bootstrap must be told its tier, the same as its stack file's shipyard:tier; set it with pulumi config set --path 'tiers.prod' <tier>, allowed: production, staging, development, preview`,
            ],
            [
                "a tier that is not one",
                { set: { environments: [...ENVS, "staging2"], tiers: { staging2: "qa" } } },
                `${K("tiers.staging2")} = "qa": allowed: production, staging, development, preview`,
            ],
            [
                "a tier of an environment that is not listed",
                { set: { tiers: { staging2: "staging" } } },
                `${K("tiers.staging2")} = "staging": staging2 is not among this stack's environments (alpha, beta, gamma, live); add it there, or remove its tier`,
            ],
            [
                "tiers as a list",
                { set: { tiers: ["staging"] } },
                `${K("tiers")} = "[\\"staging\\"]": wrong type: expected a map of environment: tier, e.g. { staging2: staging }`,
            ],
            [
                "an environment named after a production one and a hyphen",
                { set: { environments: [...ENVS, "live-eu"], tiers: { "live-eu": "production" } } },
                // Both rules apply: the deploy roles' name prefixes and ECR's tag patterns.
                `${K("environments")} = "live-eu": the deploy role of live may manage resources named <app>-live* (load balancers, alarms, task definitions), which would include live-eu's: choose a name that does not start with live\n  - ` +
                    `${K("environments")} = "live-eu": ECR keeps the images deployed to live (production) by the tag pattern live-*, which also matches live-eu's tags live-eu-<sha>: choose a name that does not start with live-`,
            ],
            [
                "an environment whose name starts with another's",
                { set: { environments: [...ENVS, "live2"], tiers: { live2: "staging" } } },
                `${K("environments")} = "live2": the deploy role of live may manage resources named <app>-live* (load balancers, alarms, task definitions), which would include live2's: choose a name that does not start with live`,
            ],
            ["no environments", { set: { environments: [] } }, `${K("environments")} = []: list at least one environment, e.g. [alpha, beta, gamma, live]`],
            [
                "route53Hosts of an environment the stack does not have",
                { set: { route53Hosts: { prod: ["example.org"] } } },
                `${K("route53Hosts.prod")} = ["example.org"]: prod is not among this stack's environments (alpha, beta, gamma, live)`,
            ],
            [
                "a Route 53 host of two environments",
                { set: { route53Hosts: { beta: ["example.org"], live: ["example.org"] } } },
                `${K("route53Hosts.live")} = "example.org": already a host of beta: a record belongs to one environment's deploy role`,
            ],
            ["an environment twice", { set: { environments: ["live", "live"] } }, `${K("environments")} = ["live","live"]: each environment at most once`],
            ["keepReleaseImages 0", { set: { keepReleaseImages: 0 } }, `${K("keepReleaseImages")} = 0: allowed: 1 to 1000`],
            ["keepReleaseImages 1001", { set: { keepReleaseImages: 1001 } }, `${K("keepReleaseImages")} = 1001: allowed: 1 to 1000`],
            ["untaggedImageDays 0", { set: { untaggedImageDays: 0 } }, `${K("untaggedImageDays")} = 0: allowed: 1 to 365`],
            ["untaggedImageDays 366", { set: { untaggedImageDays: 366 } }, `${K("untaggedImageDays")} = 366: allowed: 1 to 365`],
            ["noncurrentVersionDays 0", { set: { noncurrentVersionDays: 0 } }, `${K("noncurrentVersionDays")} = 0: allowed: 1 to 3650`],
            [
                "a bucket name with capitals",
                { set: { stateBucket: "Demo-State" } },
                `${K("stateBucket")} = "Demo-State": lowercase letters, digits and hyphens, starting and ending with a letter or digit`,
            ],
            [
                "a bucket name with dots",
                { set: { stateBucket: "demo.pulumi.state" } },
                `${K("stateBucket")} = "demo.pulumi.state": no dots: a dotted bucket name breaks TLS for virtual-hosted-style requests (*.s3.<region>.amazonaws.com)`,
            ],
            ["a bucket name of 2 characters", { set: { stateBucket: "ab" } }, `${K("stateBucket")} = "ab": 3 to 63 characters; "ab" has 2`],
            [
                "a bucket name of 64 characters",
                { set: { stateBucket: "a".repeat(64) } },
                `${K("stateBucket")} = "${"a".repeat(64)}": 3 to 63 characters; "${"a".repeat(64)}" has 64`,
            ],
            [
                "a reserved bucket prefix",
                { set: { stateBucket: "xn--demo-state" } },
                `${K("stateBucket")} = "xn--demo-state": the prefix xn-- is reserved by S3`,
            ],
            [
                "a reserved bucket suffix",
                { set: { stateBucket: "demo-state-s3alias" } },
                `${K("stateBucket")} = "demo-state-s3alias": the suffix -s3alias is reserved by S3`,
            ],
            ["no allowed account", { remove: ["aws:allowedAccountIds"] }, `key aws:allowedAccountIds is missing: set it to ${ACCOUNTS}`],
            ["a short account id", { set: { "aws:allowedAccountIds": ["12345"] } }, `key aws:allowedAccountIds = ["12345"]: ${ACCOUNTS}`],
            [
                "two accounts",
                { set: { "aws:allowedAccountIds": ["111111111111", "222222222222"] } },
                `key aws:allowedAccountIds = ["111111111111","222222222222"]: ${ACCOUNTS}`,
            ],
            ["an unquoted account id", { set: { "aws:allowedAccountIds": [123456789012] } }, `key aws:allowedAccountIds = [123456789012]: ${ACCOUNTS}`],
            [
                "an OIDC provider of another issuer",
                { set: { githubOidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com` } },
                `${K("githubOidcProviderArn")} = "arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com": must be an IAM OIDC provider ARN arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com, or empty`,
            ],
            [
                "an OIDC provider of another account",
                { set: { githubOidcProviderArn: "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com" } },
                `${K("githubOidcProviderArn")} = "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com": must be in account ${ACCOUNT} (aws:allowedAccountIds): roles can trust only their own account's providers`,
            ],
            ["an appName with capitals", { set: { appName: "Demo" } }, `${K("appName")} = "Demo": ${NAMES}`],
            [
                "a misspelt key",
                { set: { servces: ["web"] } },
                `${K("servces")} = "[\\"web\\"]": unknown key; known keys are ${Object.keys(BOOTSTRAP_KEYS).join(", ")}`,
            ],
            ["a region that is not one", { set: { "aws:region": "ireland" } }, `key aws:region = "ireland": must be an AWS region name such as eu-west-1`],
        ];
        for (const [given, overrides, problem] of cases) {
            it(`GIVEN ${given} WHEN loaded THEN it names the stack, the key, the value and what is allowed`, () => {
                assert.equal(problemsOf(overrides), `stack "shared" has invalid configuration:\n  - ${problem}`);
            });
        }
        it("GIVEN several bad keys WHEN loaded THEN every problem is listed at once", () => {
            const message = problemsOf({ set: { githubRepository: "nope", keepReleaseImages: 0, services: [] } });
            assert.equal(message.split("\n  - ").length - 1, 3, message);
        });
        it("GIVEN no githubRepository and no stateBucket WHEN built THEN both are reported as required", () => {
            const raw = stackConfig("shared", {}, BOOTSTRAP);
            const values = Object.fromEntries(Object.entries(raw.values).filter(([k]) => !/:(githubRepository|stateBucket)$/.test(k)));
            assert.throws(
                () => buildBootstrapSettings("shared", { values, secretKeys: [] }),
                (e: Error) =>
                    e.message ===
                    `stack "shared" has invalid configuration:\n  - key shipyard-bootstrap:githubRepository is required and missing: ${BOOTSTRAP_KEYS.githubRepository.description}\n  - key shipyard-bootstrap:stateBucket is required and missing: ${BOOTSTRAP_KEYS.stateBucket.description}`,
            );
        });
        it("GIVEN a bad key WHEN the program runs THEN it fails before creating any resource", async () => {
            const run = await runStack("shared", { project: BOOTSTRAP, overrides: { set: { keepReleaseImages: 0 } } });
            assert.ok(run.error instanceof SettingsError, String(run.error));
            assert.deepEqual(
                run.graph.all.map((r) => r.type),
                [],
            );
        });

        const buckets: [string, boolean][] = [
            ["demo-pulumi-state-123456789012-eu-west-1", true],
            ["abc", true],
            ["a-b", true],
            ["-abc", false],
            ["abc-", false],
            ["192.168.5.4", false],
            ["demo_state", false],
            ["sthree-demo", false],
            ["amzn-s3-demo-bucket", false],
            ["demo--ol-s3", false],
            ["demo--x-s3", false],
            ["demo--table-s3", false],
        ];
        for (const [name, ok] of buckets) {
            it(`s3BucketNameProblem ${ok ? "accepts" : "rejects"} ${JSON.stringify(name)}`, () => {
                assert.equal(s3BucketNameProblem(name) === undefined, ok, s3BucketNameProblem(name));
            });
        }
        const repositories: [string, boolean][] = [
            ["demo-web", true],
            ["demo_web", true],
            ["team/demo-web", true],
            ["demo--web", false],
            ["-demo", false],
            ["d", false],
            ["a".repeat(256), true],
            ["a".repeat(257), false],
        ];
        for (const [name, ok] of repositories) {
            it(`ecrRepositoryNameProblem ${ok ? "accepts" : "rejects"} a name of ${name.length} characters like ${JSON.stringify(name.slice(0, 12))}`, () => {
                assert.equal(ecrRepositoryNameProblem(name) === undefined, ok, ecrRepositoryNameProblem(name));
            });
        }
    });
});

/**
 * The team's committed configuration: the root `Pulumi.<env>.yaml` files and the bootstrap's stack
 * files, read from the repository (not test/fixtures), each checked against the other by rules that
 * hold for any valid configuration, whatever its environments, hosts and services are called.
 */
describe("bootstrap/: the team's committed stack files agree with its committed environments", () => {
    const rootStacks = committedStacks(MAIN, ROOT);
    const bootstraps = committedStacks(BOOTSTRAP, BOOTSTRAP.dir).map((stack) =>
        buildBootstrapSettings(stack, stackConfig(stack, {}, BOOTSTRAP, BOOTSTRAP.dir)),
    );
    const rootConfig = (env: string) => stackConfig(env, {}, MAIN, ROOT);
    /** The one bootstrap stack that runs `env`: the account whose roles deploy it. */
    const bootstrapOf = (env: string) => {
        const owners = bootstraps.filter((b) => b.environments.includes(env));
        assert.equal(
            owners.length,
            1,
            `${env} is an environment of ${owners.length} bootstrap stacks (${owners.map((b) => b.stack).join(", ")}); expected exactly one`,
        );
        return owners[0];
    };

    it("GIVEN every root stack WHEN the bootstrap stacks are read THEN exactly one runs it, in the tier its stack file has", () => {
        assert.ok(rootStacks.length > 0);
        for (const env of rootStacks) assert.equal(bootstrapOf(env).tiers[env], tierOf(env, rootConfig(env)), env);
    });
    it("GIVEN every root stack whose records Cloudflare proxies WHEN its http services' hosts are read THEN each is among the originHosts of its environment", () => {
        for (const env of rootStacks) {
            const values = rootConfig(env).values;
            const proxied = (values["shipyard:dnsProvider"] ?? "cloudflare") === "cloudflare" && values["shipyard:dnsProxied"] !== "false";
            if (!proxied) continue;
            const origin = bootstrapOf(env).cloudflare?.originHosts[env] ?? [];
            const hosts = Object.values(stackServices(env, ROOT))
                .filter((svc) => svc.expose === "http")
                .flatMap((svc) => [...(svc.hosts ?? [])]);
            for (const host of hosts) assert.ok(origin.includes(host), `${env}: ${host} is not in the bootstrap's originHosts.${env}`);
        }
    });
    it("GIVEN every root stack WHEN its assetsHost is read THEN its bootstrap's assetsHosts has exactly that host for it, and none for a stack that serves none", () => {
        for (const env of rootStacks) {
            const values = rootConfig(env).values;
            const host = values["shipyard:assetsBucket"] === "true" ? (values["shipyard:assetsHost"] ?? "") : "";
            assert.equal(bootstrapOf(env).cloudflare?.assetsHosts[env] ?? "", host, env);
        }
    });
    it("GIVEN every root stack's services WHEN their images are read THEN each comes from its bootstrap's repository <app>-<service>, in that bootstrap's account and region", () => {
        for (const env of rootStacks) {
            const b = bootstrapOf(env);
            const services = Object.entries(stackServices(env, ROOT));
            assert.ok(services.length > 0, `${env} runs no service`);
            for (const [service, { image }] of services) {
                const ref = parseImageRef(image);
                assert.deepEqual(ref?.ecr, { accountId: b.accountId, region: b.region }, `${env} ${service}`);
                assert.ok(b.services.includes(service), `${env}: the bootstrap stack ${b.stack} has no repository for ${service}`);
                assert.equal(ref?.repository, `${b.app}-${service}`, `${env} ${service}`);
            }
        }
    });
});

describe("bootstrap/: pull-request previews (previews: true, issue 21)", function () {
    this.timeout(20_000);
    let run: StackRun;
    let base: StackRun;
    before(async () => {
        run = await runStack("shared", { project: BOOTSTRAP, overrides: { set: { previews: true } } });
        base = await runStack("shared", { project: BOOTSTRAP });
    });
    const g = (): Graph => {
        if (run.error) throw run.error;
        return run.graph;
    };
    const permissions = (): Doc => {
        const inline = json(g().one(T.rolePolicy, { role: "demo-github-pr-deploy" }), "policy");
        const managed = ["data", "network", "services"].flatMap((p) => json(g().one(T.policy, { name: `demo-github-pr-deploy-${p}` }), "policy").Statement);
        return { Version: inline.Version, Statement: [...inline.Statement, ...managed] };
    };
    const PREVIEW_BOUNDARY = BOUNDARY("preview");

    it("GIVEN previews true WHEN run THEN exactly one role, its inline and data policies, the previews' boundary, secrets and alarm keys and two origin parameters more", () => {
        const before = base.graph.countsByType();
        const after = g().countsByType();
        const added = Object.fromEntries(
            Object.keys(after)
                .filter((t) => after[t] !== before[t])
                .map((t) => [t, after[t] - (before[t] ?? 0)]),
        );
        assert.deepEqual(added, {
            [T.role]: 1,
            [T.rolePolicy]: 1,
            [T.policy]: 4, // the previews' boundary, the role's data, network and services permissions
            [T.attachment]: 3,
            [T.key]: 2, // secrets provider, alarm topic
            [T.alias]: 2,
            [T.param]: 2, // origin secret and hosts of the previews
            "shipyard-bootstrap:iam:PreviewDeployRole": 1,
            "shipyard-bootstrap:kms:SecretsKeys": 1,
            "shipyard-bootstrap:kms:AlarmKeys": 1,
        });
        assert.deepEqual(
            g()
                .ofType(T.alias)
                .map((a) => a.inputs.name)
                .filter((n) => String(n).includes("preview")),
            ["alias/demo-preview-alarms", "alias/demo-pulumi-preview"],
        );
        assert.equal(g().one(T.policy, { name: "demo-preview-boundary" }).inputs.path, "/");
    });

    it("outputs the role's ARN as prDeployRoleArn and the previews' secrets provider", () => {
        assert.deepEqual(
            Object.keys(run.outputs ?? {}).filter((k) => ["prDeployRoleArn", "previewSecretsProvider"].includes(k)),
            ["prDeployRoleArn", "previewSecretsProvider"],
        );
        assert.equal(base.outputs?.prDeployRoleArn, undefined);
    });

    it("lets only jobs in the GitHub environment preview assume demo-github-pr-deploy, by one exact subject", () => {
        const role = g().one(T.role, { name: "demo-github-pr-deploy" });
        assert.equal(role.inputs.maxSessionDuration, 3600);
        assert.deepEqual(json(role, "assumeRolePolicy"), environmentTrust("preview"));
    });

    it("names only pr-* resources: roles, parameters, functions, stack state, and StringLike pr-* on the environment tag", () => {
        const doc = permissions();
        const sid = (id: string) => doc.Statement.find((st) => st.Sid === id);
        assert.deepEqual(sid("ManageOwnRoles")?.Resource, `arn:aws:iam::${ACCOUNT}:role/demo-pr-*-*`);
        assert.deepEqual(sid("ManageOwnParameters")?.Resource, `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/demo/pr-*/*`);
        assert.deepEqual(sid("ManageOwnFunctions")?.Resource, `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:demo-pr-*-*`);
        assert.deepEqual(list(sid("ReadWriteOwnStackState")?.Resource).slice(0, 2), [
            `${BUCKET_ARN}/.pulumi/stacks/shipyard/pr-*.json*`,
            `${BUCKET_ARN}/.pulumi/stacks/shipyard/pr-*.pulumi-tags`,
        ]);
        assert.deepEqual(sid("GrantOwnRolesOnlyWithinTheBoundary")?.Condition, { StringEquals: { "iam:PermissionsBoundary": PREVIEW_BOUNDARY } });
        assert.deepEqual(sid("CreateOwnNamespaces")?.Condition, {
            StringEquals: { "aws:RequestedRegion": "eu-west-1" },
            StringLike: { "aws:RequestTag/environment": "pr-*" },
        });
        assert.deepEqual(sid("ChangeOwnNetwork")?.Condition, {
            StringEquals: { "aws:RequestedRegion": "eu-west-1" },
            StringLike: { "aws:ResourceTag/environment": "pr-*" },
        });
        // The deny that keeps other environments' tags off: StringNotEquals pr-* would deny every preview its own.
        assert.deepEqual(sid("KeepEnvironmentTags")?.Condition, {
            StringNotLike: { "aws:RequestTag/environment": "pr-*" },
            Null: { "aws:RequestTag/environment": "false" },
        });
        assert.deepEqual(list(sid("ManageOwnContainers")?.Resource), [
            `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/demo-pr-*`,
            `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/demo-pr-*/*`,
            `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/demo-pr-*/*`,
            `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-set/demo-pr-*/*/*`,
            `arn:aws:ecs:eu-west-1:${ACCOUNT}:service-deployment/demo-pr-*/*/*`,
            `arn:aws:ecs:eu-west-1:${ACCOUNT}:service-revision/demo-pr-*/*/*`,
            `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/demo-pr-*-*:*`,
        ]);
        // No StringEquals holds a wildcard, which IAM would compare literally.
        for (const st of doc.Statement)
            for (const [k, v] of Object.entries(st.Condition?.StringEquals ?? {})) assert.ok(!list(v).some((x) => x.includes("*")), `${st.Sid} ${k}`);
    });

    const cases = (env: string, tag = env) =>
        [
            ["iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/demo-${env}-web-task`, { "iam:PermissionsBoundary": PREVIEW_BOUNDARY }],
            ["iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/demo-${env}-web-execution`, { "iam:PermissionsBoundary": PREVIEW_BOUNDARY }],
            ["ssm:PutParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/demo/${env}/web/API_KEY`, {}],
            ["lambda:UpdateFunctionCode", `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:demo-${env}-monitoring-endpoint-check`, {}],
            ["s3:PutObject", `${BUCKET_ARN}/.pulumi/stacks/shipyard/${env}.json`, {}],
            ["rds:DeleteDBInstance", `arn:aws:rds:eu-west-1:${ACCOUNT}:db:demo-${env}-db`, {}],
            ["ecs:UpdateService", `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/demo-${env}-cluster/demo-${env}-web`, { "aws:RequestedRegion": "eu-west-1" }],
            [
                "ec2:AuthorizeSecurityGroupIngress",
                `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0123`,
                { "aws:RequestedRegion": "eu-west-1", "aws:ResourceTag/environment": tag },
            ],
            [
                "elasticloadbalancing:DeleteLoadBalancer",
                `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/app/demo-${env}-lb/50dc6c495c0c9188`,
                { "aws:RequestedRegion": "eu-west-1" },
            ],
            ["logs:DeleteLogGroup", `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/ecs/demo/${env}/web`, { "aws:RequestedRegion": "eu-west-1" }],
            ["sns:DeleteTopic", `arn:aws:sns:eu-west-1:${ACCOUNT}:demo-${env}-alarms`, {}],
        ] as const;

    it("may change pr-42's resources: roles within the previews' boundary, parameters, functions, state, database, service, security group, load balancer, logs, topic", () => {
        const doc = permissions();
        for (const [action, resource, context] of cases("pr-42")) assert.equal(allows(doc, action, resource, context), true, `${action} ${resource}`);
    });

    for (const env of ["alpha", "live"]) {
        it(`cannot touch ${env}'s resources: not by name, not by tag, not with ${env}'s boundary`, () => {
            const doc = permissions();
            for (const [action, resource, context] of cases(env)) assert.equal(allows(doc, action, resource, context), false, `${action} ${resource}`);
            assert.equal(
                allows(doc, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/demo-pr-42-web-task`, { "iam:PermissionsBoundary": BOUNDARY(env) }),
                false,
                `a pr-42 role with ${env}'s boundary`,
            );
        });
    }

    it("cannot change a boundary, the previews' own included, nor a trust policy", () => {
        const doc = permissions();
        for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"])
            for (const boundary of [PREVIEW_BOUNDARY, BOUNDARY("alpha")]) assert.equal(allows(doc, action, boundary), false, `${action} ${boundary}`);
        assert.equal(allows(doc, "iam:UpdateAssumeRolePolicy", `arn:aws:iam::${ACCOUNT}:role/demo-pr-42-web-task`), false);
    });

    it("reads the previews' origin parameters and may push the pull request's images, without being able to write those parameters", () => {
        const doc = permissions();
        assert.equal(allows(doc, "ssm:GetParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/demo/preview/edge/origin-secret`), true);
        assert.equal(allows(doc, "ssm:PutParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/demo/preview/edge/origin-secret`), false);
        assert.equal(allows(doc, "ssm:GetParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/demo/alpha/edge/origin-secret`), false);
        for (const action of ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"])
            assert.equal(allows(doc, action, WEB_REPO_ARN), true, action);
    });

    it("the previews' boundary allows a pr-42 role its own logs and parameters, and nothing of alpha's", () => {
        const boundary = json(g().one(T.policy, { name: "demo-preview-boundary" }), "policy");
        const logs = (env: string) => `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/ecs/demo/${env}/web:log-stream:x`;
        const param = (env: string) => `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/demo/${env}/web/API_KEY`;
        assert.equal(allows(boundary, "logs:PutLogEvents", logs("pr-42")), true);
        assert.equal(allows(boundary, "ssm:GetParameters", param("pr-42")), true);
        assert.equal(allows(boundary, "logs:PutLogEvents", logs("alpha")), false);
        assert.equal(allows(boundary, "ssm:GetParameters", param("alpha")), false);
    });

    it("adds the previews' origin rule for pr-*.example.org after the environments', and the hosts parameter the preview stacks read", () => {
        const ruleset = g()
            .ofType(T.ruleset)
            .find((r) => r.inputs.phase === ORIGIN_PHASE) as Recorded;
        const rules = ruleset.inputs.rules as { ref: string; expression: string }[];
        assert.deepEqual(
            rules.map((r) => [r.ref, r.expression]),
            [
                ["demo_alpha_origin_header", '(http.host in {"alpha.example.org"})'],
                ["demo_beta_origin_header", '(http.host in {"beta.example.org"})'],
                ["demo_gamma_origin_header", '(http.host in {"gamma.example.org"})'],
                ["demo_live_origin_header", '(http.host in {"example.org"})'],
                ["demo_preview_origin_header", '(http.host wildcard "pr-*.example.org")'],
            ],
        );
        assert.equal(g().one(T.param, { name: "/demo/preview/edge/origin-hosts" }).inputs.value, "pr-*.example.org");
        assert.equal(originRuleExpression(["a.example.org", "pr-*.example.org"]), '(http.host in {"a.example.org"} or http.host wildcard "pr-*.example.org")');
    });

    it("expires pull requests' images (pr-<sha>) 15 days after their push, by a rule of their own before main's; none without previews", () => {
        const lifecycleOf = (r: Recorded) => JSON.parse(r.inputs.policy as string) as LifecyclePolicy;
        const policy = lifecycleOf(g().one(T.ecrLifecycle, { repository: "demo-web" }));
        const index = policy.rules.findIndex((r) => r.selection.tagPatternList?.includes("pr-*"));
        assert.deepEqual(policy.rules[index].selection, {
            tagStatus: "tagged",
            tagPatternList: ["pr-*"],
            countType: "sinceImagePushed",
            countUnit: "days",
            countNumber: 15,
        });
        assert.deepEqual(policy.rules[policy.rules.length - 1].selection.tagPatternList, ["*"]);
        assert.ok(index < policy.rules.length - 1);
        const sha = (n: number) => n.toString(16).padStart(40, "0");
        const previews = Array.from({ length: 6 }, (_, i): Image => ({ digest: `pr-${i}`, pushedDay: i + 0.5, tags: [`pr-${sha(i)}`] }));
        // Day 18: those pushed more than 15 days before.
        assert.deepEqual([...evaluateLifecycle(policy, previews, 18)].sort(), ["pr-0", "pr-1", "pr-2"]);
        assert.equal(
            lifecycleOf(base.graph.one(T.ecrLifecycle, { repository: "demo-web" })).rules.some((r) => r.selection.tagPatternList?.includes("pr-*")),
            false,
        );
    });

    it("every policy stays within IAM's size quotas", () => {
        for (const r of g().ofType(T.rolePolicy)) assert.ok((r.inputs.policy as string).replace(/\s/g, "").length <= 10_240, r.name);
        for (const r of g().ofType(T.policy))
            assert.ok((r.inputs.policy as string).replace(/\s/g, "").length <= 6_144, `${r.name}: ${(r.inputs.policy as string).length}`);
    });

    it("GIVEN previews true and an environment named preview THEN the stack is refused, naming the key, the value and why", async () => {
        const refused = await runStack("shared", { project: BOOTSTRAP, overrides: { set: { previews: true, environments: ["alpha", "preview"] } } });
        assert.match(
            String(refused.error?.message),
            /key shipyard-bootstrap:environments = "preview": with previews true, preview names the pull-request previews' shared boundary, keys and origin parameters; give that environment another name, or set previews false/,
        );
        assert.equal(refused.graph.all.filter((r) => r.custom).length, 0);
    });

    it("GIVEN previews yes THEN refused as not a boolean", async () => {
        // The Pulumi CLI refuses it first, by Pulumi.yaml's declared type; the settings refuse it too.
        await assert.rejects(
            runStack("shared", { project: BOOTSTRAP, overrides: { set: { previews: "yes" } } }),
            /configuration key 'shipyard-bootstrap:previews' must be of type 'boolean'/,
        );
        const { buildBootstrapSettings } = await import("../bootstrap/settings");
        const raw = stackConfig("shared", {}, BOOTSTRAP, path.join(FIXTURES, "bootstrap"));
        assert.throws(
            () => buildBootstrapSettings("shared", { ...raw, values: { ...raw.values, "shipyard-bootstrap:previews": "yes" } }),
            /key shipyard-bootstrap:previews = "yes": wrong type: expected true or false/,
        );
    });
});
