/**
 * Offline monthly cost estimate of a stack, computed from the resources the program records under
 * the mock runtime and a dated price table kept as data in `cost/prices/<region>.json`.
 *
 * What it estimates is the idle environment: what runs, and is billed, all month with no traffic.
 * Hourly charges are counted for a full month (`hoursPerMonth`, 730); charges that depend on
 * traffic or volume (LCUs, NAT data processing, data transfer, log ingestion) are named in
 * `leftOut` instead of being guessed. How each resource type is priced is written next to the
 * code that prices it, and summarised in `cost/README.md`.
 */
import * as fs from "fs";
import * as path from "path";
import { parseTargets } from "../functions/endpointCheck/config";

/** Every price a table must give, in USD. Names end in the unit they are priced by. */
export const PRICE_KEYS = [
    "natGatewayHour",
    "natGatewayDataGb",
    "publicIpv4Hour",
    "albHour",
    "albLcuHour",
    "nlbHour",
    "nlbNlcuHour",
    "fargateX86VcpuHour",
    "fargateX86GbHour",
    "fargateArmVcpuHour",
    "fargateArmGbHour",
    "fargateSpotX86VcpuHour",
    "fargateSpotX86GbHour",
    "fargateSpotArmVcpuHour",
    "fargateSpotArmGbHour",
    "cloudwatchAlarmStandardMonth",
    "cloudwatchAlarmHighResolutionMonth",
    "cloudwatchCompositeAlarmMonth",
    "cloudwatchDashboardMonth",
    "cloudwatchCustomMetricMonth",
    "cloudwatchLogsIngestionGb",
    "cloudwatchLogsStorageGbMonth",
    "cloudwatchVendedLogsIngestionGb",
    "syntheticsCanaryRun",
    "secretsManagerSecretMonth",
    "ssmParameterStandardMonth",
    "ssmParameterAdvancedMonth",
    "kmsKeyMonth",
    "wafWebAclMonth",
    "wafRuleMonth",
    "wafMillionRequests",
    "route53HealthCheckAwsMonth",
    "route53HealthCheckNonAwsMonth",
    "route53HealthCheckFeatureAwsMonth",
    "route53HealthCheckFeatureNonAwsMonth",
    "lambdaMillionRequests",
    "lambdaGbSecond",
    "snsMillionPublishes",
    "rdsGp3StorageGbMonth",
    "rdsBackupStorageGbMonth",
    "backupRdsSnapshotWarmGbMonth",
    "backupS3WarmGbMonth",
    "s3StandardStorageGbMonth",
    "s3PutRequestsThousand",
    "s3GetRequestsThousand",
] as const;

export type PriceKey = (typeof PRICE_KEYS)[number];
export type Prices = Readonly<Record<PriceKey, number>>;

/**
 * Database engines whose RDS instance hours a table gives, by the `engine` input of an
 * `aws:rds/instance:Instance`. Other engines (MariaDB, Oracle, SQL Server, Aurora) are named in
 * `leftOut`, not priced at a neighbour's rate.
 */
export const RDS_ENGINES = ["postgres", "mysql"] as const;
export type RdsEngine = (typeof RDS_ENGINES)[number];

/** On-demand Single-AZ hourly price of each DB instance class, per engine: `{ postgres: { "db.t4g.micro": 0.017 } }`. */
export type RdsInstanceHours = Readonly<Record<RdsEngine, Readonly<Record<string, number>>>>;

/** A dated price table for one region: `cost/prices/<region>.json`. */
export interface PriceTable {
    readonly region: string;
    readonly currency: "USD";
    /** Day the prices were looked up, YYYY-MM-DD. */
    readonly retrieved: string;
    /** Where the prices come from. */
    readonly sources: readonly string[];
    /** Hours in the month every hourly charge is multiplied by (730 = 8,760 / 12). */
    readonly hoursPerMonth: number;
    readonly prices: Prices;
    /** Per price: where it comes from, what it covers, and "Unconfirmed" where it could not be checked. */
    readonly notes?: Readonly<Partial<Record<PriceKey, string>>>;
    /**
     * RDS on-demand instance hours, Single-AZ, by engine and class. Kept apart from `prices`
     * because the classes are open-ended: a class missing here is named in `leftOut`, never guessed.
     */
    readonly rdsInstanceHours: RdsInstanceHours;
    /** Per RDS instance price, keyed `<engine>/<class>` ("postgres/db.t4g.micro"): its source, as `notes` does for `prices`. */
    readonly rdsInstanceNotes?: Readonly<Record<string, string>>;
}

/** A recorded resource: the harness's `graph.all` entries fit this shape. */
export interface CostResource {
    readonly type: string;
    /** Logical name. */
    readonly name: string;
    readonly inputs: Readonly<Record<string, unknown>>;
    /** False for components, which cost nothing themselves. @default true */
    readonly custom?: boolean;
}

export interface CostLine {
    /** Logical name of the resource that is priced. */
    readonly resource: string;
    readonly type: string;
    /** What is priced, e.g. "2 x 0.25 vCPU, 0.5 GB, Fargate Spot x86, 730 h". */
    readonly description: string;
    readonly monthlyUsd: number;
}

export interface CostEstimate {
    readonly lines: readonly CostLine[];
    readonly totalUsd: number;
    /** What the total does not include, in plain words. */
    readonly leftOut: readonly string[];
    readonly priceTable: { readonly region: string; readonly retrieved: string };
}

export interface EstimateOptions {
    /** The stack's region; it selects the price table when `prices` is not given. */
    readonly region: string;
    /** @default the table in cost/prices/<region>.json */
    readonly prices?: PriceTable;
}

/** Folder of the price tables. */
export const PRICES_DIR = path.join(__dirname, "prices");

/** Regions with a price table. */
export function availableRegions(): string[] {
    return fs
        .readdirSync(PRICES_DIR)
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.slice(0, -".json".length))
        .sort();
}

