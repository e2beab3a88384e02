/**
 * The policy rules, as plain functions over a resource's input properties. This module imports
 * nothing from Pulumi: the policy pack (`policy/index.ts`) adapts each rule to a Pulumi policy,
 * and the tests and the offline plan run the very same rules over a stack's recorded graph
 * (`evaluate(run.graph.all, "live")`).
 *
 * Input property names are those of @pulumi/aws 7.x (`dropInvalidHeaderFields`,
 * `networkConfiguration.assignPublicIp`, ...). Control ids refer to the AWS Foundational Security
 * Best Practices standard of Security Hub CSPM; where a rule is our own, `control` is absent.
 *
 * Rules only read the fields they need, and never catch errors around those reads: under
 * `pulumi preview` an unknown value throws the policy SDK's UnknownValueError, which the SDK turns
 * into an advisory "can't run during preview" note rather than a silent pass.
 */

import { SECRET_LOOKING_NAME } from "../stacks/validators";

export type EnforcementLevel = "mandatory" | "advisory";

/** A resource as the rules see it: its type token, logical name and input properties. */
export interface PolicyResource {
    /** Pulumi type token, e.g. `aws:ecs/taskDefinition:TaskDefinition`. */
    readonly type: string;
    /** Logical (Pulumi) name. */
    readonly name: string;
    /** Input properties, secret values unwrapped. */
    readonly inputs: Record<string, unknown>;
    /** Input paths whose values were Pulumi secrets (`value`, `containerDefinitions`). Unknown to the pack. */
    readonly secretPaths?: readonly string[];
    /**
     * Logical names of the resources this one depends on (its inputs use their outputs, or it names
     * them in `dependsOn`). Lets stack rules match references such as a flow log's `vpcId` to its
     * VPC when ids are not known, as in the mock runtime or a preview.
     */
    readonly dependsOn?: readonly string[];
}

/** What a rule may know about the rest of the stack. */
export interface StackView {
    readonly resources: readonly PolicyResource[];
    /** The environment (stack name: alpha, beta, gamma, live), when known. */
    readonly env?: string;
}

export interface Rule {
    /** Kebab-case, unique in RULES; the pack's policy name. */
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    /** AWS Foundational Security Best Practices control id, e.g. "ECS.5"; absent for our own rules. */
    readonly control?: string;
    /** Pulumi type tokens the rule checks. */
    readonly resourceTypes: readonly string[];
    /**
     * "stack" when `check` reads other resources of `stack.resources`: the pack then runs the rule
     * as a stack policy, where every resource of the stack is visible.
     * @default "resource"
     */
    readonly scope?: "resource" | "stack";
    /** Violation messages for `resource`; empty when it complies. */
    check(resource: PolicyResource, stack: StackView): string[];
}

export interface Finding {
    /** The rule's name. */
    readonly rule: string;
    readonly control?: string;
    /** Logical name of the resource in violation. */
    readonly resource: string;
    readonly type: string;
    readonly message: string;
    readonly enforcementLevel: EnforcementLevel;
}

/** Type tokens the rules refer to. */
export const TYPES = {
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    taskSet: "aws:ecs/taskSet:TaskSet",
    cluster: "aws:ecs/cluster:Cluster",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    albLoadBalancer: "aws:alb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    albListener: "aws:alb/listener:Listener",
    vpc: "aws:ec2/vpc:Vpc",
    defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    flowLog: "aws:ec2/flowLog:FlowLog",
    subnet: "aws:ec2/subnet:Subnet",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
    groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
    iamPolicy: "aws:iam/policy:Policy",
    parameter: "aws:ssm/parameter:Parameter",
    ecrRepository: "aws:ecr/repository:Repository",
    ecrLifecyclePolicy: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    ecrRegistryScanning: "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
    topic: "aws:sns/topic:Topic",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    topicSubscription: "aws:sns/topicSubscription:TopicSubscription",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    lambdaFunction: "aws:lambda/function:Function",
    lambdaPermission: "aws:lambda/permission:Permission",
    webAcl: "aws:wafv2/webAcl:WebAcl",
    webAclRule: "aws:wafv2/webAclRule:WebAclRule",
    webAclRuleGroupAssociation: "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation",
    webAclLogging: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    dbInstance: "aws:rds/instance:Instance",
    bucket: "aws:s3/bucket:Bucket",
    bucketV2: "aws:s3/bucketV2:BucketV2",
    bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    bucketEncryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    bucketEncryptionV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    bucketLogging: "aws:s3/bucketLogging:BucketLogging",
} as const;

const LOAD_BALANCERS = [TYPES.loadBalancer, TYPES.albLoadBalancer];
const LISTENERS = [TYPES.listener, TYPES.albListener];
const IAM_POLICIES = [TYPES.rolePolicy, TYPES.userPolicy, TYPES.groupPolicy, TYPES.iamPolicy, TYPES.role];
/** aws.s3.BucketV2 is 7.x's deprecated alias of aws.s3.Bucket; likewise for the encryption configuration. */
const BUCKETS = [TYPES.bucket, TYPES.bucketV2];
const BUCKET_ENCRYPTIONS = [TYPES.bucketEncryption, TYPES.bucketEncryptionV2];

/**
 * Environment variable names that suggest a secret (our rule; broader than ECS.8's list). The same
 * pattern the settings loader rejects in plain `environment`, so the two never disagree.
 */
export const SECRET_NAME = SECRET_LOOKING_NAME;

/** The names Security Hub's ECS.8 looks for in container environments. */
/** The ARN of a Secrets Manager secret or an SSM parameter, which names a secret without holding it. */
export const SECRET_REFERENCE = /^arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:(secret:|parameter\/)\S+$/;

export const ECS8_NAMES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"] as const;

