/**
 * Turns one stack's configuration into a frozen, fully typed settings object. This is the only
 * module that knows configuration keys; components receive plain typed arguments.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_TIERS, KEYS, KeyName, KeySpec, PROJECT, TIERS, Tier, defaultFor, stackNameProblem } from "./keys";
import { DeclaredService, Exposure, parseServices } from "./services";
import { AssetsSettings, BackupSettings, DATA_VARS, DatabaseSettings, parseData } from "./data";
import { SECRET_LOOKING_NAME, cidrContains, cidrsOverlap, isIpv6Cidr, parseCidr, secretLookingValue, subdivideCidr, Cidr } from "./validators";
import { ENV_NAME, LOG_RETENTION_DAYS, fargateSizeProblem, partitionOf, WAF_RATE_LIMIT_RANGE } from "../lib/aws";

export type NatGateways = "none" | "single" | "perAz";
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Network settings; see `stacks/keys.ts` for each key's description and defaults. */
export interface NetworkSettings {
    /** VPC IPv4 block. @default 10.10/10.30/10.40/10.50.0.0/16 for the development, staging, production and preview tiers */
    readonly cidr: string;
    /** Two or three AZ names. Required. */
    readonly availabilityZones: readonly string[];
    /** One public subnet block per AZ. @default cut from the start of the VPC block */
    readonly publicSubnetCidrs: readonly string[];
    /** One private subnet block per AZ. @default cut after the public blocks */
    readonly privateSubnetCidrs: readonly string[];
    /** @default none in development and preview, single in staging, perAz in the production tier */
    readonly natGateways: NatGateways;
    /** VPC flow logs to CloudWatch. @default on in the production tier only */
    readonly flowLogs: boolean;
}

/** One service of the environment: as declared (`stacks/services.ts`) plus the stack-wide settings it runs with. */
export interface ServiceSettings extends DeclaredService {
    /** @default "X86_64" */
    readonly cpuArchitecture: "X86_64" | "ARM64";
    /** @default 60 */
    readonly cpuTargetPercent: number;
    /** @default 75 */
    readonly memoryTargetPercent: number;
    /** @default public in alpha (no NAT), private elsewhere */
    readonly taskSubnets: "private" | "public";
    /** @default debug in alpha, info elsewhere */
    readonly logLevel: LogLevel;
    /** @default 7, 14, 30, 90 */
    readonly logRetentionDays: number;
    /** @default 20 s outside the production tier, 60 s in the production tier */
    readonly healthCheckGracePeriodSeconds: number;
    /** @default 30 */
    readonly stopTimeoutSeconds: number;
    /** Plain variables: the stack's, the service's own, and the platform's APP_ENV, LOG_LEVEL, PORT, SERVICE_NAME, SHUTDOWN_TIMEOUT_MS; sorted by name. */
    readonly environment: Readonly<Record<string, string>>;
    /** Secret variables, each an Output marked secret. */
    readonly secrets: Readonly<Record<string, pulumi.Output<string>>>;
}

export const DNS_PROVIDERS = ["cloudflare", "route53"] as const;
export type DnsProvider = (typeof DNS_PROVIDERS)[number];

/** Where the environment's names and certificate validation records live; see `stacks/keys.ts`. */
export interface DnsSettings {
    /** @default "cloudflare" */
    readonly provider: DnsProvider;
    /** The zone's name, e.g. example.org. Required. */
    readonly zone: string;
    /** The zone's id; absent: looked up by name. */
    readonly zoneId?: string;
    /** Records proxied by Cloudflare, and the load balancer closed to everyone else. @default true with cloudflare */
    readonly proxied: boolean;
    /** The environment's public host names (http services', then tcp services'), each inside the zone: one record each, and names on the certificate. */
    readonly hostNames: readonly string[];
    /** The names Cloudflare proxies: the http services' (tcp services' names are DNS-only); empty when not proxied. */
    readonly proxiedHostNames: readonly string[];
}

/** Load balancer and its target group's health check; see `stacks/keys.ts`. */
export interface LoadBalancerSettings {
    /** Records not proxied: IPv4 blocks admitted on 80 and 443. @default ["0.0.0.0/0"] */
    readonly ingressCidrs: readonly string[];
    /** Records not proxied: IPv6 blocks admitted on 80 and 443. @default ["::/0"] */
    readonly ingressIpv6Cidrs: readonly string[];
    /** @default 60 */
    readonly idleTimeoutSeconds: number;
    /** @default 5 s outside production (AWS guidance for fast deploys), 30 s in the production tier */
    readonly deregistrationDelaySeconds: number;
    /** An AWS WAF web ACL on the load balancer. @default on in the production tier */
    readonly waf: boolean;
    /** waf: requests per client address per 5 minutes. @default 2000 */
    readonly wafRateLimit: number;
    readonly healthCheck: {
        /** @default "/health" */
        readonly path: string;
        /** @default 5 outside the production tier, 30 in the production tier */
        readonly intervalSeconds: number;
        /** @default 4 outside the production tier, 5 in the production tier */
        readonly timeoutSeconds: number;
        /** @default 2 outside the production tier, 3 in the production tier */
        readonly healthyThreshold: number;
        /** @default 2 */
        readonly unhealthyThreshold: number;
        /** @default "200-299" */
        readonly matcher: string;
    };
}