/** Checks that `value` is a complete price table and returns it typed; errors name the file and the key. */
export function validatePriceTable(value: unknown, origin: string): PriceTable {
    const fail = (what: string): never => {
        throw new Error(`price table ${origin}: ${what}`);
    };
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("must be a JSON object");
    const t = value as Record<string, unknown>;
    if (typeof t.region !== "string" || t.region === "") fail(`"region" must be a region name such as "eu-west-1"`);
    if (t.currency !== "USD") fail(`"currency" must be "USD", got ${JSON.stringify(t.currency)}`);
    if (typeof t.retrieved !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(t.retrieved)) fail(`"retrieved" must be a date YYYY-MM-DD`);
    if (!Array.isArray(t.sources) || t.sources.length === 0 || !t.sources.every((s) => typeof s === "string" && /^https?:\/\//.test(s)))
        fail(`"sources" must list the URLs the prices come from`);
    if (typeof t.hoursPerMonth !== "number" || !(t.hoursPerMonth > 0)) fail(`"hoursPerMonth" must be a positive number (730)`);
    const prices = t.prices;
    if (typeof prices !== "object" || prices === null) return fail(`"prices" must be an object`);
    const p = prices as Record<string, unknown>;
    const missing = PRICE_KEYS.filter((k) => typeof p[k] !== "number" || !Number.isFinite(p[k]) || (p[k] as number) < 0);
    if (missing.length > 0) fail(`"prices" needs a non-negative number for ${missing.join(", ")}`);
    const unknown = Object.keys(p).filter((k) => !(PRICE_KEYS as readonly string[]).includes(k));
    if (unknown.length > 0) fail(`"prices" has keys the estimate does not know: ${unknown.join(", ")} (add them to PRICE_KEYS or remove them)`);
    const rds = t.rdsInstanceHours;
    if (typeof rds !== "object" || rds === null || Array.isArray(rds))
        return fail(`"rdsInstanceHours" must map ${RDS_ENGINES.join(" and ")} to their instance prices`);
    const engines = rds as Record<string, unknown>;
    const extra = Object.keys(engines).filter((k) => !(RDS_ENGINES as readonly string[]).includes(k));
    if (extra.length > 0) fail(`"rdsInstanceHours" has engines the estimate does not know: ${extra.join(", ")}`);
    for (const engine of RDS_ENGINES) {
        const classes = engines[engine];
        if (typeof classes !== "object" || classes === null || Array.isArray(classes) || Object.keys(classes).length === 0)
            fail(`"rdsInstanceHours.${engine}" must map instance classes such as "db.t4g.micro" to a price per hour`);
        for (const [cls, price] of Object.entries(classes as Record<string, unknown>)) {
            if (!/^db\.[a-z0-9-]+\.[a-z0-9]+$/.test(cls))
                fail(`"rdsInstanceHours.${engine}" has "${cls}", which is not an instance class such as "db.t4g.micro"`);
            if (typeof price !== "number" || !Number.isFinite(price) || price < 0) fail(`"rdsInstanceHours.${engine}.${cls}" needs a non-negative number`);
        }
    }
    return value as PriceTable;
}

/** The price table of `region`, read from cost/prices/<region>.json. */
export function loadPriceTable(region: string): PriceTable {
    const file = path.join(PRICES_DIR, `${region}.json`);
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region) || !fs.existsSync(file)) {
        throw new Error(`no price table for region "${region}": add cost/prices/${region}.json, or use one of ${availableRegions().join(", ")}`);
    }
    const table = validatePriceTable(JSON.parse(fs.readFileSync(file, "utf8")), `cost/prices/${region}.json`);
    if (table.region !== region) throw new Error(`price table cost/prices/${region}.json says it is for region "${table.region}"`);
    return table;
}

/** Resource type tokens the estimate reads. */
export const TYPES = {
    eip: "aws:ec2/eip:Eip",
    natGateway: "aws:ec2/natGateway:NatGateway",
    flowLog: "aws:ec2/flowLog:FlowLog",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    albLoadBalancer: "aws:alb/loadBalancer:LoadBalancer",
    cluster: "aws:ecs/cluster:Cluster",
    service: "aws:ecs/service:Service",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    scalingTarget: "aws:appautoscaling/target:Target",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    compositeAlarm: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    secret: "aws:secretsmanager/secret:Secret",
    parameter: "aws:ssm/parameter:Parameter",
    kmsKey: "aws:kms/key:Key",
    kmsReplicaKey: "aws:kms/replicaKey:ReplicaKey",
    webAcl: "aws:wafv2/webAcl:WebAcl",
    canary: "aws:synthetics/canary:Canary",
    healthCheck: "aws:route53/healthCheck:HealthCheck",
    lambda: "aws:lambda/function:Function",
    snsTopic: "aws:sns/topic:Topic",
    dbInstance: "aws:rds/instance:Instance",
    bucket: "aws:s3/bucket:Bucket",
    bucketV2: "aws:s3/bucketV2:BucketV2",
    backupVault: "aws:backup/vault:Vault",
    backupPlan: "aws:backup/plan:Plan",
} as const;

/**
 * Types that cost nothing by themselves. Some are priced through another resource: a task
 * definition through the service that runs it, a cluster through its Container Insights.
 */