/** Values that are credentials whatever their name, by well-known formats. */
const CREDENTIAL_VALUES: readonly { readonly what: string; readonly pattern: RegExp }[] = [
    { what: "an AWS access key id", pattern: /\b(AKIA|ASIA)[A-Z0-9]{16}\b/ },
    { what: "a URL with a user and password", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s/@]+@/i },
    { what: "a PEM private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
    { what: "a GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
    { what: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
    { what: "a Stripe secret key", pattern: /\bsk_live_[A-Za-z0-9]{16,}/ },
];

/** What kind of credential `value` looks like, if any. */
export function credentialKind(value: string): string | undefined {
    return CREDENTIAL_VALUES.find((c) => c.pattern.test(value))?.what;
}

/**
 * TLS policies ELB.17 accepts: TLS 1.3 policies whose minimum is TLS 1.2 or 1.3, including the
 * restricted (Res), FIPS and post-quantum (PQ) variants; not the Ext policies, which add legacy
 * ciphers, nor the TLS13-1-0/1-1 ones, which still accept TLS 1.0/1.1.
 */
export const RECOMMENDED_TLS_POLICY = /^ELBSecurityPolicy-TLS13-1-[23]-(?!.*Ext)[A-Za-z0-9-]*\d{4}-\d{2}$/;

/**
 * Lambda runtimes not yet deprecated, from Lambda's runtime table as of November 2026
 * (nodejs20.x, python3.10 and ruby3.2 are past their deprecation dates). Update when Lambda
 * deprecates another one; Security Hub's Lambda.2 follows the same table.
 */
export const SUPPORTED_LAMBDA_RUNTIMES: readonly string[] = [
    "nodejs22.x",
    "nodejs24.x",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "java8.al2",
    "java11",
    "java17",
    "java21",
    "java25",
    "dotnet8",
    "dotnet10",
    "ruby3.3",
    "ruby3.4",
    "provided.al2",
    "provided.al2023",
];

/**
 * Actions that have no resource-level permissions in IAM, so a statement must grant them on "*".
 * Our task execution role needs the first; the others are the common ones for metrics, tracing,
 * ECS Exec and Lambda in a VPC.
 */
export const NO_RESOURCE_LEVEL_ACTIONS: readonly string[] = [
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "sts:GetCallerIdentity",
    "logs:DescribeLogGroups",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

// ---------------------------------------------------------------------------------------------
// Small readers over untyped inputs.

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
function obj(v: unknown): Obj {
    return isObj(v) ? v : {};
}
function list(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}
function strings(v: unknown): string[] {
    if (typeof v === "string") return [v];
    return list(v).filter((x): x is string => typeof x === "string");
}
function num(v: unknown): number | undefined {
    return typeof v === "number" ? v : undefined;
}
function parseJson(v: unknown): unknown {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v) as unknown;
    } catch {
        return undefined;
    }
}
function q(s: string): string {
    return JSON.stringify(s);
}

/** Resources of the stack with one of `types`. */
function ofType(stack: StackView, ...types: string[]): PolicyResource[] {
    return stack.resources.filter((r) => types.includes(r.type));
}

/**
 * Whether input `key` of `from` refers to `target`: because `from` depends on a resource of that
 * logical name, or because the input's value is `target`'s id or ARN (known to the pack's stack
 * policies, which see outputs). Logical names are unique per type, not per stack, so a resource of
 * another type with the same name would also match; the program never names two such resources
 * alike where it matters (a VPC, a web ACL, a repository).
 */
function refersTo(from: PolicyResource, key: string, target: PolicyResource): boolean {
    // Dependencies first: they are known even where values are not (a preview of new resources).
    if (from.dependsOn?.includes(target.name)) return true;
    const ids = [str(target.inputs.id), str(target.inputs.arn)].filter((x): x is string => !!x);
    return strings(from.inputs[key]).some((v) => ids.includes(v));
}

// ---------------------------------------------------------------------------------------------
// ECS task definitions: the containers inside `containerDefinitions` (a JSON string).

interface Container {
    name?: string;
    user?: string;
    privileged?: boolean;
    readonlyRootFilesystem?: boolean;
    environment?: { name?: string; value?: string }[];
    logConfiguration?: { logDriver?: string };
}

function containers(td: PolicyResource): Container[] {
    return list(parseJson(td.inputs.containerDefinitions)).filter(isObj) as Container[];
}
function containerName(c: Container, i: number): string {
    return q(c.name ?? `#${i}`);
}
function environment(c: Container): { name: string; value: string }[] {
    return list(c.environment)
        .filter(isObj)
        .map((e) => ({ name: str(e.name) ?? "", value: str(e.value) ?? "" }));
}
/** Per-container check helper: one message per failing container. */
function eachContainer(td: PolicyResource, fail: (c: Container, label: string) => string | undefined): string[] {
    return containers(td)
        .map((c, i) => fail(c, containerName(c, i)))
        .filter((m): m is string => m !== undefined);
}

const ROOT_USER = /^(root|0)(:.*)?$/;

// ---------------------------------------------------------------------------------------------
// ECS services and task sets.

function assignsPublicIp(r: PolicyResource): boolean {
    return obj(r.inputs.networkConfiguration).assignPublicIp === true;
}

/** Security group ids (as input values) attached to ECS services and task sets. */
function taskSecurityGroupIds(stack: StackView): string[] {
    return ofType(stack, TYPES.service, TYPES.taskSet).flatMap((s) => strings(obj(s.inputs.networkConfiguration).securityGroups));
}

function isTaskSecurityGroup(sg: PolicyResource, stack: StackView): boolean {
    const consumers = ofType(stack, TYPES.service, TYPES.taskSet);
    const ids = [str(sg.inputs.id)].filter((x): x is string => !!x);
    return consumers.some((s) => s.dependsOn?.includes(sg.name) || strings(obj(s.inputs.networkConfiguration).securityGroups).some((v) => ids.includes(v)));
}

function loadBalancerSecurityGroupIds(stack: StackView): string[] {
    return ofType(stack, ...LOAD_BALANCERS).flatMap((lb) => strings(lb.inputs.securityGroups));
}

// ---------------------------------------------------------------------------------------------
// Security group ingress, in its three shapes: vpc.SecurityGroupIngressRule, ec2.SecurityGroupRule
// (type "ingress") and inline `ingress` blocks of ec2.SecurityGroup.

interface Ingress {
    /** Where the rule is, for messages. */
    readonly where: string;
    readonly protocol: string;
    readonly fromPort?: number;
    readonly toPort?: number;
    readonly cidrs: string[];
    readonly prefixLists: string[];
    readonly sourceGroups: string[];
    readonly self: boolean;
}

function ingresses(r: PolicyResource): Ingress[] {
    const i = r.inputs;
    if (r.type === TYPES.ingressRule) {
        return [
            {
                where: "this rule",
                protocol: String(i.ipProtocol ?? ""),
                fromPort: num(i.fromPort),
                toPort: num(i.toPort),
                cidrs: [...strings(i.cidrIpv4), ...strings(i.cidrIpv6)],
                prefixLists: strings(i.prefixListId),
                sourceGroups: strings(i.referencedSecurityGroupId),
                self: false,
            },
        ];
    }
    if (r.type === TYPES.securityGroupRule) {
        if (i.type !== "ingress") return [];
        return [
            {
                where: "this rule",
                protocol: String(i.protocol ?? ""),
                fromPort: num(i.fromPort),
                toPort: num(i.toPort),
                cidrs: [...strings(i.cidrBlocks), ...strings(i.ipv6CidrBlocks)],
                prefixLists: strings(i.prefixListIds),
                sourceGroups: strings(i.sourceSecurityGroupId),
                self: i.self === true,
            },
        ];
    }
    if (r.type === TYPES.securityGroup) {
        return list(i.ingress)
            .filter(isObj)
            .map((e, n) => ({
                where: `ingress[${n}]`,
                protocol: String(e.protocol ?? ""),
                fromPort: num(e.fromPort),
                toPort: num(e.toPort),
                cidrs: [...strings(e.cidrBlocks), ...strings(e.ipv6CidrBlocks)],
                prefixLists: strings(e.prefixListIds),
                sourceGroups: strings(e.securityGroups),
                self: e.self === true,
            }));
    }
    return [];
}

/** The security group an ingress resource adds to (as an input value); for inline rules, none. */
function ingressTarget(r: PolicyResource): string | undefined {
    return r.type === TYPES.securityGroup ? undefined : str(r.inputs.securityGroupId);
}

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];
const AUTHORIZED_OPEN_PORTS = [80, 443];

function portRange(g: Ingress): string {
    if (g.protocol === "-1" || g.protocol.toLowerCase() === "all") return "all protocols and ports";
    return g.fromPort === g.toPort ? `${g.protocol} port ${g.fromPort}` : `${g.protocol} ports ${g.fromPort}-${g.toPort}`;
}

// ---------------------------------------------------------------------------------------------
// IAM policy documents.

interface Statement {
    readonly Effect?: unknown;
    readonly Action?: unknown;
    readonly NotAction?: unknown;
    readonly Resource?: unknown;
    readonly Sid?: unknown;
    /** Resource policies only (S3 bucket policies). */
    readonly Principal?: unknown;
    readonly Condition?: unknown;
}

/** Each policy document of an IAM resource (or a bucket's `policy`), with a label for messages. */
function policyDocuments(r: PolicyResource): { label: string; statements: Statement[] }[] {
    const docs: { label: string; doc: unknown }[] =
        r.type === TYPES.role
            ? list(r.inputs.inlinePolicies)
                  .filter(isObj)
                  .map((p, i) => ({ label: `inlinePolicies[${i}]${p.name ? ` (${q(String(p.name))})` : ""}`, doc: parseJson(p.policy) }))
            : [{ label: "policy", doc: parseJson(r.inputs.policy) }];
    return docs.map(({ label, doc }) => {
        const s = obj(doc).Statement;
        return { label, statements: (Array.isArray(s) ? s : [s]).filter(isObj) as Statement[] };
    });
}

function statementLabel(s: Statement, i: number): string {
    return typeof s.Sid === "string" ? `statement ${q(s.Sid)}` : `statement #${i}`;
}

function isAllow(s: Statement): boolean {
    return s.Effect === "Allow";
}

// ---------------------------------------------------------------------------------------------
// RDS instances and S3 buckets.

/** An input for messages: its value as JSON, or "not set" with what AWS takes then. */
function setting(v: unknown, unset: string): string {
    return v === undefined || v === null ? `not set (${unset})` : JSON.stringify(v);
}

/** Whether `sg` is a security group of an RDS instance (named in its `vpcSecurityGroupIds`). */
function isDatabaseSecurityGroup(sg: PolicyResource, stack: StackView): boolean {
    return ofType(stack, TYPES.dbInstance).some((db) => refersTo(db, "vpcSecurityGroupIds", sg));
}

/** Security group ids (as input values) of RDS instances. */
function databaseSecurityGroupIds(stack: StackView): string[] {
    return ofType(stack, TYPES.dbInstance).flatMap((db) => strings(db.inputs.vpcSecurityGroupIds));
}