/** How a release replaces the running tasks; see `stacks/keys.ts` and README "Releases". */
export interface DeploymentSettings {
    /** @default "rolling" outside production; "blueGreen" in the production tier */
    readonly strategy: DeploymentStrategy;
    /** blueGreen: minutes blue stays ready after the switch. @default 2, 2, 5, 10 */
    readonly bakeTimeMinutes: number;
    /** blueGreen: the HTTP test listener's port. @default 9080 */
    readonly testListenerPort: number;
    /** blueGreen: who besides the smoke test may reach the test listener. @default [] */
    readonly testListenerCidrs: readonly string[];
    /** blueGreen: run the smoke-test lifecycle hook. @default on in the production tier */
    readonly smokeTest: boolean;
    /** Deployment alarm thresholds; an alarm during a deploy rolls it back. @default 5 % and 2000 ms */
    readonly rollbackOn5xxPercent: number;
    readonly rollbackOnP99LatencyMs: number;
}

export const DEPLOYMENT_STRATEGIES = ["rolling", "blueGreen"] as const;
export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];

/** Alarms, their Slack notifications, endpoint checks and tracing; see `stacks/keys.ts`. */
export interface MonitoringSettings {
    /** Alarm thresholds. @default 5xx 10/10/5/2 %, p99 3000/3000/2000/1000 ms, CPU and memory 85 % */
    readonly alarm5xxPercent: number;
    readonly alarmP99LatencyMs: number;
    readonly alarmCpuPercent: number;
    readonly alarmMemoryPercent: number;
    /** Minutes between reminders of alarms still firing. @default 240, 240, 120, 30 */
    readonly reminderMinutes: number;
    /** Minutes between endpoint checks. @default 5, 5, 1, 1 */
    readonly endpointCheckMinutes: number;
    /** The Slack incoming webhook, secret; absent: alarms reach the topic but nobody is told. */
    readonly slackWebhookUrl?: pulumi.Output<string>;
    /** An OpenTelemetry collector sidecar sending traces to X-Ray. @default on in the production tier */
    readonly tracing: boolean;
    /** The alarm topic's key alias (the bootstrap's), or undefined: the stack creates its own. */
    readonly alarmTopicKeyAlias?: string;
}

export interface Settings {
    readonly app: string;
    /** The one account the stack may deploy to (`aws:allowedAccountIds`). */
    readonly accountId: string;
    /** Permissions boundary of every IAM role. @default the bootstrap's `<app>-<env>-boundary` */
    readonly permissionsBoundaryArn?: string;
    /** The stack's name: `alpha`, `live`, `staging2`, `pr-42`... */
    readonly env: string;
    /** What kind of environment it is; every default follows it. @default development for alpha and beta, staging for gamma, production for live */
    readonly tier: Tier;
    readonly region: string;
    /** Tags on every resource: app, environment, managed-by. */
    readonly tags: Readonly<Record<string, string>>;
    /** @default true in the production tier only */
    readonly protect: boolean;
    /** Days CloudWatch keeps the environment's logs (containers, flow logs, functions, WAF). @default 7, 14, 30, 90 */
    readonly logRetentionDays: number;
    readonly network: NetworkSettings;
    readonly dns: DnsSettings;
    /** In the stack file's order. */
    readonly services: readonly ServiceSettings[];
    readonly loadBalancer: LoadBalancerSettings;
    readonly deployment: DeploymentSettings;
    readonly monitoring: MonitoringSettings;
    /** The database, when `database` is not none; see `stacks/data.ts`. */
    readonly database?: DatabaseSettings;
    /** The assets bucket, when `assetsBucket` is on. */
    readonly assets?: AssetsSettings;
    /** The AWS Backup plan, when `backupPlan` is on and there is a database or bucket to back up. */
    readonly backup?: BackupSettings;
}