export const FREE_TYPES: ReadonlySet<string> = new Set([
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/defaultRouteTable:DefaultRouteTable",
    "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
    "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:ec2/networkAcl:NetworkAcl",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
    "aws:ec2/eipAssociation:EipAssociation",
    "aws:iam/role:Role",
    "aws:kms/alias:Alias",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
    // A queue's policy is configuration; the queue's requests are usage (see the messaging note).
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:lambda/permission:Permission",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:lb/listener:Listener",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/listenerCertificate:ListenerCertificate",
    "aws:lb/targetGroup:TargetGroup",
    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:alb/listener:Listener",
    "aws:alb/listenerRule:ListenerRule",
    "aws:alb/targetGroup:TargetGroup",
    "aws:appautoscaling/target:Target",
    "aws:appautoscaling/policy:Policy",
    "aws:acm/certificate:Certificate",
    "aws:acm/certificateValidation:CertificateValidation",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    "aws:lambda/permission:Permission",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "aws:wafv2/ipSet:IpSet",
    // Cloud Map namespaces cost nothing; the instances Service Connect registers are noted below.
    "aws:servicediscovery/httpNamespace:HttpNamespace",
    // DNS records are free on every Cloudflare plan, proxied or not.
    "cloudflare:index/dnsRecord:DnsRecord",
    // Alias queries to a load balancer are free; CNAME queries (validation) cost $0.40 per million, which ACM's renewals never reach.
    "aws:route53/record:Record",
    // RDS bills the instance and its storage; its subnet and parameter groups are configuration.
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:rds/parameterGroup:ParameterGroup",
    // Rotation of an RDS-managed secret is done by RDS itself, with no Lambda of ours; the secret is priced with its instance.
    "aws:secretsmanager/secretRotation:SecretRotation",
    // A bucket's settings cost nothing; what the bucket holds and serves is usage (see the S3 note in leftOut).
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    "aws:s3/bucketPolicy:BucketPolicy",
    // Server access logging is free; the log objects it writes are storage in the log bucket (usage, see the S3 note).
    "aws:s3/bucketLogging:BucketLogging",
    // AWS Backup bills the recovery points a plan makes, not the vault, plan or selection (see the AWS Backup note in leftOut).
    "aws:backup/vault:Vault",
    "aws:backup/plan:Plan",
    "aws:backup/selection:Selection",
]);

/**
 * Container Insights (standard, not enhanced observability) publishes its metrics as CloudWatch
 * custom metrics. For ECS on Fargate the metric table of the CloudWatch user guide gives:
 * 10 resource metrics (CpuUtilized, CpuReserved, MemoryUtilized, MemoryReserved, NetworkRxBytes,
 * NetworkTxBytes, StorageReadBytes, StorageWriteBytes, EphemeralStorageReserved,
 * EphemeralStorageUtilized), each at cluster, service and task-family level; 5 counts per service
 * (DeploymentCount, DesiredTaskCount, PendingTaskCount, RunningTaskCount, TaskSetCount); and 2 per
 * cluster (ServiceCount, TaskCount). These counts are an estimate, not re-read in full from the
 * guide nor checked against a bill: AWS bills the metrics actually published.
 */
export const CONTAINER_INSIGHTS_METRICS = { perCluster: 12, perService: 15, perTaskFamily: 10 } as const;

type Inputs = Readonly<Record<string, unknown>>;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => {
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
    return Number.isFinite(n) ? n : undefined;
};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Inputs => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Inputs) : {});

/** 0.25, 1, 1.5: at most three decimals, no trailing zeros. */
function amount(n: number): string {
    return String(Number(n.toFixed(3)));
}

function plural(n: number, one: string, many = `${one}s`): string {
    return `${amount(n)} ${n === 1 ? one : many}`;
}

function usd(n: number): string {
    return `$${n}`;
}

/** The family a service's `taskDefinition` input names: an ARN `...:task-definition/<family>:<rev>`, `family:rev` or `family`. */
export function taskFamilyOf(taskDefinition: string): string {
    const marker = "task-definition/";
    const at = taskDefinition.indexOf(marker);
    return (at >= 0 ? taskDefinition.slice(at + marker.length) : taskDefinition).replace(/:\d+$/, "");
}

/**
 * How `desiredCount` tasks spread over a capacity provider strategy, as ECS places them: the
 * `base` first, the rest in proportion to `weight`. The result may be fractional (a long-run
 * average), which is what a monthly estimate needs.
 */
export function splitTasks(desired: number, strategy: readonly { capacityProvider: string; base?: number; weight?: number }[]): Map<string, number> {
    const out = new Map<string, number>();
    let remaining = desired;
    for (const s of strategy) {
        const base = Math.min(s.base ?? 0, remaining);
        if (base > 0) out.set(s.capacityProvider, (out.get(s.capacityProvider) ?? 0) + base);
        remaining -= base;
    }
    const weights = strategy.map((s) => s.weight ?? 0);
    const total = weights.reduce((a, b) => a + b, 0);
    if (remaining > 0 && strategy.length > 0) {
        strategy.forEach((s, i) => {
            // Weights all unset: ECS treats a lone provider as weight 1; the first provider takes the rest.
            const share = total > 0 ? weights[i] / total : i === 0 ? 1 : 0;
            if (share > 0) out.set(s.capacityProvider, (out.get(s.capacityProvider) ?? 0) + remaining * share);
        });
    }
    return out;
}

class Estimator {
    readonly lines: CostLine[] = [];
    readonly leftOut: string[] = [];
    readonly notPriced = new Map<string, string[]>();
    readonly p: Prices;
    readonly hours: number;

    constructor(
        readonly table: PriceTable,
        readonly resources: readonly CostResource[],
    ) {
        this.p = table.prices;
        this.hours = table.hoursPerMonth;
    }

    add(r: CostResource, description: string, monthlyUsd: number): void {
        this.lines.push({ resource: r.name, type: r.type, description, monthlyUsd });
    }

    skip(r: CostResource, why: string): void {
        this.leftOut.push(`${r.name} (${r.type}): ${why}`);
    }

    ofType(...types: string[]): CostResource[] {
        return this.resources.filter((r) => types.includes(r.type));
    }

    /** NAT gateway hours; its Elastic IP is priced as an EIP. Data processing is traffic. */
    natGateway(r: CostResource): void {
        const kind = str(r.inputs.connectivityType) === "private" ? "private NAT gateway" : "NAT gateway";
        this.add(r, `${kind}, ${this.hours} h (data processing not included)`, this.p.natGatewayHour * this.hours);
    }

    /** Every AWS-provided public IPv4 is charged, attached or idle; bring-your-own addresses are not. */
    eip(r: CostResource): void {
        const pool = str(r.inputs.publicIpv4Pool);
        if (pool !== undefined && pool !== "amazon") return;
        this.add(r, `1 public IPv4 address (Elastic IP), ${this.hours} h`, this.p.publicIpv4Hour * this.hours);
    }