/** Whether a bucket-level resource (public access block, encryption, policy) is for `bucket`: by reference, or by the bucket's name. */
function forBucket(x: PolicyResource, bucket: PolicyResource): boolean {
    const name = str(bucket.inputs.bucket);
    return refersTo(x, "bucket", bucket) || (name !== undefined && x.inputs.bucket === name);
}

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"] as const;

/** Whether an encryption rule (inline or in a configuration resource) sets a default algorithm. */
function setsDefaultEncryption(rule: unknown): boolean {
    return !!str(obj(obj(rule).applyServerSideEncryptionByDefault).sseAlgorithm);
}

/** Whether a policy principal is everyone: `"*"` or `{ AWS: "*" }`. */
function isEveryone(principal: unknown): boolean {
    return principal === "*" || strings(obj(principal).AWS).includes("*");
}

/** The ranges of a statement's `IpAddress` condition on `aws:SourceIp` (keys are case-insensitive); undefined without one. */
function sourceIpRanges(s: Statement): string[] | undefined {
    for (const [operator, block] of Object.entries(obj(s.Condition))) {
        if (operator.toLowerCase() !== "ipaddress") continue;
        for (const [key, value] of Object.entries(obj(block))) if (key.toLowerCase() === "aws:sourceip") return strings(value);
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// The rules.

const ecsTaskNoHostNetwork: Rule = {
    name: "ecs-task-no-host-network",
    description: "ECS task definitions do not use the host network mode, which shares the host's network stack with the containers.",
    enforcementLevel: "mandatory",
    control: "ECS.17",
    resourceTypes: [TYPES.taskDefinition],
    check: (r) => (r.inputs.networkMode === "host" ? [`${r.name}: networkMode is "host"; use "awsvpc" (required on Fargate).`] : []),
};

const ecsTaskNoHostPid: Rule = {
    name: "ecs-task-no-host-pid",
    description: "ECS task definitions do not share the host's process namespace with their containers.",
    enforcementLevel: "mandatory",
    control: "ECS.3",
    resourceTypes: [TYPES.taskDefinition],
    check: (r) => (r.inputs.pidMode === "host" ? [`${r.name}: pidMode is "host"; remove it, or use "task" to share processes only within the task.`] : []),
};

const ecsContainerNotPrivileged: Rule = {
    name: "ecs-container-not-privileged",
    description: "ECS containers do not run privileged (root on the host).",
    enforcementLevel: "mandatory",
    control: "ECS.4",
    resourceTypes: [TYPES.taskDefinition],
    check: (r) =>
        eachContainer(r, (c, label) =>
            c.privileged === true ? `${r.name}: container ${label} sets privileged: true; remove it and grant single Linux capabilities if needed.` : undefined,
        ),
};

const ecsContainerNotRoot: Rule = {
    name: "ecs-container-not-root",
    description: "ECS containers that name a user do not name root (user root or UID 0).",
    enforcementLevel: "mandatory",
    control: "ECS.20",
    resourceTypes: [TYPES.taskDefinition],
    check: (r) =>
        eachContainer(r, (c, label) =>
            typeof c.user === "string" && ROOT_USER.test(c.user)
                ? `${r.name}: container ${label} sets user ${q(c.user)}, which is root; use a non-root user such as "1000".`
                : undefined,
        ),
};

const ecsContainerUserSet: Rule = {
    name: "ecs-container-user-set",
    description:
        "Linux containers name their user in the task definition. Security Hub's ECS.20 fails a container without `user` even when the image's USER is non-root, since it cannot see the image.",
    enforcementLevel: "mandatory",
    control: "ECS.20",
    resourceTypes: [TYPES.taskDefinition],
    check: (r) => {
        if (str(obj(r.inputs.runtimePlatform).operatingSystemFamily)?.startsWith("WINDOWS")) return [];
        return eachContainer(r, (c, label) =>
            c.user === undefined || c.user === ""
                ? `${r.name}: container ${label} sets no user, so it runs as the image's USER, which Security Hub cannot see; set user to the image's non-root user (e.g. "1000").`
                : undefined,
        );
    },
};

const ecsContainerReadOnlyRoot: Rule = {
    name: "ecs-container-read-only-root",
    description: "ECS containers have a read-only root filesystem (writable scratch space goes on a volume).",
    enforcementLevel: "mandatory",
    control: "ECS.5",
    resourceTypes: [TYPES.taskDefinition],
    check: (r) =>
        eachContainer(r, (c, label) =>
            c.readonlyRootFilesystem !== true
                ? `${r.name}: container ${label} does not set readonlyRootFilesystem: true; set it and mount a volume for paths the app writes (e.g. /tmp).`
                : undefined,
        ),
};

const ecsNoAwsCredentialsInEnvironment: Rule = {
    name: "ecs-no-aws-credentials-in-environment",
    description: `Container environments do not set ${ECS8_NAMES.join(", ")}; credentials come from the task role or from secrets.`,
    enforcementLevel: "mandatory",
    control: "ECS.8",
    resourceTypes: [TYPES.taskDefinition],
    check: (r) =>
        containers(r).flatMap((c, i) =>
            environment(c)
                .filter((e) => (ECS8_NAMES as readonly string[]).includes(e.name))
                .map(
                    (e) =>
                        `${r.name}: container ${containerName(c, i)} sets ${e.name} in plain environment; use the task role for AWS access, or pass it under secrets with valueFrom.`,
                ),
        ),
};

const ecsContainerLogging: Rule = {
    name: "ecs-container-logging",
    description: "ECS containers have a logging configuration (a log driver).",
    enforcementLevel: "mandatory",
    control: "ECS.9",
    resourceTypes: [TYPES.taskDefinition],
    check: (r) =>
        eachContainer(r, (c, label) =>
            !c.logConfiguration?.logDriver
                ? `${r.name}: container ${label} has no logConfiguration.logDriver; send its logs to CloudWatch with "awslogs".`
                : undefined,
        ),
};

const ecsNoSecretInPlainEnvironment: Rule = {
    name: "ecs-no-secret-in-plain-environment",
    description:
        "No secret reaches a container as a plain environment entry: no variable whose name suggests a secret (PASSWORD, PASSWD, SECRET, TOKEN, PRIVATE_KEY, API_KEY, ACCESS_KEY, CREDENTIAL, DSN), no value that looks like a credential, and no Pulumi secret inside containerDefinitions (ECS stores task definitions unencrypted).",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.taskDefinition],
    check: (r) => {
        const out: string[] = [];
        if (r.secretPaths?.includes("containerDefinitions")) {
            out.push(`${r.name}: containerDefinitions contains a Pulumi secret, which ECS would store in plain text; pass it under secrets with valueFrom.`);
        }
        containers(r).forEach((c, i) => {
            for (const e of environment(c)) {
                // ECS.8's own names are reported by ecs-no-aws-credentials-in-environment.
                if ((ECS8_NAMES as readonly string[]).includes(e.name)) continue;
                const kind = credentialKind(e.value);
                // A Secrets Manager or SSM ARN says where a secret is (the container reads it with its
                // role), not what it is: the database's rotating password reaches it so.
                if (!kind && SECRET_REFERENCE.test(e.value)) continue;
                if (SECRET_NAME.test(e.name) || kind) {
                    const why = kind ? `its value looks like ${kind}` : "its name suggests a secret";
                    out.push(
                        `${r.name}: container ${containerName(c, i)} sets ${e.name} in plain environment and ${why}; set it with pulumi config set --secret --path 'secrets.<service>.${e.name}' so it reaches the container by valueFrom.`,
                    );
                }
            }
        });
        return out;
    },
};

const ecsServiceNoPublicIp: Rule = {
    name: "ecs-service-no-public-ip",
    description:
        "ECS services and task sets do not assign public IPs to their tasks (ECS.2; ECS.16 for task sets). Advisory: the alpha stack runs tasks in public subnets with public IPs because it has no NAT gateway.",
    enforcementLevel: "advisory",
    control: "ECS.2",
    resourceTypes: [TYPES.service, TYPES.taskSet],
    check: (r) =>
        assignsPublicIp(r)
            ? [`${r.name}: networkConfiguration.assignPublicIp is true; run tasks in private subnets with a NAT gateway and set it to false.`]
            : [],
};

const noPublicIpsInLive: Rule = {
    name: "no-public-ips-in-live",
    description: "In the live stack, no ECS task gets a public IP (networkConfiguration.assignPublicIp is false).",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.service, TYPES.taskSet],
    check: (r, stack) =>
        stack.env === "live" && assignsPublicIp(r)
            ? [`${r.name}: networkConfiguration.assignPublicIp is true in live; live tasks run in private subnets (taskSubnets: private) without public IPs.`]
            : [],
};