/** Every problem found in a stack's configuration, reported together. */
export class SettingsError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: readonly string[],
    ) {
        super(`stack "${stack}" has invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "SettingsError";
    }
}

/** Raw configuration as the Pulumi engine hands it to a program: every value a string. */
export interface RawConfig {
    /** `namespace:key` -> value (objects and arrays JSON-encoded). */
    readonly values: Readonly<Record<string, string>>;
    /** Keys set with `--secret`. */
    readonly secretKeys: readonly string[];
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const NAME = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** What the test harness passes for a `secure:` value it cannot decrypt. */
const UNDECRYPTED = "[encrypted in stack file]";
const PLATFORM_VARS = ["APP_ENV", "LOG_LEVEL", "PORT", "SERVICE_NAME", "SHUTDOWN_TIMEOUT_MS"];
/** Seconds the app's graceful shutdown leaves before the stop timeout's SIGKILL, for its last log lines. */
const SHUTDOWN_MARGIN_SECONDS = 2;

type Typed = { key: KeyName; value: unknown };

/**
 * The stack's tier: its `tier` key, or the default environments' own. Throws
 * {@link SettingsError} for an unknown tier, or a stack of another name that does not set one.
 */
export function tierOf(stack: string, raw: RawConfig): Tier {
    const set = raw.values[`${PROJECT}:tier`];
    if (set !== undefined && set !== "") {
        if ((TIERS as readonly string[]).includes(set)) return set as Tier;
        throw new SettingsError(stack, [`key ${PROJECT}:tier = ${show(set)}: allowed: ${TIERS.join(", ")}`]);
    }
    const known = DEFAULT_TIERS[stack];
    if (known) return known;
    throw new SettingsError(stack, [
        `key ${PROJECT}:tier is missing: the stack "${stack}" is not one of the default environments (${Object.keys(DEFAULT_TIERS).join(", ")}), so it must say which defaults it takes; set it with pulumi config set tier <tier>, allowed: ${TIERS.join(", ")}`,
    ]);
}

/**
 * Builds the settings of `stack` from raw configuration. Pure: reads nothing but its arguments,
 * so tests can try every bad input without a Pulumi runtime. Throws {@link SettingsError}.
 */
export function buildSettings(stack: string, raw: RawConfig): Settings {
    const nameProblem = stackNameProblem(stack);
    if (nameProblem) throw new SettingsError(stack, [`the stack name "${stack}" cannot be used: ${nameProblem}`]);
    const env = stack;
    const tier = tierOf(stack, raw);
    const problems: string[] = [];
    const where = (key: string, value: unknown) => `key ${key.includes(":") ? key : `${PROJECT}:${key}`} = ${show(value)}`;
    const fail = (key: string, value: unknown, allowed: string) => problems.push(`${where(key, value)}: ${allowed}`);

    // 1. Unknown keys in our namespace, and the region.
    for (const full of Object.keys(raw.values)) {
        const [ns, key] = splitKey(full);
        if (ns === PROJECT && !(key in KEYS)) {
            fail(full, raw.values[full], `unknown key; known keys are ${Object.keys(KEYS).join(", ")}`);
        }
    }
    const region = raw.values["aws:region"];
    if (region === undefined) {
        problems.push(`key aws:region is missing: set it with pulumi config set aws:region <region>, e.g. eu-west-1`);
    } else if (!REGION.test(region)) {
        fail("aws:region", region, "must be an AWS region name such as eu-west-1");
    }
    // The account: the AWS provider refuses credentials of any other, and ARNs in policies name it.
    let accounts: unknown;
    try {
        accounts = JSON.parse(raw.values["aws:allowedAccountIds"] ?? "null");
    } catch {
        accounts = raw.values["aws:allowedAccountIds"];
    }
    const accountId =
        Array.isArray(accounts) && accounts.length === 1 && typeof accounts[0] === "string" && /^\d{12}$/.test(accounts[0]) ? accounts[0] : undefined;
    if (!accountId) {
        fail(
            "aws:allowedAccountIds",
            accounts ?? "(missing)",
            'exactly one 12-digit account id as a quoted string, e.g. ["123456789012"]: the AWS provider then refuses credentials of any other account',
        );
    }

    // 2. Types and required keys.
    const values = {} as Record<KeyName, unknown>;
    for (const key of Object.keys(KEYS) as KeyName[]) {
        const full = `${PROJECT}:${key}`;
        const text = raw.values[full];
        const spec: KeySpec = KEYS[key];
        if (text === undefined) {
            const d = defaultFor(key, tier);
            if (d === undefined) {
                problems.push(`key ${full} is required in every stack and missing: ${spec.description}`);
            }
            values[key] = d;
            continue;
        }
        const typed = parseTyped(key, spec, text);
        if (typeof typed === "string") {
            fail(full, spec.secret ? "[secret]" : text, typed);
            values[key] = defaultFor(key, tier);
        } else {
            values[key] = typed.value;
        }
        // An empty value is "not set" (Pulumi.yaml's default), not a secret in plain text.
        if (spec.secret && text !== "" && !raw.secretKeys.includes(full)) {
            problems.push(
                spec.type === "object"
                    ? `key ${full} holds plain-text values; secret values must be encrypted: remove them from Pulumi.${stack}.yaml and set each with pulumi config set --secret --path '${key}.NAME' VALUE`
                    : `key ${full} is in plain text; it must be encrypted: remove it from Pulumi.${stack}.yaml and set it with pulumi config set --secret ${key} VALUE`,
            );
        }
    }
    if (problems.length > 0) throw new SettingsError(stack, problems);

    const v = values as {
        [K in KeyName]: (typeof KEYS)[K]["type"] extends "integer"
            ? number
            : (typeof KEYS)[K]["type"] extends "boolean"
              ? boolean
              : (typeof KEYS)[K]["type"] extends "array"
                ? string[]
                : (typeof KEYS)[K]["type"] extends "object"
                  ? Record<string, string>
                  : string;
    } & { services: unknown; secrets: Record<string, unknown> };
    const production = tier === "production";

    // 3. Names.
    if (!NAME.test(v.appName))
        fail("appName", v.appName, "must be 2-20 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen");

    // 4-5. Task size, ports, scaling: the stack-wide values every service takes unless it overrides them.
    const sizeProblem = fargateSizeProblem(v.cpu, v.memory);
    if (sizeProblem) fail("cpu", `${v.cpu} with memory ${v.memory}`, `not a Fargate task size: ${sizeProblem}`);
    if (!["X86_64", "ARM64"].includes(v.cpuArchitecture)) fail("cpuArchitecture", v.cpuArchitecture, "allowed: X86_64, ARM64");
    if (!inRange(v.containerPort, 1024, 65535))
        fail(
            "containerPort",
            v.containerPort,
            "port out of range: allowed 1024 to 65535 (the container runs as a non-root user, which cannot bind ports below 1024)",
        );
    if (v.minTasks < 1) fail("minTasks", v.minTasks, "allowed: 1 or more");
    if (production && v.minTasks < 2)
        fail(
            "minTasks",
            v.minTasks,
            "the production tier needs at least 2 tasks so that one AZ or one task failing does not take the service down; allowed: 2 or more",
        );
    if (v.maxTasks < v.minTasks || v.maxTasks > 100) fail("maxTasks", v.maxTasks, `allowed: minTasks (${v.minTasks}) to 100`);
    for (const key of ["cpuTargetPercent", "memoryTargetPercent"] as const) {
        if (!inRange(v[key], 10, 90)) fail(key, v[key], "allowed: 10 to 90 (percent)");
    }
    if (production && v.spot)
        fail(
            "spot",
            v.spot,
            "the production tier does not run on Fargate Spot (tasks can be reclaimed at two minutes' notice); allowed in the production tier: false",
        );

    // 6. Network.
    if (!["none", "single", "perAz"].includes(v.natGateways)) fail("natGateways", v.natGateways, "allowed: none, single, perAz");
    if (!["private", "public"].includes(v.taskSubnets)) fail("taskSubnets", v.taskSubnets, "allowed: private, public");
    if (production && v.taskSubnets !== "private")
        fail(
            "taskSubnets",
            v.taskSubnets,
            "the production tier's tasks always run in private subnets without public IPs; allowed in the production tier: private",
        );
    if (v.taskSubnets === "private" && v.natGateways === "none") {
        fail(
            "natGateways",
            v.natGateways,
            "tasks in private subnets need a NAT gateway to pull images and read secrets; allowed: single or perAz, or set taskSubnets to public (not in the production tier)",
        );
    }
    const azs = v.availabilityZones;
    if (azs.length < 2 || azs.length > 3) {
        fail(
            "availabilityZones",
            azs,
            production
                ? "the production tier needs at least 2 AZs (and at most 3); allowed: 2 or 3 zone names"
                : "allowed: 2 or 3 zone names (a load balancer needs two)",
        );
    }
    if (region && azs.some((az) => !az.startsWith(region) || !/^[a-z]$/.test(az.slice(region.length)))) {
        fail("availabilityZones", azs, `every zone must be in the stack's region ${region}, e.g. ${region}a`);
    }
    if (new Set(azs).size !== azs.length) fail("availabilityZones", azs, "zones must be distinct");
    const subnets = networkBlocks(v.vpcCidr, v.publicSubnetCidrs, v.privateSubnetCidrs, azs.length, fail);

    // 7. Health checks and timings.
    if (!/^\/[\x21-\x7e]*$/.test(v.healthCheckPath) || v.healthCheckPath.length > 1024)
        fail("healthCheckPath", v.healthCheckPath, "must start with / and hold no spaces (at most 1024 characters)");
    if (!inRange(v.healthCheckIntervalSeconds, 5, 300)) fail("healthCheckIntervalSeconds", v.healthCheckIntervalSeconds, "allowed: 5 to 300 seconds");
    if (!inRange(v.healthCheckTimeoutSeconds, 2, 120)) fail("healthCheckTimeoutSeconds", v.healthCheckTimeoutSeconds, "allowed: 2 to 120 seconds");
    if (v.healthCheckTimeoutSeconds >= v.healthCheckIntervalSeconds) {
        fail(
            "healthCheckTimeoutSeconds",
            v.healthCheckTimeoutSeconds,
            `must be below healthCheckIntervalSeconds (${v.healthCheckIntervalSeconds}); allowed: 2 to ${v.healthCheckIntervalSeconds - 1}`,
        );
    }
    for (const key of ["healthyThreshold", "unhealthyThreshold"] as const) {
        if (!inRange(v[key], 2, 10)) fail(key, v[key], "allowed: 2 to 10 consecutive checks");
    }
    if (!/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(v.healthCheckMatcher))
        fail("healthCheckMatcher", v.healthCheckMatcher, "allowed: HTTP codes such as 200, 200-299 or 200,204");
    if (!inRange(v.healthCheckGracePeriodSeconds, 0, 7200))
        fail("healthCheckGracePeriodSeconds", v.healthCheckGracePeriodSeconds, "allowed: 0 to 7200 seconds");
    if (!inRange(v.deregistrationDelaySeconds, 0, 3600)) fail("deregistrationDelaySeconds", v.deregistrationDelaySeconds, "allowed: 0 to 3600 seconds");
    if (!inRange(v.stopTimeoutSeconds, 2, 120)) fail("stopTimeoutSeconds", v.stopTimeoutSeconds, "allowed: 2 to 120 seconds (the Fargate maximum)");
    else if (v.stopTimeoutSeconds <= Math.min(v.deregistrationDelaySeconds, 119)) {
        fail(
            "stopTimeoutSeconds",
            v.stopTimeoutSeconds,
            `must be longer than deregistrationDelaySeconds (${v.deregistrationDelaySeconds}): a Fargate Spot interruption sends SIGTERM while the load balancer still drains the task, which must outlive the drain (up to Fargate's 120 s); allowed: ${Math.min(v.deregistrationDelaySeconds, 119) + 1} to 120`,
        );
    }
    if (!inRange(v.idleTimeoutSeconds, 1, 4000)) fail("idleTimeoutSeconds", v.idleTimeoutSeconds, "allowed: 1 to 4000 seconds");

    // 8. Logs.
    if (!["debug", "info", "warn", "error"].includes(v.logLevel)) fail("logLevel", v.logLevel, "allowed: debug, info, warn, error");
    if (!LOG_RETENTION_DAYS.includes(v.logRetentionDays)) fail("logRetentionDays", v.logRetentionDays, `allowed: ${LOG_RETENTION_DAYS.join(", ")}`);

    // 9. Services, load balancer and DNS.
    const services = parseServices(
        v.services,
        {
            cpu: v.cpu,
            memory: v.memory,
            minTasks: v.minTasks,
            maxTasks: v.maxTasks,
            containerPort: v.containerPort,
            spot: v.spot,
            healthCheckPath: v.healthCheckPath,
        },
        { production, digestOnly: tier === "staging" || production, platformVars: PLATFORM_VARS, env },
        fail,
    );
    const blueGreen = v.deployment === "blueGreen";
    const provider = v.dnsProvider as DnsProvider;
    if (!(DNS_PROVIDERS as readonly string[]).includes(v.dnsProvider)) fail("dnsProvider", v.dnsProvider, `allowed: ${DNS_PROVIDERS.join(", ")}`);
    if (v.dnsZone === "") fail("dnsZone", v.dnsZone, "the zone must be named, e.g. example.org: its records and the certificate's validation records go there");
    else if (!HOST_NAME.test(v.dnsZone))
        fail("dnsZone", v.dnsZone, "must be a DNS zone name such as example.org: lowercase labels of letters, digits and hyphens");
    else {
        for (const s of services)
            for (const host of s.hosts)
                if (host !== v.dnsZone && !host.endsWith(`.${v.dnsZone}`))
                    fail(
                        `services.${s.name}.hosts`,
                        host,
                        `the host name is outside the zone ${v.dnsZone} (dnsZone); allowed: ${v.dnsZone} or a name ending in .${v.dnsZone}`,
                    );
    }
    const zoneIdPattern = provider === "route53" ? /^Z[A-Z0-9]{1,31}$/ : /^[0-9a-f]{32}$/;
    if (v.dnsZoneId !== "" && !zoneIdPattern.test(v.dnsZoneId))
        fail(
            "dnsZoneId",
            v.dnsZoneId,
            provider === "route53" ? "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or empty" : "a Cloudflare zone id (32 hex digits), or empty",
        );
    // Left unset, proxying follows the provider: Cloudflare proxies, Route 53 cannot.
    const proxied = raw.values[`${PROJECT}:dnsProxied`] !== undefined ? v.dnsProxied : provider === "cloudflare";
    if (proxied && provider === "route53")
        fail("dnsProxied", v.dnsProxied, "Route 53 answers with the load balancer's own addresses and cannot proxy; allowed with dnsProvider route53: false");
    if (proxied) {
        // Through Cloudflare, the load balancer admits Cloudflare's ranges only; a setting that would be ignored is an error.
        for (const key of ["ingressCidrs", "ingressIpv6Cidrs"] as const) {
            if (JSON.stringify(v[key]) !== JSON.stringify(KEYS[key].default))
                fail(
                    key,
                    v[key],
                    "records are proxied (dnsProvider cloudflare, dnsProxied true), so the load balancer admits Cloudflare's published ranges only; remove this key, or set dnsProxied: false",
                );
        }
    }
    if (v.ingressCidrs.length === 0 && v.ingressIpv6Cidrs.length === 0)
        fail("ingressCidrs", v.ingressCidrs, "at least one IPv4 or IPv6 block, e.g. 0.0.0.0/0 (with ingressIpv6Cidrs ::/0)");
    for (const c of v.ingressIpv6Cidrs) if (!isIpv6Cidr(c)) fail("ingressIpv6Cidrs", c, "must be an IPv6 CIDR block such as ::/0 or 2001:db8::/32");
    if (!inRange(v.wafRateLimit, WAF_RATE_LIMIT_RANGE[0], WAF_RATE_LIMIT_RANGE[1]))
        fail(
            "wafRateLimit",
            v.wafRateLimit,
            `allowed: ${WAF_RATE_LIMIT_RANGE[0]} to ${WAF_RATE_LIMIT_RANGE[1]} requests per client address per 5 minutes (AWS WAF's limits)`,
        );
    for (const c of v.ingressCidrs) if (!parseCidr(c)) fail("ingressCidrs", c, "must be an IPv4 CIDR block such as 0.0.0.0/0 or 203.0.113.0/24");

    // 10. Deployment.
    if (!(DEPLOYMENT_STRATEGIES as readonly string[]).includes(v.deployment)) fail("deployment", v.deployment, `allowed: ${DEPLOYMENT_STRATEGIES.join(", ")}`);
    if (!inRange(v.bakeTimeMinutes, 0, 30))
        fail(
            "bakeTimeMinutes",
            v.bakeTimeMinutes,
            "allowed: 0 to 30 minutes: pulumi up and the deploy job wait through the bake time (the job's timeout is 60 minutes; ECS itself allows up to 1440)",
        );
    if (!inRange(v.testListenerPort, 1, 65535) || v.testListenerPort === 80 || v.testListenerPort === 443)
        fail("testListenerPort", v.testListenerPort, "allowed: 1 to 65535 except 80 and 443, which carry production traffic");
    for (const c of v.testListenerCidrs) if (!parseCidr(c)) fail("testListenerCidrs", c, "must be an IPv4 CIDR block such as 203.0.113.0/24");
    if (v.testListenerCidrs.includes("0.0.0.0/0"))
        fail("testListenerCidrs", "0.0.0.0/0", "the test listener serves unreleased code: allow named networks only, never the whole internet");
    // Left unset, the smoke test follows the strategy, so switching deployment is one setting.
    const smokeTest = raw.values[`${PROJECT}:smokeTest`] !== undefined ? v.smokeTest : v.smokeTest && blueGreen && v.natGateways !== "none";
    if (smokeTest && !blueGreen)
        fail(
            "smokeTest",
            v.smokeTest,
            `the smoke test requests the test listener, which only deployment blueGreen has (deployment is ${v.deployment}); allowed: false, or set deployment: blueGreen`,
        );
    if (smokeTest && v.natGateways === "none")
        fail(
            "smokeTest",
            v.smokeTest,
            "the smoke test runs in the private subnets and reaches the test listener through a NAT gateway; set natGateways: single or perAz, or smokeTest: false",
        );
    if (!inRange(v.rollbackOn5xxPercent, 1, 100)) fail("rollbackOn5xxPercent", v.rollbackOn5xxPercent, "allowed: 1 to 100 percent");
    if (!inRange(v.rollbackOnP99LatencyMs, 10, 60000)) fail("rollbackOnP99LatencyMs", v.rollbackOnP99LatencyMs, "allowed: 10 to 60000 ms");

    // 10b. The database, the assets bucket and their backups.
    const data = parseData(
        v,
        services,
        {
            app: v.appName,
            env,
            accountId: accountId ?? "",
            production,
            protect: v.protect,
            dns: { zone: v.dnsZone, provider, proxied },
            environment: v.environment,
            undecrypted: UNDECRYPTED,
        },
        fail,
    );

    // 11. IAM.
    const boundary = /^arn:aws[a-z-]*:iam::\d{12}:policy\/[\w+=,.@/-]{1,128}$/;
    if (!["bootstrap", "none"].includes(v.permissionsBoundary) && !boundary.test(v.permissionsBoundary))
        fail("permissionsBoundary", v.permissionsBoundary, "allowed: bootstrap, none, or an IAM policy ARN arn:aws:iam::<account>:policy/<name>");

    // 12. Monitoring.
    for (const [key, low, high, unit] of [
        ["alarm5xxPercent", 1, 100, "percent"],
        ["alarmP99LatencyMs", 10, 60000, "ms"],
        ["alarmCpuPercent", 1, 100, "percent"],
        ["alarmMemoryPercent", 1, 100, "percent"],
        ["reminderMinutes", 5, 1440, "minutes"],
        ["endpointCheckMinutes", 1, 5, "minutes (the issue asks for a check at least every 5 minutes)"],
    ] as const) {
        if (!inRange(v[key], low, high)) fail(key, v[key], `allowed: ${low} to ${high} ${unit}`);
    }
    if (!["bootstrap", "create"].includes(v.alarmTopicKey)) fail("alarmTopicKey", v.alarmTopicKey, "allowed: bootstrap, create");
    if (v.slackWebhookUrl !== "" && !/^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+$/.test(v.slackWebhookUrl) && v.slackWebhookUrl !== UNDECRYPTED)
        fail("slackWebhookUrl", "[secret]", "must be a Slack incoming webhook URL, https://hooks.slack.com/services/...");

    // 13. Environment and secrets.
    for (const [name, value] of Object.entries(v.environment)) {
        const key = `environment.${name}`;
        if (!ENV_NAME.test(name)) fail(key, name, "invalid variable name: letters, digits and underscores, not starting with a digit");
        else if (PLATFORM_VARS.includes(name))
            fail(key, value, `${name} is set by the platform from the stack (${PLATFORM_VARS.join(", ")}); use the logLevel or containerPort keys`);
        else if (SECRET_LOOKING_NAME.test(name) || secretLookingValue(value)) {
            fail(
                key,
                "[redacted]",
                `looks like a secret and would be stored in plain text; move it to secrets with pulumi config set --secret --path 'secrets.${name}' VALUE`,
            );
        }
    }
    // Secrets by service: secrets.<service>.<NAME>.
    const secretsOf: Record<string, Record<string, string>> = {};
    for (const [svc, names] of Object.entries(v.secrets)) {
        const service = services.find((x) => x.name === svc);
        if (!service) {
            fail(
                `secrets.${svc}`,
                "[secret]",
                `not a service of this stack (${services.map((x) => x.name).join(", ")}); set each secret with pulumi config set --secret --path 'secrets.<service>.NAME' VALUE`,
            );
            continue;
        }
        if (typeof names !== "object" || names === null || Array.isArray(names)) {
            fail(
                `secrets.${svc}`,
                "[secret]",
                `wrong type: expected a map of NAME: value, set with pulumi config set --secret --path 'secrets.${svc}.NAME' VALUE`,
            );
            continue;
        }
        secretsOf[svc] = {};
        for (const [name, value] of Object.entries(names as Record<string, unknown>)) {
            const key = `secrets.${svc}.${name}`;
            if (typeof value === "object" || value === undefined) fail(key, "[secret]", "wrong type: expected a string");
            else if (!ENV_NAME.test(name)) fail(key, "[secret]", `invalid variable name "${name}": letters, digits and underscores, not starting with a digit`);
            else if (PLATFORM_VARS.includes(name)) fail(key, "[secret]", `${name} is set by the platform and cannot be a secret`);
            else if (name in v.environment || name in service.environment)
                fail(key, "[secret]", `${name} is also set in environment; a variable is either plain or secret`);
            else if (service.uses.some((u) => DATA_VARS[u].includes(name)))
                fail(key, "[secret]", `${name} is set by the platform for services that use ${service.uses.join(" and ")}; remove it`);
            else secretsOf[svc][name] = String(value);
        }
    }

    if (problems.length > 0) throw new SettingsError(stack, problems);

    const tags = { app: v.appName, environment: env, "managed-by": "pulumi" };
    const serviceSettings: ServiceSettings[] = services.map((d) => {
        const merged: Record<string, string> = {
            ...v.environment,
            ...d.environment,
            APP_ENV: env,
            LOG_LEVEL: v.logLevel,
            PORT: String(d.containerPort),
            SERVICE_NAME: d.name,
            // The app finishes its requests and exits before ECS's SIGKILL at the stop timeout.
            SHUTDOWN_TIMEOUT_MS: String(Math.max(1, v.stopTimeoutSeconds - SHUTDOWN_MARGIN_SECONDS) * 1000),
        };
        // Where the assets are; reading them is the task role's grant.
        if (data.assets && d.uses.includes("assets")) {
            merged.ASSETS_BUCKET = data.assets.bucketName;
            if (data.assets.host) merged.ASSETS_URL = `https://${data.assets.host}`;
        }
        const environment: Record<string, string> = {};
        for (const name of Object.keys(merged).sort()) environment[name] = merged[name];
        const own: Record<string, string> = { ...(secretsOf[d.name] ?? {}) };
        // The external database's connection string reaches its users like any other secret.
        if (data.database?.kind === "external" && d.uses.includes("database")) own.DATABASE_URL = v.databaseUrl;
        const secrets: Record<string, pulumi.Output<string>> = {};
        for (const name of Object.keys(own).sort()) secrets[name] = pulumi.secret(own[name]);
        return {
            ...d,
            cpuArchitecture: v.cpuArchitecture as "X86_64" | "ARM64",
            cpuTargetPercent: v.cpuTargetPercent,
            memoryTargetPercent: v.memoryTargetPercent,
            taskSubnets: v.taskSubnets as "private" | "public",
            logLevel: v.logLevel as LogLevel,
            logRetentionDays: v.logRetentionDays,
            healthCheckGracePeriodSeconds: v.healthCheckGracePeriodSeconds,
            stopTimeoutSeconds: v.stopTimeoutSeconds,
            environment,
            secrets,
        };
    });
    const publicHosts = (exposure: Exposure) => services.filter((x) => x.exposure === exposure).flatMap((x) => x.hosts);

    return deepFreeze({
        app: v.appName,
        accountId: accountId as string,
        permissionsBoundaryArn:
            v.permissionsBoundary === "none"
                ? undefined
                : v.permissionsBoundary === "bootstrap"
                  ? `arn:${partitionOf(region ?? "")}:iam::${accountId as string}:policy/${v.appName}-${env}-boundary`
                  : v.permissionsBoundary,
        env,
        tier,
        region: region as string,
        tags,
        protect: v.protect,
        logRetentionDays: v.logRetentionDays,
        network: {
            cidr: v.vpcCidr,
            availabilityZones: [...azs],
            publicSubnetCidrs: subnets.publicCidrs,
            privateSubnetCidrs: subnets.privateCidrs,
            natGateways: v.natGateways as NatGateways,
            flowLogs: v.flowLogs,
        },
        services: serviceSettings,
        dns: {
            provider,
            zone: v.dnsZone,
            zoneId: v.dnsZoneId === "" ? undefined : v.dnsZoneId,
            proxied,
            // The ALB's names first (the certificate's subject is the first http host), then the NLBs'.
            hostNames: [...publicHosts("http"), ...publicHosts("tcp")],
            proxiedHostNames: proxied ? publicHosts("http") : [],
        },
        loadBalancer: {
            ingressCidrs: [...v.ingressCidrs],
            ingressIpv6Cidrs: [...v.ingressIpv6Cidrs],
            idleTimeoutSeconds: v.idleTimeoutSeconds,
            deregistrationDelaySeconds: v.deregistrationDelaySeconds,
            waf: v.waf,
            wafRateLimit: v.wafRateLimit,
            healthCheck: {
                path: v.healthCheckPath,
                intervalSeconds: v.healthCheckIntervalSeconds,
                timeoutSeconds: v.healthCheckTimeoutSeconds,
                healthyThreshold: v.healthyThreshold,
                unhealthyThreshold: v.unhealthyThreshold,
                matcher: v.healthCheckMatcher,
            },
        },
        monitoring: {
            alarm5xxPercent: v.alarm5xxPercent,
            alarmP99LatencyMs: v.alarmP99LatencyMs,
            alarmCpuPercent: v.alarmCpuPercent,
            alarmMemoryPercent: v.alarmMemoryPercent,
            reminderMinutes: v.reminderMinutes,
            endpointCheckMinutes: v.endpointCheckMinutes,
            slackWebhookUrl: v.slackWebhookUrl === "" ? undefined : pulumi.secret(v.slackWebhookUrl),
            tracing: v.tracing,
            alarmTopicKeyAlias: v.alarmTopicKey === "bootstrap" ? `alias/${v.appName}-${env}-alarms` : undefined,
        },
        deployment: {
            strategy: v.deployment as DeploymentStrategy,
            bakeTimeMinutes: v.bakeTimeMinutes,
            testListenerPort: v.testListenerPort,
            testListenerCidrs: [...v.testListenerCidrs],
            smokeTest,
            rollbackOn5xxPercent: v.rollbackOn5xxPercent,
            rollbackOnP99LatencyMs: v.rollbackOnP99LatencyMs,
        },
        database: data.database,
        assets: data.assets,
        backup: data.backup,
    });
}