    /**
     * Load balancer hours, idle: no LCUs. An ALB bills LCUs for the busiest of new connections,
     * active connections, bytes and rule evaluations; with no traffic that is close to zero, so
     * the idle estimate charges none and names LCUs in `leftOut`. An internet-facing load balancer
     * holds one public IPv4 address per subnet (AZ) it spans; addresses given as EIPs in
     * `subnetMappings` are priced as EIPs.
     */
    loadBalancer(r: CostResource): void {
        const type = str(r.inputs.loadBalancerType) ?? "application";
        if (type === "application") {
            this.add(r, `Application Load Balancer, ${this.hours} h, idle: 0 LCU`, this.p.albHour * this.hours);
        } else if (type === "network") {
            this.add(r, `Network Load Balancer, ${this.hours} h, idle: 0 NLCU`, this.p.nlbHour * this.hours);
        } else {
            return this.skip(r, `${type} load balancer: not in the price table`);
        }
        if (r.inputs.internal === true || str(r.inputs.ipAddressType) === "dualstack-without-public-ipv4") return;
        const mappings = arr(r.inputs.subnetMappings).map(obj);
        const addresses = arr(r.inputs.subnets).length + mappings.filter((m) => m.allocationId === undefined).length;
        if (addresses === 0) return this.skip(r, "internet-facing, but its subnets are unknown: its public IPv4 addresses are not priced");
        this.add(
            r,
            `${plural(addresses, "public IPv4 address", "public IPv4 addresses")} (one per subnet), ${this.hours} h`,
            addresses * this.p.publicIpv4Hour * this.hours,
        );
    }

    /**
     * Fargate tasks: the service's desiredCount (what runs with no load; autoscaling may add
     * more) times the task definition's size, on the capacity its strategy names, for the month.
     */
    service(r: CostResource): void {
        const desired = num(r.inputs.desiredCount) ?? 0;
        if (desired <= 0) return;
        const taskDefinition = str(r.inputs.taskDefinition);
        const family = taskDefinition === undefined ? undefined : taskFamilyOf(taskDefinition);
        const defs = this.ofType(TYPES.taskDefinition).filter((d) => family !== undefined && str(d.inputs.family) === family);
        if (defs.length === 0) return this.skip(r, `its task definition ${taskDefinition ?? "(none)"} is not among the resources: its tasks are not priced`);
        const def = defs[defs.length - 1].inputs;
        const cpu = num(def.cpu);
        const memory = num(def.memory);
        if (cpu === undefined || memory === undefined) return this.skip(r, "its task definition sets no task-level cpu and memory: its tasks are not priced");
        const platform = obj(def.runtimePlatform);
        const os = str(platform.operatingSystemFamily) ?? "LINUX";
        if (os !== "LINUX") return this.skip(r, `${os} tasks: not in the price table`);
        const arm = str(platform.cpuArchitecture) === "ARM64";
        const vcpu = cpu / 1024;
        const gb = memory / 1024;

        const strategy = arr(r.inputs.capacityProviderStrategies)
            .map(obj)
            .map((s) => ({ capacityProvider: str(s.capacityProvider) ?? "", base: num(s.base), weight: num(s.weight) }));
        let split: Map<string, number>;
        if (strategy.length > 0) {
            split = splitTasks(desired, strategy);
        } else {
            const launchType = str(r.inputs.launchType) ?? "FARGATE";
            if (launchType !== "FARGATE")
                return this.skip(r, `launch type ${launchType}: the instances it runs on are priced by EC2, which the estimate does not cover`);
            split = new Map([["FARGATE", desired]]);
        }

        const arch = arm ? "ARM" : "x86";
        for (const [provider, tasks] of split) {
            if (tasks <= 0) continue;
            if (provider !== "FARGATE" && provider !== "FARGATE_SPOT") {
                this.skip(r, `${amount(tasks)} task(s) on capacity provider ${provider}: EC2 capacity is not covered`);
                continue;
            }
            const spot = provider === "FARGATE_SPOT";
            const [vcpuPrice, gbPrice] = spot
                ? arm
                    ? [this.p.fargateSpotArmVcpuHour, this.p.fargateSpotArmGbHour]
                    : [this.p.fargateSpotX86VcpuHour, this.p.fargateSpotX86GbHour]
                : arm
                  ? [this.p.fargateArmVcpuHour, this.p.fargateArmGbHour]
                  : [this.p.fargateX86VcpuHour, this.p.fargateX86GbHour];
            this.add(
                r,
                `${amount(tasks)} x ${amount(vcpu)} vCPU, ${amount(gb)} GB, Fargate ${spot ? "Spot" : "on-demand"} ${arch}, ${this.hours} h`,
                tasks * (vcpu * vcpuPrice + gb * gbPrice) * this.hours,
            );
        }
        if (obj(r.inputs.networkConfiguration).assignPublicIp === true) {
            this.add(
                r,
                `${plural(desired, "public IPv4 address", "public IPv4 addresses")} (one per task), ${this.hours} h`,
                desired * this.p.publicIpv4Hour * this.hours,
            );
        }
        const storage = num(obj(def.ephemeralStorage).sizeInGib);
        if (storage !== undefined && storage > 20) this.skip(r, `ephemeral storage above the 20 GB included (${storage} GiB per task) is not priced`);
    }

    /** Container Insights of a cluster: its estimated metric count as custom metrics. */
    cluster(r: CostResource): void {
        const setting = arr(r.inputs.settings)
            .map(obj)
            .find((s) => s.name === "containerInsights");
        const value = str(setting?.value);
        if (value === undefined || value === "disabled") return;
        if (value === "enhanced") return this.skip(r, "Container Insights with enhanced observability is billed per observation and is not priced");
        const clusters = this.ofType(TYPES.cluster);
        const physical = str(r.inputs.name) ?? r.name;
        const services = this.ofType(TYPES.service).filter((s) => {
            const ref = str(s.inputs.cluster);
            // One cluster in the stack: every service runs in it, whatever form its reference takes.
            return clusters.length === 1 || ref === physical || (ref !== undefined && ref.endsWith(`:cluster/${physical}`));
        });
        const families = new Set(
            services
                .map((s) => str(s.inputs.taskDefinition))
                .filter((t): t is string => t !== undefined)
                .map(taskFamilyOf),
        );
        const m = CONTAINER_INSIGHTS_METRICS;
        const metrics = m.perCluster + services.length * m.perService + families.size * m.perTaskFamily;
        this.add(
            r,
            `Container Insights: ~${metrics} custom metrics (cluster ${m.perCluster}, ${plural(services.length, "service")} x ${m.perService}, ${plural(families.size, "task family", "task families")} x ${m.perTaskFamily})`,
            metrics * this.p.cloudwatchCustomMetricMonth,
        );
    }