const ecsServiceCircuitBreaker: Rule = {
    name: "ecs-service-circuit-breaker-rollback",
    description:
        "ECS services use the ECS deployment controller and roll a failed deployment back by themselves: rolling deployments with the circuit breaker and rollback enabled; blue/green, linear and canary (which have no circuit breaker) with deployment alarms and rollback.",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.service],
    check: (r) => {
        const controller = str(obj(r.inputs.deploymentController).type) ?? "ECS";
        if (controller !== "ECS") {
            return [
                `${r.name}: deploymentController.type is ${q(controller)}, which has no deployment circuit breaker; use the ECS controller (deploymentConfiguration.strategy for blue/green).`,
            ];
        }
        const strategy = str(obj(r.inputs.deploymentConfiguration).strategy) ?? "ROLLING";
        if (strategy !== "ROLLING") {
            const alarms = obj(r.inputs.alarms);
            if (alarms.enable === true && alarms.rollback === true && strings(alarms.alarmNames).length > 0) return [];
            return [
                `${r.name}: a ${strategy} deployment has no circuit breaker, so it needs deployment alarms that roll back: alarms { alarmNames: [...], enable: true, rollback: true }, got ${JSON.stringify(r.inputs.alarms ?? null)}.`,
            ];
        }
        const cb = obj(r.inputs.deploymentCircuitBreaker);
        if (cb.enable === true && cb.rollback === true) return [];
        return [
            `${r.name}: deploymentCircuitBreaker must be { enable: true, rollback: true }, got ${JSON.stringify(r.inputs.deploymentCircuitBreaker ?? null)}.`,
        ];
    },
};

const ecsFargateLatestPlatform: Rule = {
    name: "ecs-fargate-latest-platform",
    description:
        "Fargate services run on the latest platform version: platformVersion unset or LATEST (or 1.4.0, the latest Linux version when this was written).",
    enforcementLevel: "advisory",
    control: "ECS.10",
    resourceTypes: [TYPES.service],
    check: (r) => {
        const fargate =
            r.inputs.launchType === "FARGATE" ||
            list(r.inputs.capacityProviderStrategies).some((s) => String(obj(s).capacityProvider ?? "").startsWith("FARGATE"));
        const v = str(r.inputs.platformVersion);
        if (!fargate || v === undefined || v === "LATEST" || v === "1.4.0") return [];
        return [`${r.name}: platformVersion is ${q(v)}; use "LATEST" so tasks get Fargate's security patches.`];
    },
};

const ecsClusterContainerInsights: Rule = {
    name: "ecs-cluster-container-insights",
    description: "ECS clusters have Container Insights enabled (settings containerInsights: enabled or enhanced).",
    enforcementLevel: "mandatory",
    control: "ECS.12",
    resourceTypes: [TYPES.cluster],
    check: (r) => {
        const setting = list(r.inputs.settings).find((s) => obj(s).name === "containerInsights");
        const value = str(obj(setting).value);
        return value === "enabled" || value === "enhanced"
            ? []
            : [`${r.name}: settings containerInsights is ${value ? q(value) : "not set"}; add { name: "containerInsights", value: "enabled" }.`];
    },
};

const ecsTasksIngressFromLoadBalancerOnly: Rule = {
    name: "ecs-tasks-ingress-from-load-balancer-only",
    description:
        "Security groups of ECS tasks admit traffic only from a load balancer's security group or another ECS service's task security group (a caller of an internal service, by referencedSecurityGroupId), never from CIDR blocks, prefix lists or themselves.",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.ingressRule, TYPES.securityGroupRule, TYPES.securityGroup],
    scope: "stack",
    check: (r, stack) => {
        const target = ingressTarget(r);
        const onTaskGroup =
            r.type === TYPES.securityGroup ? isTaskSecurityGroup(r, stack) : target !== undefined && taskSecurityGroupIds(stack).includes(target);
        if (!onTaskGroup) return [];
        // A load balancer's, or another service's tasks (a declared caller through Service Connect).
        const allowed = [...loadBalancerSecurityGroupIds(stack), ...taskSecurityGroupIds(stack).filter((id) => id !== target)];
        const out: string[] = [];
        for (const g of ingresses(r)) {
            const sources = [...g.cidrs.map((c) => `CIDR ${c}`), ...g.prefixLists.map((p) => `prefix list ${p}`), ...(g.self ? ["itself (self)"] : [])];
            if (sources.length > 0) {
                out.push(
                    `${r.name}: ${g.where} admits ${sources.join(", ")} to a task security group; admit only the load balancer's security group with referencedSecurityGroupId.`,
                );
            } else if (g.sourceGroups.length === 0) {
                out.push(
                    `${r.name}: ${g.where} on a task security group names no source; set referencedSecurityGroupId to the load balancer's security group.`,
                );
            } else if (allowed.length > 0) {
                for (const s of g.sourceGroups.filter((s) => !allowed.includes(s))) {
                    out.push(
                        `${r.name}: ${g.where} admits security group ${s} to a task security group, which is neither a load balancer's nor another service's tasks'; admit only those.`,
                    );
                }
            }
        }
        return out;
    },
};

function isApplication(r: PolicyResource): boolean {
    return (str(r.inputs.loadBalancerType) ?? "application") === "application";
}

const elbHttpRedirectsToHttps: Rule = {
    name: "elb-http-redirects-to-https",
    description:
        "HTTP listeners of application load balancers redirect every request to HTTPS and forward nothing, whatever their port: the blue/green test listener serves HTTPS too.",
    enforcementLevel: "mandatory",
    control: "ELB.1",
    resourceTypes: LISTENERS,
    scope: "resource",
    check: (r) => {
        if (r.inputs.protocol !== "HTTP") return [];
        const actions = list(r.inputs.defaultActions).map(obj);
        const redirects = actions.some((a) => a.type === "redirect" && obj(a.redirect).protocol === "HTTPS");
        const others = actions.filter((a) => a.type !== "redirect").map((a) => String(a.type));
        if (redirects && others.length === 0) return [];
        return [
            `${r.name}: HTTP listener on port ${String(r.inputs.port ?? "?")} ${others.length > 0 ? `has ${others.join(", ")} default actions` : "does not redirect"}; make its only default action a redirect with protocol "HTTPS".`,
        ];
    },
};

const elbDropInvalidHeaders: Rule = {
    name: "elb-drop-invalid-headers",
    description: "Application load balancers drop HTTP headers with invalid fields (dropInvalidHeaderFields), against request smuggling.",
    enforcementLevel: "mandatory",
    control: "ELB.4",
    resourceTypes: LOAD_BALANCERS,
    check: (r) =>
        isApplication(r) && r.inputs.dropInvalidHeaderFields !== true
            ? [`${r.name}: dropInvalidHeaderFields is not true; set dropInvalidHeaderFields: true.`]
            : [],
};

const elbAccessLogs: Rule = {
    name: "elb-access-logs",
    description: "Application load balancers write access logs to S3 (accessLogs.enabled with a bucket).",
    enforcementLevel: "advisory",
    control: "ELB.5",
    resourceTypes: LOAD_BALANCERS,
    check: (r) => {
        const logs = obj(r.inputs.accessLogs);
        return isApplication(r) && !(logs.enabled === true && str(logs.bucket))
            ? [`${r.name}: accessLogs is not enabled; set accessLogs { bucket, enabled: true } to keep a record of requests.`]
            : [];
    },
};

const elbAccessLogsInLive: Rule = {
    name: "elb-access-logs-in-live",
    description: "In the live stack, application load balancers write access logs to S3 (accessLogs: true, on by default in the production tier).",
    enforcementLevel: "mandatory",
    control: "ELB.5",
    resourceTypes: LOAD_BALANCERS,
    check: (r, stack) => (stack.env === "live" ? elbAccessLogs.check(r, stack).map((m) => `${m} (live: set accessLogs: true)`) : []),
};

/** Whether a BucketLogging resource logs `bucket`'s requests. */
function hasServerAccessLogging(bucket: PolicyResource, stack: StackView): boolean {
    return ofType(stack, TYPES.bucketLogging).some((l) => refersTo(l, "bucket", bucket) && str(l.inputs.targetBucket) !== undefined);
}

/** A bucket other buckets or load balancers deliver logs to: logging it into itself (or a third bucket) only repeats the record. */
function isLogTarget(bucket: PolicyResource, stack: StackView): boolean {
    const name = str(bucket.inputs.bucket);
    return (
        ofType(stack, TYPES.bucketLogging).some((l) => str(l.inputs.targetBucket) === name || refersTo(l, "targetBucket", bucket)) ||
        stack.resources.some((r) => (LOAD_BALANCERS as readonly string[]).includes(r.type) && str(obj(r.inputs.accessLogs).bucket) === name)
    );
}