/**
 * The settings of the stack being deployed, read from the Pulumi engine's configuration.
 * Called once by `index.ts` before any resource exists.
 */
export function loadSettings(): Settings {
    const values = pulumi.runtime.allConfig();
    // isConfigSecret is exported by the SDK's runtime module but missing from its type declarations.
    const runtime = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };
    const secretKeys = Object.keys(values).filter((k) => runtime.isConfigSecret(k));
    return buildSettings(pulumi.getStack(), { values, secretKeys });
}

function networkBlocks(
    vpcText: string,
    publicTexts: readonly string[],
    privateTexts: readonly string[],
    azCount: number,
    fail: (key: string, value: unknown, allowed: string) => void,
): { publicCidrs: string[]; privateCidrs: string[] } {
    const empty = { publicCidrs: [], privateCidrs: [] };
    const vpc = parseCidr(vpcText);
    if (!vpc) {
        fail("vpcCidr", vpcText, "must be an IPv4 CIDR block with no host bits set, e.g. 10.10.0.0/16");
        return empty;
    }
    if (vpc.prefix < 16 || vpc.prefix > 20) {
        fail("vpcCidr", vpcText, "allowed prefix lengths: /16 to /20");
        return empty;
    }
    const explicitOrDerived = (key: "publicSubnetCidrs" | "privateSubnetCidrs", texts: readonly string[], derive: (i: number) => string) => {
        if (texts.length === 0) return Array.from({ length: Math.min(azCount, 3) }, (_, i) => derive(i));
        if (texts.length !== azCount) fail(key, texts, `one block per availability zone: ${azCount} expected`);
        return [...texts];
    };
    const publicCidrs = explicitOrDerived("publicSubnetCidrs", publicTexts, (i) => subdivideCidr(vpc, vpc.prefix + 8, i));
    const privateCidrs = explicitOrDerived("privateSubnetCidrs", privateTexts, (i) => subdivideCidr(vpc, vpc.prefix + 4, i + 1));
    const seen: { key: string; cidr: Cidr }[] = [];
    for (const [key, list] of [
        ["publicSubnetCidrs", publicCidrs],
        ["privateSubnetCidrs", privateCidrs],
    ] as const) {
        for (const text of list) {
            const c = parseCidr(text);
            if (!c) {
                fail(key, text, "must be an IPv4 CIDR block with no host bits set, e.g. 10.10.0.0/24");
                continue;
            }
            if (c.prefix > 28) fail(key, text, "subnets must be /28 or larger");
            if (!cidrContains(vpc, c)) fail(key, text, `must lie inside vpcCidr ${vpcText}`);
            const clash = seen.find((s) => cidrsOverlap(s.cidr, c));
            if (clash) fail(key, text, `overlaps ${clash.cidr.text} (${clash.key}); subnet blocks must not overlap`);
            seen.push({ key, cidr: c });
        }
    }
    return { publicCidrs, privateCidrs };
}