    /**
     * An alarm pays per metric it reads (a metric-math alarm for each metric in its queries),
     * at the high-resolution rate when it evaluates more often than once a minute. An anomaly
     * detection alarm is billed as three (the metric and the two bounds of the band).
     */
    metricAlarm(r: CostResource): void {
        const queries = arr(r.inputs.metricQueries).map(obj);
        const queried = queries.filter((q) => q.metric !== undefined).map((q) => obj(q.metric));
        const periods = [num(r.inputs.period), ...queried.map((m) => num(m.period))].filter((x): x is number => x !== undefined);
        const highResolution = periods.some((s) => s < 60);
        const anomaly = r.inputs.thresholdMetricId !== undefined;
        const metrics = Math.max(1, queried.length) * (anomaly ? 3 : 1);
        const rate = highResolution ? this.p.cloudwatchAlarmHighResolutionMonth : this.p.cloudwatchAlarmStandardMonth;
        this.add(
            r,
            `${highResolution ? "high-resolution" : "standard-resolution"} alarm, ${plural(metrics, "alarm metric")}${anomaly ? " (anomaly detection)" : ""}`,
            metrics * rate,
        );
    }

    compositeAlarm(r: CostResource): void {
        this.add(r, "composite alarm", this.p.cloudwatchCompositeAlarmMonth);
    }

    /** No free dashboards: the first three are an account-wide allowance other stacks may use. */
    dashboard(r: CostResource): void {
        this.add(r, "CloudWatch dashboard", this.p.cloudwatchDashboardMonth);
    }

    /** A secret, and each of its replicas in other regions, is billed as one secret. */
    secret(r: CostResource): void {
        const copies = 1 + arr(r.inputs.replicas).length;
        this.add(r, `Secrets Manager ${plural(copies, "secret")} (API calls not included)`, copies * this.p.secretsManagerSecretMonth);
    }

    /**
     * A function's invocations are usage (left out); the custom metrics it publishes are not. The
     * endpoint check (functions/endpointCheck) publishes Success and Latency for each target of
     * its CHECK_TARGETS as embedded-metric log lines: two custom metrics a target.
     */
    lambda(r: CostResource): void {
        const targets = str(obj(obj(r.inputs.environment).variables).CHECK_TARGETS);
        if (targets === undefined) return;
        let count = 0;
        try {
            // As the function reads it: the full form or the compact one the stacks deploy.
            count = parseTargets(targets).length;
        } catch {
            count = 0;
        }
        if (count === 0) return;
        this.add(r, `endpoint check: ${plural(count * 2, "custom metric")} (Success and Latency per endpoint)`, count * 2 * this.p.cloudwatchCustomMetricMonth);
    }

    /** Standard parameters (SecureString included) are free; advanced ones are billed per month. */
    parameter(r: CostResource): void {
        if (str(r.inputs.tier) !== "Advanced") return;
        this.add(r, "SSM advanced parameter", this.p.ssmParameterAdvancedMonth);
    }

    kmsKey(r: CostResource): void {
        this.add(r, "KMS customer managed key", this.p.kmsKeyMonth);
    }

    /** Web ACL plus one charge per rule (a rule group reference is one rule); requests are traffic. */
    webAcl(r: CostResource): void {
        const rules = arr(r.inputs.rules).length;
        this.add(r, `WAF web ACL with ${plural(rules, "rule")} (requests not included)`, this.p.wafWebAclMonth + rules * this.p.wafRuleMonth);
    }

    /**
     * An RDS DB instance: its instance hours at the engine's on-demand Single-AZ rate and its gp3
     * storage, both twice over for a Multi-AZ instance deployment (AWS bills the standby's hours
     * and its copy of the storage). A class or engine the table lacks is named in `leftOut`, not
     * priced at a neighbour's rate. With `manageMasterUserPassword`, RDS keeps the master password
     * in a Secrets Manager secret of its own that no Pulumi resource stands for, so it is charged
     * here, once per instance. Backups get no line: see {@link rdsBackupNote}.
     */
    dbInstance(r: CostResource): void {
        const engine = str(r.inputs.engine) ?? "(none)";
        const cls = str(r.inputs.instanceClass) ?? "(none)";
        const multiAz = r.inputs.multiAz === true;
        const copies = multiAz ? 2 : 1;
        if (!isRdsEngine(engine)) {
            this.skip(r, `engine ${engine}: not in the price table (${RDS_ENGINES.join(", ")} are), its instance hours are not priced`);
        } else {
            const hours = this.table.rdsInstanceHours[engine];
            // Own keys only: a class such as "constructor" must not find a prototype's member.
            const rate = Object.prototype.hasOwnProperty.call(hours, cls) ? hours[cls] : undefined;
            if (rate === undefined) this.skip(r, `instance class ${cls} (${engine}) is not in the price table: its instance hours are not priced`);
            else
                this.add(
                    r,
                    `RDS ${RDS_ENGINE_NAMES[engine]} ${cls}, ${multiAz ? "Multi-AZ: 2 instances (primary and standby)" : "Single-AZ"}, ${this.hours} h`,
                    copies * rate * this.hours,
                );
        }

        const gb = num(r.inputs.allocatedStorage);
        const storageType = str(r.inputs.storageType);
        if (gb === undefined || gb <= 0) {
            this.skip(r, "no allocatedStorage: its storage is not priced");
        } else if (storageType !== "gp3") {
            this.skip(r, `storage type ${storageType ?? "unset (AWS's default)"}: only gp3 is in the price table, its ${gb} GB are not priced`);
        } else {
            this.add(r, `${amount(gb)} GB gp3 storage${multiAz ? ", x2 (the standby's copy)" : ""}`, copies * gb * this.p.rdsGp3StorageGbMonth);
            // RDS gp3 includes a baseline of IOPS and throughput; only what is provisioned above it costs extra.
            if (r.inputs.iops !== undefined || r.inputs.storageThroughput !== undefined)
                this.skip(r, "gp3 IOPS or throughput set explicitly: what exceeds the baseline included with the storage is not priced");
        }

        if (r.inputs.manageMasterUserPassword === true) {
            this.add(r, "master user secret in Secrets Manager, created and managed by RDS", this.p.secretsManagerSecretMonth);
        }
    }