const s3ServerAccessLoggingInLive: Rule = {
    name: "s3-server-access-logging-in-live",
    description:
        "In the live stack, every bucket but the log bucket logs its requests (server access logging, a BucketLogging resource); the bootstrap's state bucket does too.",
    enforcementLevel: "mandatory",
    control: "S3.9",
    resourceTypes: [TYPES.bucket],
    scope: "stack",
    check: (r, stack) =>
        (stack.env === "live" || stack.env === "shared") && !isLogTarget(r, stack) && !hasServerAccessLogging(r, stack)
            ? [`${r.name}: the bucket logs no requests; give it an aws.s3.BucketLogging to the environment's log bucket (accessLogs: true).`]
            : [],
};

const elbDeletionProtection: Rule = {
    name: "elb-deletion-protection",
    description: "Load balancers have deletion protection (enableDeletionProtection). Advisory: only live sets protect; the other stacks are torn down freely.",
    enforcementLevel: "advisory",
    control: "ELB.6",
    resourceTypes: LOAD_BALANCERS,
    check: (r) =>
        r.inputs.enableDeletionProtection !== true ? [`${r.name}: enableDeletionProtection is not true; set it (protect: true in the stack file).`] : [],
};

const elbDesyncMitigation: Rule = {
    name: "elb-desync-mitigation",
    description: "Application load balancers use the defensive (default) or strictest HTTP desync mitigation mode, never monitor.",
    enforcementLevel: "mandatory",
    control: "ELB.12",
    resourceTypes: LOAD_BALANCERS,
    check: (r) => {
        const mode = str(r.inputs.desyncMitigationMode);
        return isApplication(r) && mode !== undefined && mode !== "defensive" && mode !== "strictest"
            ? [`${r.name}: desyncMitigationMode is ${q(mode)}; use "defensive" or "strictest".`]
            : [];
    },
};

const elbMultiAz: Rule = {
    name: "elb-multi-az",
    description: "Load balancers span at least two availability zones (two or more subnets).",
    enforcementLevel: "mandatory",
    control: "ELB.13",
    resourceTypes: LOAD_BALANCERS,
    check: (r) => {
        const n = list(r.inputs.subnets).length + list(r.inputs.subnetMappings).length;
        return n < 2 ? [`${r.name}: subnets name ${n} subnet(s); give the load balancer subnets in at least two availability zones.`] : [];
    },
};

const elbRecommendedTlsPolicy: Rule = {
    name: "elb-recommended-tls-policy",
    description:
        "HTTPS and TLS listeners use a recommended TLS 1.3 security policy (e.g. ELBSecurityPolicy-TLS13-1-2-2021-06); without sslPolicy AWS applies ELBSecurityPolicy-2016-08, which accepts TLS 1.0.",
    enforcementLevel: "mandatory",
    control: "ELB.17",
    resourceTypes: LISTENERS,
    check: (r) => {
        const protocol = str(r.inputs.protocol);
        if (protocol !== "HTTPS" && protocol !== "TLS") return [];
        const policy = str(r.inputs.sslPolicy);
        if (policy && RECOMMENDED_TLS_POLICY.test(policy)) return [];
        return [
            `${r.name}: ${protocol} listener sslPolicy is ${policy ? q(policy) : "not set (AWS default ELBSecurityPolicy-2016-08)"}; use "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
        ];
    },
};

const vpcDefaultSecurityGroupClosed: Rule = {
    name: "vpc-default-sg-closed",
    description:
        "Each VPC's default security group admits and sends nothing: the program adopts it with aws.ec2.DefaultSecurityGroup and no rules, which removes AWS's default rules.",
    enforcementLevel: "mandatory",
    control: "EC2.2",
    resourceTypes: [TYPES.vpc, TYPES.defaultSecurityGroup],
    scope: "stack",
    check: (r, stack) => {
        if (r.type === TYPES.defaultSecurityGroup) {
            const ingress = list(r.inputs.ingress).length;
            const egress = list(r.inputs.egress).length;
            return ingress + egress > 0 ? [`${r.name}: the default security group has ${ingress} ingress and ${egress} egress rule(s); remove them all.`] : [];
        }
        const adopted = ofType(stack, TYPES.defaultSecurityGroup).some((d) => refersTo(d, "vpcId", r));
        return adopted
            ? []
            : [
                  `${r.name}: the VPC's default security group keeps AWS's rules (all traffic between members, all outbound); adopt it with an aws.ec2.DefaultSecurityGroup for this VPC and no rules.`,
              ];
    },
};

function hasFlowLog(vpc: PolicyResource, stack: StackView): boolean {
    return ofType(stack, TYPES.flowLog).some((f) => {
        const traffic = str(f.inputs.trafficType);
        return refersTo(f, "vpcId", vpc) && (traffic === "ALL" || traffic === "REJECT");
    });
}

const vpcFlowLogs: Rule = {
    name: "vpc-flow-logs",
    description:
        "VPCs record flow logs of at least rejected traffic (trafficType ALL or REJECT). Advisory: only live turns flow logs on by default (see vpc-flow-logs-in-live).",
    enforcementLevel: "advisory",
    control: "EC2.6",
    resourceTypes: [TYPES.vpc],
    scope: "stack",
    check: (r, stack) =>
        hasFlowLog(r, stack) ? [] : [`${r.name}: the VPC has no flow log with trafficType ALL or REJECT; set flowLogs: true in the stack file.`],
};

const vpcFlowLogsInLive: Rule = {
    name: "vpc-flow-logs-in-live",
    description: "In the live stack, every VPC records flow logs (trafficType ALL or REJECT).",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.vpc],
    scope: "stack",
    check: (r, stack) =>
        stack.env === "live" && !hasFlowLog(r, stack) ? [`${r.name}: the live VPC has no flow log with trafficType ALL or REJECT; set flowLogs: true.`] : [],
};

const subnetNoAutoPublicIp: Rule = {
    name: "subnet-no-auto-public-ip",
    description: "Subnets do not give every instance launched in them a public IP (mapPublicIpOnLaunch).",
    enforcementLevel: "mandatory",
    control: "EC2.15",
    resourceTypes: [TYPES.subnet],
    check: (r) =>
        r.inputs.mapPublicIpOnLaunch === true ? [`${r.name}: mapPublicIpOnLaunch is true; set it to false and let what needs a public IP ask for one.`] : [],
};

const securityGroupOpenOnlyOnWebPorts: Rule = {
    name: "sg-open-ingress-web-ports-only",
    description:
        "Security groups admit traffic from anywhere (0.0.0.0/0, ::/0) only on TCP 80 and 443. This also keeps EC2.19's high-risk ports (22, 3389, databases, ...) closed to the internet.",
    enforcementLevel: "mandatory",
    control: "EC2.18",
    resourceTypes: [TYPES.ingressRule, TYPES.securityGroupRule, TYPES.securityGroup],
    check: (r) =>
        ingresses(r).flatMap((g) => {
            const open = g.cidrs.filter((c) => OPEN_CIDRS.includes(c));
            if (open.length === 0) return [];
            const authorized = g.protocol === "tcp" && g.fromPort !== undefined && g.fromPort === g.toPort && AUTHORIZED_OPEN_PORTS.includes(g.fromPort);
            return authorized ? [] : [`${r.name}: ${g.where} admits ${portRange(g)} from ${open.join(", ")}; only TCP 80 and 443 may be open to the internet.`];
        }),
};

const logGroupRetention: Rule = {
    name: "log-group-retention-set",
    description:
        "CloudWatch log groups keep logs for a set number of days (retentionInDays), not forever. (Security Hub's CloudWatch.16, outside FSBP, also asks for at least 365 days; we do not.)",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.logGroup],
    check: (r) => {
        const days = num(r.inputs.retentionInDays);
        return days !== undefined && days > 0 ? [] : [`${r.name}: retentionInDays is not set, so logs are kept (and billed) forever; set logRetentionDays.`];
    },
};

const iamNoFullAdmin: Rule = {
    name: "iam-no-full-admin",
    description: 'IAM policies do not allow "*" (or "*:*") actions on "*" resources, nor NotAction on "*": full administrative access.',
    enforcementLevel: "mandatory",
    control: "IAM.1",
    resourceTypes: IAM_POLICIES,
    check: (r) =>
        policyDocuments(r).flatMap(({ label, statements }) =>
            statements.flatMap((s, i) => {
                if (!isAllow(s) || !strings(s.Resource).includes("*")) return [];
                const admin = strings(s.Action).some((a) => a === "*" || a === "*:*");
                if (admin) return [`${r.name}: ${label} ${statementLabel(s, i)} allows every action on every resource; grant only the actions the role needs.`];
                if (s.NotAction !== undefined)
                    return [`${r.name}: ${label} ${statementLabel(s, i)} allows everything but NotAction on "*"; list the actions instead.`];
                return [];
            }),
        ),
};

function isFullAdmin(s: Statement): boolean {
    return isAllow(s) && strings(s.Resource).includes("*") && (strings(s.Action).some((a) => a === "*" || a === "*:*") || s.NotAction !== undefined);
}

const iamNoWildcards: Rule = {
    name: "iam-no-wildcards",
    description: `IAM policies allow no wildcard actions ("s3:*", "*") and no Resource "*" except for actions that have no resource-level permissions (${NO_RESOURCE_LEVEL_ACTIONS.slice(0, 2).join(", ")}, ...).`,
    enforcementLevel: "mandatory",
    control: "IAM.21",
    resourceTypes: IAM_POLICIES,
    check: (r) =>
        policyDocuments(r).flatMap(({ label, statements }) =>
            statements.flatMap((s, i) => {
                // Full admin is iam-no-full-admin's finding; one finding per statement is enough.
                if (!isAllow(s) || isFullAdmin(s)) return [];
                const out: string[] = [];
                const actions = strings(s.Action);
                const wild = actions.filter((a) => a === "*" || a.endsWith(":*"));
                if (wild.length > 0) out.push(`${r.name}: ${label} ${statementLabel(s, i)} allows wildcard action(s) ${wild.join(", ")}; list the actions.`);
                if (strings(s.Resource).includes("*")) {
                    const allowed = NO_RESOURCE_LEVEL_ACTIONS.map((a) => a.toLowerCase());
                    const scoped = actions.filter((a) => !wild.includes(a) && !allowed.includes(a.toLowerCase()));
                    if (scoped.length > 0) {
                        out.push(`${r.name}: ${label} ${statementLabel(s, i)} allows ${scoped.join(", ")} on Resource "*"; name the resources' ARNs.`);
                    }
                }
                return out;
            }),
        ),
};