function parseTyped(key: KeyName, spec: KeySpec, text: string): Typed | string {
    switch (spec.type) {
        case "string":
            return { key, value: text };
        case "integer":
            return /^-?\d+$/.test(text.trim()) ? { key, value: Number(text) } : "wrong type: expected a whole number";
        case "boolean":
            return text === "true" || text === "false" ? { key, value: text === "true" } : "wrong type: expected true or false";
        case "array": {
            const parsed = tryJson(text);
            return Array.isArray(parsed) && parsed.every((e) => typeof e === "string") ? { key, value: parsed } : "wrong type: expected a list of strings";
        }
        case "object": {
            const parsed = tryJson(text);
            if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "wrong type: expected a map of NAME: value";
            // Maps of maps (services, secrets by service) are checked by their own code.
            if (spec.structured) return { key, value: parsed };
            const out: Record<string, string> = {};
            for (const [k, val] of Object.entries(parsed)) {
                if (typeof val === "object" || val === null)
                    return `wrong type: ${k} must be a string, not ${val === null ? "null" : Array.isArray(val) ? "a list" : "a map"}`;
                out[k] = String(val);
            }
            return { key, value: out };
        }
    }
}

function tryJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function splitKey(full: string): [string, string] {
    const i = full.indexOf(":");
    return i < 0 ? ["", full] : [full.slice(0, i), full.slice(i + 1)];
}

function inRange(n: number, lo: number, hi: number): boolean {
    return Number.isInteger(n) && n >= lo && n <= hi;
}

function show(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

function deepFreeze<T>(o: T): T {
    if (typeof o === "object" && o !== null && !pulumi.Output.isInstance(o) && !Object.isFrozen(o)) {
        for (const value of Object.values(o)) deepFreeze(value);
        Object.freeze(o);
    }
    return o;
}