    /** Canary runs a month from its `rate(...)` schedule; cron schedules are not interpreted. */
    canary(r: CostResource): void {
        const expression = str(obj(r.inputs.schedule).expression) ?? "";
        const minutes = rateMinutes(expression);
        if (minutes === undefined) return this.skip(r, `schedule "${expression}" is not a rate(...) expression: its runs are not priced`);
        if (minutes === 0) return this.skip(r, `schedule "${expression}" runs once: not a monthly cost`);
        const runs = (this.hours * 60) / minutes;
        this.add(r, `Synthetics canary, ${expression}: ${Math.round(runs).toLocaleString("en-US")} runs`, runs * this.p.syntheticsCanaryRun);
    }

    /**
     * Route 53 health check: the endpoint check, plus each optional feature it uses (HTTPS,
     * string matching, 10-second interval, latency measurement). An endpoint named by an
     * amazonaws.com host is an AWS endpoint; any other (a Cloudflare-proxied name) is not.
     * Calculated and CloudWatch-alarm checks are billed as AWS-endpoint checks.
     */
    healthCheck(r: CostResource): void {
        const type = str(r.inputs.type) ?? "HTTP";
        const host = str(r.inputs.fqdn) ?? str(r.inputs.ipAddress) ?? "";
        const endpoint = !["CALCULATED", "CLOUDWATCH_METRIC"].includes(type);
        const aws = !endpoint || /\.amazonaws\.com\.?$/i.test(host);
        const features = endpoint
            ? [
                  type.startsWith("HTTPS") ? "HTTPS" : undefined,
                  type.endsWith("STR_MATCH") ? "string matching" : undefined,
                  num(r.inputs.requestInterval) === 10 ? "fast interval" : undefined,
                  r.inputs.measureLatency === true ? "latency measurement" : undefined,
              ].filter((f): f is string => f !== undefined)
            : [];
        const base = aws ? this.p.route53HealthCheckAwsMonth : this.p.route53HealthCheckNonAwsMonth;
        const feature = aws ? this.p.route53HealthCheckFeatureAwsMonth : this.p.route53HealthCheckFeatureNonAwsMonth;
        const what = endpoint ? `${aws ? "AWS" : "non-AWS"} endpoint` : type.toLowerCase().replace("_", " ");
        this.add(r, `Route 53 health check, ${what}${features.length > 0 ? ` + ${features.join(", ")}` : ""}`, base + features.length * feature);
    }
}

const RDS_ENGINE_NAMES: Readonly<Record<RdsEngine, string>> = { postgres: "PostgreSQL", mysql: "MySQL" };

function isRdsEngine(engine: string): engine is RdsEngine {
    return (RDS_ENGINES as readonly string[]).includes(engine);
}

/**
 * What RDS backups cost, idle: nothing while automated backups and snapshots fit in the free
 * backup storage, which AWS sizes at 100% of the provisioned database storage in the region. An
 * idle database changes little, so its backups are assumed to fit; the note says so and gives
 * the price beyond it.
 */
function rdsBackupNote(instances: readonly CostResource[], p: Prices): string {
    const retention = instances.map((i) => `${i.name} ${num(i.inputs.backupRetentionPeriod) ?? "default"} days`).join(", ");
    return `RDS backups (retention: ${retention}): assumed to fit in the free backup storage, which equals the region's total provisioned database storage; backup storage beyond it costs ${usd(p.rdsBackupStorageGbMonth)} per GB-month.`;
}

/** Minutes between runs of `rate(N unit)`; 0 for `rate(0 minute)` (run once); undefined otherwise. */
export function rateMinutes(expression: string): number | undefined {
    const m = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
    if (!m) return undefined;
    const n = Number(m[1]);
    return m[2].startsWith("minute") ? n : m[2].startsWith("hour") ? n * 60 : n * 1440;
}

type Pricer = (e: Estimator, r: CostResource) => void;

const PRICERS: Readonly<Record<string, Pricer>> = {
    [TYPES.natGateway]: (e, r) => e.natGateway(r),
    [TYPES.eip]: (e, r) => e.eip(r),
    [TYPES.loadBalancer]: (e, r) => e.loadBalancer(r),
    [TYPES.albLoadBalancer]: (e, r) => e.loadBalancer(r),
    [TYPES.service]: (e, r) => e.service(r),
    [TYPES.cluster]: (e, r) => e.cluster(r),
    [TYPES.metricAlarm]: (e, r) => e.metricAlarm(r),
    [TYPES.compositeAlarm]: (e, r) => e.compositeAlarm(r),
    [TYPES.dashboard]: (e, r) => e.dashboard(r),
    [TYPES.secret]: (e, r) => e.secret(r),
    [TYPES.parameter]: (e, r) => e.parameter(r),
    [TYPES.kmsKey]: (e, r) => e.kmsKey(r),
    [TYPES.kmsReplicaKey]: (e, r) => e.kmsKey(r),
    [TYPES.webAcl]: (e, r) => e.webAcl(r),
    [TYPES.canary]: (e, r) => e.canary(r),
    [TYPES.healthCheck]: (e, r) => e.healthCheck(r),
    [TYPES.lambda]: (e, r) => e.lambda(r),
    [TYPES.dbInstance]: (e, r) => e.dbInstance(r),
};