const ssmSecretIsSecureString: Rule = {
    name: "ssm-secret-is-securestring",
    description:
        "SSM parameters that hold a secret (a Pulumi secret value, a name that suggests one, or a credential-looking value) are SecureString, encrypted with KMS.",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.parameter],
    check: (r) => {
        if (r.inputs.type === "SecureString") return [];
        const name = str(r.inputs.name) ?? r.name;
        const leaf = name.slice(name.lastIndexOf("/") + 1);
        const value = str(r.inputs.value) ?? str(r.inputs.insecureValue) ?? "";
        const why = r.secretPaths?.includes("value")
            ? "its value is a Pulumi secret"
            : SECRET_NAME.test(leaf)
              ? `its name ${q(name)} suggests a secret`
              : credentialKind(value)
                ? `its value looks like ${credentialKind(value)}`
                : undefined;
        return why ? [`${r.name}: type is ${q(String(r.inputs.type))} but ${why}; use type "SecureString".`] : [];
    },
};

const ecrScanOnPush: Rule = {
    name: "ecr-scan-on-push",
    description:
        "ECR repositories scan images on push (imageScanningConfiguration.scanOnPush), unless the stack configures registry-level scanning (its repository filters are not evaluated).",
    enforcementLevel: "mandatory",
    control: "ECR.1",
    resourceTypes: [TYPES.ecrRepository],
    scope: "stack",
    check: (r, stack) => {
        if (obj(r.inputs.imageScanningConfiguration).scanOnPush === true) return [];
        const registryScanning = ofType(stack, TYPES.ecrRegistryScanning).some((c) => c.inputs.scanType === "ENHANCED" || list(c.inputs.rules).length > 0);
        return registryScanning ? [] : [`${r.name}: imageScanningConfiguration.scanOnPush is not true; set it so every pushed image is scanned.`];
    },
};

const ecrTagImmutability: Rule = {
    name: "ecr-tag-immutability",
    description: "ECR repositories have immutable tags (imageTagMutability IMMUTABLE or IMMUTABLE_WITH_EXCLUSION), so a tag always names the same image.",
    enforcementLevel: "mandatory",
    control: "ECR.2",
    resourceTypes: [TYPES.ecrRepository],
    check: (r) => {
        const m = str(r.inputs.imageTagMutability) ?? "MUTABLE";
        return m === "IMMUTABLE" || m === "IMMUTABLE_WITH_EXCLUSION" ? [] : [`${r.name}: imageTagMutability is ${q(m)}; set it to "IMMUTABLE".`];
    },
};

const ecrLifecyclePolicy: Rule = {
    name: "ecr-lifecycle-policy",
    description: "ECR repositories have a lifecycle policy (aws.ecr.LifecyclePolicy) that expires old images.",
    enforcementLevel: "mandatory",
    control: "ECR.3",
    resourceTypes: [TYPES.ecrRepository],
    scope: "stack",
    check: (r, stack) => {
        const name = str(r.inputs.name);
        const has = ofType(stack, TYPES.ecrLifecyclePolicy).some((p) => refersTo(p, "repository", r) || (name !== undefined && p.inputs.repository === name));
        return has ? [] : [`${r.name}: the repository has no lifecycle policy; add an aws.ecr.LifecyclePolicy that expires untagged and old images.`];
    },
};

const snsTopicKms: Rule = {
    name: "sns-topic-kms-encrypted",
    description: "SNS topics are encrypted at rest with KMS (kmsMasterKeyId).",
    enforcementLevel: "mandatory",
    control: "SNS.1",
    resourceTypes: [TYPES.topic],
    check: (r) => (str(r.inputs.kmsMasterKeyId) ? [] : [`${r.name}: kmsMasterKeyId is not set; set it (e.g. "alias/aws/sns") to encrypt messages at rest.`]),
};

const sqsQueueEncrypted: Rule = {
    name: "sqs-queue-encrypted",
    description: "SQS queues are encrypted at rest: SQS-managed (sqsManagedSseEnabled) or with a KMS key (kmsMasterKeyId).",
    enforcementLevel: "mandatory",
    control: "SQS.1",
    resourceTypes: [TYPES.queue],
    check: (r) =>
        r.inputs.sqsManagedSseEnabled === true || str(r.inputs.kmsMasterKeyId)
            ? []
            : [
                  `${r.name}: neither sqsManagedSseEnabled: true nor kmsMasterKeyId is set; set sqsManagedSseEnabled: true (SNS can deliver to it without a key grant).`,
              ],
};

const sqsWorkerQueueDeadLetters: Rule = {
    name: "sqs-worker-queue-dead-letter",
    description:
        "A queue that topics deliver to (a worker's) has a dead-letter queue: a redrivePolicy with a deadLetterTargetArn and a maxReceiveCount, so a message that keeps failing stops being retried and waits for a person.",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.queue],
    scope: "stack",
    check: (r, stack) => {
        const fed = ofType(stack, TYPES.topicSubscription).some((sub) => str(sub.inputs.protocol) === "sqs" && refersTo(sub, "endpoint", r));
        if (!fed) return [];
        const redrive = obj(parseJson(r.inputs.redrivePolicy));
        if (str(redrive.deadLetterTargetArn) && typeof num(redrive.maxReceiveCount) === "number") return [];
        return [`${r.name}: topics deliver to it but it has no redrivePolicy { deadLetterTargetArn, maxReceiveCount }; give it a dead-letter queue.`];
    },
};

/** Condition keys that tie a grant to a wildcard principal to a source: an account, a resource, an organization, an endpoint. */
const SOURCE_KEYS = ["aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:principalorgid", "aws:principalaccount", "aws:sourcevpce", "aws:sourcevpc"];

const queueAndTopicPolicyNoOpenPrincipal: Rule = {
    name: "queue-topic-policy-no-open-principal",
    description:
        'SQS queue and SNS topic policies grant nothing to a wildcard principal ("*", { AWS: "*" }) without a condition on its source (aws:SourceArn, aws:SourceAccount, aws:SourceOwner, aws:PrincipalOrgID, ...); stricter than Security Hub SQS.3 and SNS.4, which this covers.',
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.queuePolicy, TYPES.topicPolicy],
    check: (r) => {
        const statements = list(obj(parseJson(r.inputs.policy)).Statement).filter(isObj);
        return statements
            .filter((st) => st.Effect === "Allow")
            .filter((st) => {
                const p = st.Principal;
                return p === "*" || strings(obj(p).AWS).includes("*");
            })
            .filter((st) => {
                const keys = Object.values(obj(st.Condition)).flatMap((kv) => Object.keys(obj(kv)).map((k) => k.toLowerCase()));
                return !keys.some((k) => SOURCE_KEYS.includes(k));
            })
            .map(
                (st) =>
                    `${r.name}: statement ${q(str(st.Sid) ?? "(no Sid)")} allows a wildcard principal without a source condition; add aws:SourceArn or aws:SourceAccount.`,
            );
    },
};

const lambdaNoPublicAccess: Rule = {
    name: "lambda-no-public-access",
    description:
        'Lambda permissions do not let anyone invoke a function: no principal "*" without a source condition, and no service principal without sourceArn or sourceAccount.',
    enforcementLevel: "mandatory",
    control: "Lambda.1",
    resourceTypes: [TYPES.lambdaPermission],
    check: (r) => {
        const principal = str(r.inputs.principal) ?? "";
        const scoped = !!(str(r.inputs.sourceArn) || str(r.inputs.sourceAccount) || str(r.inputs.principalOrgId));
        if (principal === "*" && !scoped)
            return [`${r.name}: principal is "*" without sourceArn, sourceAccount or principalOrgId, so anyone may invoke the function.`];
        if (principal.endsWith(".amazonaws.com") && !scoped) {
            return [`${r.name}: principal ${q(principal)} has no sourceArn or sourceAccount, so any account's ${principal} resource may invoke the function.`];
        }
        return [];
    },
};

const lambdaSupportedRuntime: Rule = {
    name: "lambda-supported-runtime",
    description: "Lambda functions (zip packages) run on a runtime Lambda still supports.",
    enforcementLevel: "mandatory",
    control: "Lambda.2",
    resourceTypes: [TYPES.lambdaFunction],
    check: (r) => {
        if (r.inputs.packageType === "Image") return [];
        const runtime = str(r.inputs.runtime);
        return runtime && SUPPORTED_LAMBDA_RUNTIMES.includes(runtime)
            ? []
            : [
                  `${r.name}: runtime ${runtime ? q(runtime) : "is not set"}${runtime ? " is deprecated or unknown" : ""}; use a supported one such as "nodejs22.x".`,
              ];
    },
};

const wafWebAclHasRules: Rule = {
    name: "waf-web-acl-has-rules",
    description: "WAF web ACLs have at least one rule or rule group (inline rules/ruleJson, or aws.wafv2.WebAclRule / WebAclRuleGroupAssociation resources).",
    enforcementLevel: "mandatory",
    control: "WAF.10",
    resourceTypes: [TYPES.webAcl],
    scope: "stack",
    check: (r, stack) => {
        const inline = list(r.inputs.rules).length > 0 || list(parseJson(r.inputs.ruleJson)).length > 0;
        const separate = ofType(stack, TYPES.webAclRule, TYPES.webAclRuleGroupAssociation).some((x) => refersTo(x, "webAclArn", r));
        return inline || separate
            ? []
            : [`${r.name}: the web ACL has no rules, so its default action decides every request; add rules (e.g. AWS managed rule groups).`];
    },
};

const wafWebAclLogging: Rule = {
    name: "waf-web-acl-logging",
    description: "WAF web ACLs log their decisions (an aws.wafv2.WebAclLoggingConfiguration for the ACL).",
    enforcementLevel: "mandatory",
    control: "WAF.11",
    resourceTypes: [TYPES.webAcl],
    scope: "stack",
    check: (r, stack) =>
        ofType(stack, TYPES.webAclLogging).some((l) => refersTo(l, "resourceArn", r))
            ? []
            : [`${r.name}: the web ACL has no logging configuration; add an aws.wafv2.WebAclLoggingConfiguration with this ACL's ARN as resourceArn.`],
};

const rdsStorageEncrypted: Rule = {
    name: "rds-storage-encrypted",
    description: "RDS DB instances encrypt their storage, automated backups, snapshots and read replicas at rest (storageEncrypted).",
    enforcementLevel: "mandatory",
    control: "RDS.3",
    resourceTypes: [TYPES.dbInstance],
    check: (r) =>
        r.inputs.storageEncrypted === true
            ? []
            : [
                  `${r.name}: storageEncrypted is ${setting(r.inputs.storageEncrypted, "unencrypted")}; set storageEncrypted: true (an existing instance is encrypted only by restoring an encrypted copy of a snapshot).`,
              ],
};

const rdsNoPublicAccess: Rule = {
    name: "rds-no-public-access",
    description: "RDS DB instances are not publicly accessible: publiclyAccessible is unset or false, so the endpoint resolves to private addresses only.",
    enforcementLevel: "mandatory",
    control: "RDS.2",
    resourceTypes: [TYPES.dbInstance],
    check: (r) =>
        r.inputs.publiclyAccessible === true
            ? [`${r.name}: publiclyAccessible is true; set it to false and reach the database from inside the VPC, through its clients' security groups.`]
            : [],
};

const rdsManagedMasterPassword: Rule = {
    name: "rds-managed-master-password",
    description:
        "RDS DB instances let RDS generate the master password and keep it in Secrets Manager (manageMasterUserPassword: true); no password or passwordWo input, which would put it in configuration and (password) in Pulumi state. Read replicas, which inherit their source's credentials, need only the latter.",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.dbInstance],
    check: (r) => {
        if (r.inputs.password !== undefined && r.inputs.password !== null) {
            return [
                `${r.name}: password is set, so the master password is in the program's configuration and in Pulumi state; remove it and set manageMasterUserPassword: true so RDS keeps it in Secrets Manager.`,
            ];
        }
        if (r.inputs.passwordWo !== undefined && r.inputs.passwordWo !== null) {
            return [
                `${r.name}: passwordWo is set, so the master password passes through the program's configuration; remove it and set manageMasterUserPassword: true so RDS keeps it in Secrets Manager.`,
            ];
        }
        if (r.inputs.manageMasterUserPassword === true || str(r.inputs.replicateSourceDb)) return [];
        return [
            `${r.name}: manageMasterUserPassword is ${setting(r.inputs.manageMasterUserPassword, "false")}; set it to true so RDS generates the master password and keeps it in Secrets Manager.`,
        ];
    },
};

const rdsAutomatedBackups: Rule = {
    name: "rds-automated-backups",
    description:
        "RDS DB instances keep automated backups (backupRetentionPeriod of 1 to 35 days; unset or 0 turns them and point-in-time restore off). Security Hub's RDS.11 asks for 7 days by default; only live must keep that many (rds-resilient-in-live).",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.dbInstance],
    check: (r) => {
        const days = num(r.inputs.backupRetentionPeriod);
        return days !== undefined && days >= 1
            ? []
            : [
                  `${r.name}: backupRetentionPeriod is ${setting(r.inputs.backupRetentionPeriod, "0")}, so RDS keeps no automated backups; set it to 1-35 days (databaseBackupRetentionDays in the stack file).`,
              ];
    },
};

/** Days of automated backups live keeps at least, as the settings demand and RDS.11 asks by default. */
const LIVE_MIN_BACKUP_DAYS = 7;

const rdsResilientInLive: Rule = {
    name: "rds-resilient-in-live",
    description: `In the live stack, RDS DB instances run Multi-AZ (RDS.5), have deletion protection (RDS.8), take a final snapshot when deleted (skipFinalSnapshot unset or false) and keep at least ${LIVE_MIN_BACKUP_DAYS} days of automated backups (RDS.11's default).`,
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.dbInstance],
    check: (r, stack) => {
        if (stack.env !== "live") return [];
        const i = r.inputs;
        const out: string[] = [];
        if (i.multiAz !== true) {
            out.push(
                `${r.name}: multiAz is ${setting(i.multiAz, "false")} in live; set databaseMultiAz: true so a standby in a second AZ takes over when the instance or its AZ fails.`,
            );
        }
        if (i.deletionProtection !== true) {
            out.push(`${r.name}: deletionProtection is ${setting(i.deletionProtection, "false")} in live; set it to true (protect: true in the stack file).`);
        }
        if (i.skipFinalSnapshot === true) {
            out.push(
                `${r.name}: skipFinalSnapshot is true in live, so deleting the instance keeps no final snapshot; set it to false with a finalSnapshotIdentifier (protect: true in the stack file).`,
            );
        }
        // Below one day is rds-automated-backups' finding; one finding per setting is enough.
        const days = num(i.backupRetentionPeriod);
        if (days !== undefined && days >= 1 && days < LIVE_MIN_BACKUP_DAYS) {
            out.push(
                `${r.name}: backupRetentionPeriod is ${days} in live; keep at least ${LIVE_MIN_BACKUP_DAYS} days (databaseBackupRetentionDays: ${LIVE_MIN_BACKUP_DAYS} or more).`,
            );
        }
        return out;
    },
};