/** Known types whose whole cost depends on usage; they are named in `leftOut`, never guessed. */
const USAGE_ONLY: ReadonlySet<string> = new Set([
    TYPES.logGroup,
    TYPES.flowLog,
    TYPES.lambda,
    TYPES.snsTopic,
    // A bucket is billed for what it stores and serves; empty and idle it costs ~$0 (see the S3 note).
    TYPES.bucket,
    TYPES.bucketV2,
    "aws:scheduler/schedule:Schedule",
    "aws:dynamodb/table:Table",
    "aws:sqs/queue:Queue",
    // A Standard state machine is billed per state transition of its runs (see the messaging note).
    "aws:sfn/stateMachine:StateMachine",
]);

/** What every estimate leaves out, whatever the stack holds. */
function standardLeftOut(t: PriceTable): string[] {
    const p = t.prices;
    return [
        `Traffic-dependent charges: load balancer LCUs beyond the idle estimate of 0 (${usd(p.albLcuHour)} per LCU-hour), NAT gateway data processing (${usd(p.natGatewayDataGb)} per GB), data transfer out to the internet and between AZs.`,
        `Log volume: CloudWatch Logs ingestion (${usd(p.cloudwatchLogsIngestionGb)} per GB) and storage (${usd(p.cloudwatchLogsStorageGbMonth)} per GB-month) of container logs, Container Insights performance events and VPC flow logs.`,
        "Lambda, SNS, EventBridge Scheduler, DynamoDB (on demand) and SQS usage: sized for their free tiers (1M Lambda requests and 400,000 GB-seconds, 1M SNS publishes, 14M scheduler invocations, 25 GB of DynamoDB storage, 1M SQS requests a month).",
        `Fargate Spot price variation: Spot tasks are priced at a typical figure (${usd(p.fargateSpotX86VcpuHour)} per vCPU-hour, ${usd(p.fargateSpotX86GbHour)} per GB-hour on x86); the real rate moves with supply and demand.`,
        "API requests (Secrets Manager, KMS, SSM, CloudWatch GetMetricData) and ECR image storage.",
        "Taxes, support plans, Savings Plans and credits, and the AWS Free Tier: account-wide allowances (3 dashboards, 10 alarm metrics, 10 custom metrics, 100 canary runs, 750 h of EC2 public IPv4 in the first year) are not applied.",
    ];
}

/**
 * The idle monthly cost of `resources` in `options.region`: one line per priced resource (or
 * per priced part of it), the total, and what is left out.
 */