const rdsIngressFromSecurityGroupsOnly: Rule = {
    name: "rds-ingress-from-security-groups-only",
    description:
        "Security groups of RDS DB instances admit only other security groups (its clients', by referencedSecurityGroupId), never CIDR blocks or prefix lists, which would admit every address in them, whatever runs there.",
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.ingressRule, TYPES.securityGroupRule, TYPES.securityGroup],
    scope: "stack",
    check: (r, stack) => {
        const target = ingressTarget(r);
        const onDatabaseGroup =
            r.type === TYPES.securityGroup ? isDatabaseSecurityGroup(r, stack) : target !== undefined && databaseSecurityGroupIds(stack).includes(target);
        if (!onDatabaseGroup) return [];
        return ingresses(r).flatMap((g) => {
            const sources = [...g.cidrs.map((c) => `CIDR ${c}`), ...g.prefixLists.map((p) => `prefix list ${p}`)];
            return sources.length === 0
                ? []
                : [
                      `${r.name}: ${g.where} admits ${sources.join(", ")} to a database security group; admit only the clients' security groups with referencedSecurityGroupId (uses: [database] in the stack file).`,
                  ];
        });
    },
};

const s3BucketPublicAccessBlock: Rule = {
    name: "s3-bucket-public-access-block",
    description:
        "Every S3 bucket has an aws.s3.BucketPublicAccessBlock with blockPublicAcls, ignorePublicAcls, blockPublicPolicy and restrictPublicBuckets all true, so no ACL or policy can make it public.",
    enforcementLevel: "mandatory",
    control: "S3.8",
    resourceTypes: [...BUCKETS, TYPES.bucketPublicAccessBlock],
    scope: "stack",
    check: (r, stack) => {
        if (r.type === TYPES.bucketPublicAccessBlock) {
            const off = PUBLIC_ACCESS_FLAGS.filter((f) => r.inputs[f] !== true);
            return off.length === 0
                ? []
                : [
                      `${r.name}: ${off.join(", ")} ${off.length === 1 ? "is" : "are"} not true; set blockPublicAcls, ignorePublicAcls, blockPublicPolicy and restrictPublicBuckets all to true.`,
                  ];
        }
        // A block whose flags are off is reported on the block itself.
        return ofType(stack, TYPES.bucketPublicAccessBlock).some((b) => forBucket(b, r))
            ? []
            : [
                  `${r.name}: the bucket has no public access block; add an aws.s3.BucketPublicAccessBlock for it with blockPublicAcls, ignorePublicAcls, blockPublicPolicy and restrictPublicBuckets all true.`,
              ];
    },
};

const s3BucketDefaultEncryption: Rule = {
    name: "s3-bucket-default-encryption",
    description:
        "Every S3 bucket has a server-side encryption configuration that sets a default algorithm (applyServerSideEncryptionByDefault.sseAlgorithm), so the program, not S3's defaults, says how objects are encrypted. (Security Hub retired S3.4 when S3 began encrypting every new object with SSE-S3.)",
    enforcementLevel: "mandatory",
    resourceTypes: BUCKETS,
    scope: "stack",
    check: (r, stack) => {
        const inline = setsDefaultEncryption(obj(r.inputs.serverSideEncryptionConfiguration).rule);
        const separate = ofType(stack, ...BUCKET_ENCRYPTIONS).some((c) => forBucket(c, r) && list(c.inputs.rules).some(setsDefaultEncryption));
        return inline || separate
            ? []
            : [
                  `${r.name}: the bucket has no server-side encryption configuration; add an aws.s3.BucketServerSideEncryptionConfiguration for it with applyServerSideEncryptionByDefault { sseAlgorithm: "AES256" } (or "aws:kms").`,
              ];
    },
};

const s3BucketPolicyNoPublicAllow: Rule = {
    name: "s3-bucket-policy-no-public-allow",
    description:
        'S3 bucket policies allow nothing to Principal "*" (or { AWS: "*" }) unless the statement is limited by an IpAddress condition on aws:SourceIp naming ranges narrower than the whole internet (S3 does not count such a policy as public).',
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.bucketPolicy, ...BUCKETS],
    check: (r) =>
        policyDocuments(r).flatMap(({ label, statements }) =>
            statements.flatMap((s, i) => {
                if (!isAllow(s) || !isEveryone(s.Principal)) return [];
                const actions = strings(s.Action);
                const what = `${label} ${statementLabel(s, i)} allows ${actions.length > 0 ? actions.join(", ") : "everything but its NotAction"} to Principal "*"`;
                const ranges = sourceIpRanges(s);
                if (ranges === undefined || ranges.length === 0) {
                    return [
                        `${r.name}: ${what} without an aws:SourceIp condition, so anyone may use it; add Condition { IpAddress: { "aws:SourceIp": [...] } } with the ranges that need it, or name the principals.`,
                    ];
                }
                const open = ranges.filter((c) => OPEN_CIDRS.includes(c));
                return open.length > 0
                    ? [`${r.name}: ${what} from aws:SourceIp ${open.join(", ")}, which is every address; name narrower ranges, or the principals.`]
                    : [];
            }),
        ),
};

/** Every rule, in the order of the README's table. */
export const RULES: readonly Rule[] = [
    ecsTaskNoHostNetwork,
    ecsTaskNoHostPid,
    ecsContainerNotPrivileged,
    ecsContainerNotRoot,
    ecsContainerUserSet,
    ecsContainerReadOnlyRoot,
    ecsNoAwsCredentialsInEnvironment,
    ecsContainerLogging,
    ecsNoSecretInPlainEnvironment,
    ecsServiceNoPublicIp,
    noPublicIpsInLive,
    ecsServiceCircuitBreaker,
    ecsFargateLatestPlatform,
    ecsClusterContainerInsights,
    ecsTasksIngressFromLoadBalancerOnly,
    elbHttpRedirectsToHttps,
    elbDropInvalidHeaders,
    elbAccessLogs,
    elbAccessLogsInLive,
    elbDeletionProtection,
    elbDesyncMitigation,
    elbMultiAz,
    elbRecommendedTlsPolicy,
    vpcDefaultSecurityGroupClosed,
    vpcFlowLogs,
    vpcFlowLogsInLive,
    s3ServerAccessLoggingInLive,
    subnetNoAutoPublicIp,
    securityGroupOpenOnlyOnWebPorts,
    logGroupRetention,
    iamNoFullAdmin,
    iamNoWildcards,
    ssmSecretIsSecureString,
    ecrScanOnPush,
    ecrTagImmutability,
    ecrLifecyclePolicy,
    snsTopicKms,
    sqsQueueEncrypted,
    sqsWorkerQueueDeadLetters,
    queueAndTopicPolicyNoOpenPrincipal,
    lambdaNoPublicAccess,
    lambdaSupportedRuntime,
    wafWebAclHasRules,
    wafWebAclLogging,
    rdsStorageEncrypted,
    rdsNoPublicAccess,
    rdsManagedMasterPassword,
    rdsAutomatedBackups,
    rdsResilientInLive,
    rdsIngressFromSecurityGroupsOnly,
    s3BucketPublicAccessBlock,
    s3BucketDefaultEncryption,
    s3BucketPolicyNoPublicAllow,
];

/**
 * Runs every rule over `resources` (e.g. a recorded graph's `all`), each resource seeing the
 * whole list as its stack. Findings come in rule order, then resource order.
 */
export function evaluate(resources: readonly PolicyResource[], env?: string): Finding[] {
    const stack: StackView = { resources, env };
    return RULES.flatMap((rule) =>
        resources
            .filter((r) => rule.resourceTypes.includes(r.type))
            .flatMap((r) =>
                rule.check(r, stack).map((message) => ({
                    rule: rule.name,
                    control: rule.control,
                    resource: r.name,
                    type: r.type,
                    message,
                    enforcementLevel: rule.enforcementLevel,
                })),
            ),
    );
}