export function estimateCost(resources: readonly CostResource[], options: EstimateOptions): CostEstimate {
    const table = options.prices ?? loadPriceTable(options.region);
    if (table.region !== options.region) {
        throw new Error(`estimateCost: the price table is for ${table.region} but the resources are in ${options.region}; pass the table of ${options.region}`);
    }
    const e = new Estimator(table, resources);
    for (const r of resources) {
        if (r.custom === false || r.type.startsWith("pulumi:")) continue;
        const pricer = PRICERS[r.type];
        if (pricer) pricer(e, r);
        else if (!FREE_TYPES.has(r.type) && !USAGE_ONLY.has(r.type)) e.notPriced.set(r.type, [...(e.notPriced.get(r.type) ?? []), r.name]);
    }

    const conditional: string[] = [];
    if (e.lines.some((l) => l.type === TYPES.cluster)) {
        conditional.push(
            "Container Insights is priced from an estimated metric count (cluster, service and task-family metrics), not from the metrics AWS reports.",
        );
    }
    const flowLogs = e.ofType(TYPES.flowLog);
    if (flowLogs.length > 0) {
        conditional.push(
            `VPC flow logs (${flowLogs.map((f) => f.name).join(", ")}): vended log ingestion at ${usd(table.prices.cloudwatchVendedLogsIngestionGb)} per GB, traffic-dependent.`,
        );
    }
    const queues = e.ofType("aws:sqs/queue:Queue").filter((q) => q.inputs.redrivePolicy !== undefined);
    const topics = e.ofType(TYPES.snsTopic).filter((t) => !String(t.inputs.name).endsWith("-alarms"));
    const machines = e.ofType("aws:sfn/stateMachine:StateMachine");
    if (queues.length + topics.length + machines.length > 0)
        conditional.push(
            `Messaging and jobs are usage, idle they cost ~$0: ${[
                topics.length > 0
                    ? `SNS publishes to ${topics.map((t) => String(t.inputs.name)).join(", ")} (${usd(table.prices.snsMillionPublishes)} per million after the first million a month; deliveries to SQS are free)`
                    : "",
                queues.length > 0
                    ? `SQS requests on ${queues.map((q) => String(q.inputs.name)).join(", ")} (about $0.40 per million after the first million a month; a worker at zero tasks makes none, each running task's long polling about 130,000 a month)`
                    : "",
                machines.length > 0
                    ? `Step Functions state transitions of ${machines.map((m) => String(m.inputs.name)).join(", ")} (about $0.025 per 1,000 after 4,000 free a month; an attempt takes fewer than 10, a daily job stays in the free tier) and each run's Fargate task for its minutes`
                    : "",
            ]
                .filter((x) => x)
                .join("; ")}.`,
        );
    if (e.ofType("aws:servicediscovery/httpNamespace:HttpNamespace").length > 0)
        conditional.push(
            "Service Connect: not priced. The Cloud Map namespace is free; AWS Cloud Map's pricing for the instances Service Connect registers (one per task) and for discovery calls may apply, and its proxy runs inside each task's own CPU and memory.",
        );
    if (e.ofType("cloudflare:index/dnsRecord:DnsRecord").length > 0)
        conditional.push("Cloudflare: its Free plan proxies, serves DNS and issues edge certificates at no charge; a paid plan is not included.");
    if (e.ofType("aws:route53/record:Record").length > 0)
        conditional.push("Route 53: the hosted zone ($0.50 a month) is the team's own, outside the stack; alias queries to the load balancer are free.");
    const databases = e.ofType(TYPES.dbInstance);
    if (databases.length > 0) conditional.push(rdsBackupNote(databases, table.prices));
    const buckets = e.ofType(TYPES.bucket, TYPES.bucketV2);
    if (buckets.length > 0) {
        const p = table.prices;
        conditional.push(
            `S3 (${buckets.map((b) => b.name).join(", ")}): an empty bucket costs ~$0; storage (${usd(p.s3StandardStorageGbMonth)} per GB-month, Standard, noncurrent versions included until a lifecycle rule expires them), requests (${usd(p.s3PutRequestsThousand)} per 1,000 PUT, COPY, POST or LIST, ${usd(p.s3GetRequestsThousand)} per 1,000 GET) and data transfer out depend on usage.`,
        );
    }
    const vaults = e.ofType(TYPES.backupVault);
    const plans = e.ofType(TYPES.backupPlan);
    if (vaults.length > 0 || plans.length > 0) {
        const p = table.prices;
        const retention = plans
            .flatMap((plan) => arr(plan.inputs.rules).map(obj))
            .map((rule) => num(obj(rule.lifecycle).deleteAfter))
            .filter((d): d is number => d !== undefined);
        conditional.push(
            `AWS Backup (${[...vaults, ...plans].map((v) => v.name).join(", ")}): the vault, plan and selection are free; the recovery points are warm storage that depends on the data and the retention${retention.length > 0 ? ` (${retention.join(", ")} days)` : ""}: RDS snapshots ${usd(p.backupRdsSnapshotWarmGbMonth)} and S3 backups ${usd(p.backupS3WarmGbMonth)} per GB-month (plus the S3 GET and LIST requests an S3 backup makes), and restores per GB. Not priced.`,
        );
    }
    const acls = e.ofType(TYPES.webAcl);
    if (acls.length > 0) conditional.push(`WAF requests at ${usd(table.prices.wafMillionRequests)} per million (${acls.map((a) => a.name).join(", ")}).`);
    const scaling = e.ofType(TYPES.scalingTarget);
    if (scaling.length > 0) {
        const max = scaling.map((s) => num(s.inputs.maxCapacity)).filter((x): x is number => x !== undefined);
        if (max.length > 0) conditional.push(`Autoscaling may run up to ${max.join(", ")} tasks under load; only the desired count is priced.`);
    }
    for (const [type, names] of e.notPriced) {
        conditional.push(`Not priced, type unknown to the estimate: ${type} (${names.join(", ")}).`);
    }

    const totalUsd = e.lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
    return {
        lines: e.lines,
        totalUsd,
        leftOut: [...standardLeftOut(table), ...conditional, ...e.leftOut],
        priceTable: { region: table.region, retrieved: table.retrieved },
    };
}

/**
 * CDK's `ApplicationLoadBalancedFargateService` with its defaults, as the resources it creates
 * that cost money: a VPC over 2 AZs with a NAT gateway (and its Elastic IP) per AZ, an
 * internet-facing ALB over the 2 public subnets, and one 0.25 vCPU / 0.5 GB on-demand x86 task in
 * the private subnets (no public IP). No Container Insights (the default cluster leaves it off).
 */
export function cdkDefaultBaselineResources(region: string): CostResource[] {
    const azs = [1, 2];
    const family = "ServiceTaskDef";
    return [
        { type: "aws:ec2/vpc:Vpc", name: "Vpc", inputs: { cidrBlock: "10.0.0.0/16" } },
        ...azs.flatMap((i): CostResource[] => [
            { type: "aws:ec2/subnet:Subnet", name: `Vpc/PublicSubnet${i}`, inputs: {} },
            { type: "aws:ec2/subnet:Subnet", name: `Vpc/PrivateSubnet${i}`, inputs: {} },
            { type: TYPES.eip, name: `Vpc/PublicSubnet${i}/EIP`, inputs: { domain: "vpc" } },
            { type: TYPES.natGateway, name: `Vpc/PublicSubnet${i}/NATGateway`, inputs: { allocationId: `Vpc/PublicSubnet${i}/EIP` } },
        ]),
        { type: TYPES.cluster, name: "EcsDefaultCluster", inputs: {} },
        {
            type: TYPES.loadBalancer,
            name: "Service/LB",
            inputs: { loadBalancerType: "application", internal: false, subnets: azs.map((i) => `Vpc/PublicSubnet${i}`) },
        },
        { type: TYPES.taskDefinition, name: "Service/TaskDef", inputs: { family, cpu: "256", memory: "512", requiresCompatibilities: ["FARGATE"] } },
        {
            type: TYPES.service,
            name: "Service/Service",
            inputs: {
                desiredCount: 1,
                launchType: "FARGATE",
                taskDefinition: `arn:aws:ecs:${region}:123456789012:task-definition/${family}:1`,
                networkConfiguration: { assignPublicIp: false, subnets: azs.map((i) => `Vpc/PrivateSubnet${i}`) },
            },
        },
    ];
}

/** The idle monthly cost of CDK's ApplicationLoadBalancedFargateService defaults, with the same table and rules. */
export function cdkDefaultBaseline(prices: PriceTable): CostEstimate {
    return estimateCost(cdkDefaultBaselineResources(prices.region), { region: prices.region, prices });
}

export interface FormatOptions {
    /** Append the price table's date and the list of what is left out. @default true */
    readonly notes?: boolean;
}

/** A plain text table: resource, what is priced, monthly USD with two decimals, and the total. */
export function formatCostTable(estimate: CostEstimate, options: FormatOptions = {}): string {
    const header = ["Resource", "What", "Monthly USD"] as const;
    const rows = estimate.lines.map((l) => [l.resource, l.description, l.monthlyUsd.toFixed(2)]);
    const total = ["Total", "", estimate.totalUsd.toFixed(2)];
    const widths = header.map((h, i) => Math.max(h.length, ...[...rows, total].map((r) => r[i].length)));
    const row = (cells: readonly string[]) => [cells[0].padEnd(widths[0]), cells[1].padEnd(widths[1]), cells[2].padStart(widths[2])].join("  ").trimEnd();
    const rule = widths.map((w) => "-".repeat(w)).join("  ");
    const out = [row(header), rule, ...rows.map(row), rule, row(total)];
    if (options.notes ?? true) {
        out.push(
            "",
            `Idle month of ${estimate.priceTable.region} prices retrieved ${estimate.priceTable.retrieved} (cost/prices/${estimate.priceTable.region}.json).`,
        );
        out.push("Not included:", ...estimate.leftOut.map((l) => `  - ${l}`));
    }
    return out.join("\n");
}
