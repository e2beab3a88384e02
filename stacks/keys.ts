/**
 * Every configuration key a stack file may set, with its type and its default per environment.
 * This table is the single place where defaults live; `Pulumi.yaml` declares the same keys
 * (a test keeps the two in step) and the README's environments table is read from it.
 */

/**
 * What kind of environment a stack is. Defaults follow the tier, never the stack's name:
 * production (what customers use: at least two tasks in two AZs, Multi-AZ, backups, protection,
 * blue/green, digest-only images), staging (production-sized rehearsal, digest-only images),
 * development (cheap, Spot, debug logs) and preview (the cheapest that still behaves like the
 * product, for a pull request's own stack).
 */
export const TIERS = ["production", "staging", "development", "preview"] as const;
export type Tier = (typeof TIERS)[number];

/** The default environments, in promotion order, and the tier each has unless its stack file sets `tier`. */
export const DEFAULT_TIERS: Readonly<Record<string, Tier>> = Object.freeze({ alpha: "development", beta: "development", gamma: "staging", live: "production" });
/** The default environments' names, in promotion order. */
export const ENVIRONMENTS = Object.keys(DEFAULT_TIERS) as readonly string[];

/**
 * A stack name becomes part of every physical name (`<app>-<env>-<name>`), SSM paths, IAM role
 * names and DNS labels, so it takes the strictest of their rules: 2 to 16 lowercase letters,
 * digits and hyphens, starting with a letter, not ending with a hyphen, no two hyphens in a row
 * (RDS identifiers refuse them). Returns what is allowed, or undefined when the name is fine.
 */
export function stackNameProblem(name: string): string | undefined {
    if (/^[a-z][a-z0-9-]{0,14}[a-z0-9]$/.test(name) && !name.includes("--")) return undefined;
    return "a stack name is 2 to 16 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row (it becomes part of AWS names such as <app>-<stack>-<service>), e.g. alpha, staging2, pr-42";
}

/** The Pulumi project name; config keys live in this namespace (`shipyard:image`). */
export const PROJECT = "shipyard";

export type KeyType = "string" | "integer" | "boolean" | "array" | "object";
type Value = string | number | boolean | readonly string[] | Readonly<Record<string, string>>;

/** A default that is the same everywhere, or one value per tier. */
export type Default = Value | { readonly perTier: Readonly<Record<Tier, Value>> };

export interface KeySpec {
    readonly type: KeyType;
    readonly description: string;
    /** Absent: the key is required in every stack file. */
    readonly default?: Default;
    /** The value must be set with `pulumi config set --secret`. */
    readonly secret?: boolean;
    /** An object whose values are parsed further by their own module (`stacks/services.ts`). */
    readonly structured?: boolean;
    /**
     * Unset, the value follows other keys (the description says how), so `Pulumi.yaml` does not
     * declare it: the CLI would pass a declared default and hide that it was not set.
     */
    readonly derived?: boolean;
}

/** One default per tier; preview takes development's unless told otherwise. */
function perTier(production: Value, staging: Value, development: Value, preview: Value = development): Default {
    return { perTier: { production, staging, development, preview } };
}

/** The keys, by name without the project namespace. */
export const KEYS = {
    tier: {
        type: "string",
        default: "",
        derived: true,
        description:
            "production, staging, development or preview: the defaults of every other key follow it. Unset: development for alpha and beta, staging for gamma, production for live; any other stack name must set it.",
    },
    appName: {
        type: "string",
        default: "demo",
        description: "Short application name; physical names are <appName>-<env>-<name>. Lowercase letters, digits and hyphens, 2 to 20 characters.",
    },
    cpu: { type: "integer", default: perTier(512, 512, 256), description: "Task CPU units (256, 512, 1024, 2048, 4096, 8192, 16384)." },
    memory: { type: "integer", default: perTier(1024, 1024, 512), description: "Task memory in MiB; must be a value Fargate allows with the chosen cpu." },
    cpuArchitecture: { type: "string", default: "X86_64", description: "X86_64 or ARM64 (Graviton, about 20% cheaper; the image must be built for it)." },
    containerPort: { type: "integer", default: 8080, description: "Port the container listens on (1024-65535: the image runs as a non-root user)." },
    minTasks: {
        type: "integer",
        default: perTier(2, 2, 1),
        description: "Tasks kept running at least; also the initial desired count. The production tier needs 2 or more.",
    },
    maxTasks: { type: "integer", default: perTier(6, 4, 2, 1), description: "Upper bound for CPU and memory target-tracking autoscaling." },
    cpuTargetPercent: { type: "integer", default: 60, description: "Average CPU utilisation autoscaling keeps the service at (10-90)." },
    memoryTargetPercent: { type: "integer", default: 75, description: "Average memory utilisation autoscaling keeps the service at (10-90)." },
    spot: {
        type: "boolean",
        default: perTier(false, false, true),
        description: "Run tasks on Fargate Spot (up to 70% cheaper, may be interrupted with two minutes' notice). Not allowed in the production tier.",
    },
    taskSubnets: {
        type: "string",
        default: perTier("private", "private", "public"),
        description:
            "private (behind NAT, no public IP) or public (public IP, still admitting only the load balancer; for stacks without NAT). The production tier must be private.",
    },
    natGateways: {
        type: "string",
        default: perTier("perAz", "single", "none"),
        description: "none, single (one NAT gateway for all AZs) or perAz (one per AZ: survives an AZ outage).",
    },
    vpcCidr: {
        type: "string",
        default: perTier("10.40.0.0/16", "10.30.0.0/16", "10.10.0.0/16", "10.50.0.0/16"),
        description: "IPv4 block of the VPC, /16 to /20. Distinct per environment so that they can be peered later.",
    },
    availabilityZones: { type: "array", description: "Two or three availability zone names of the stack's region, e.g. [eu-west-1a, eu-west-1b]." },
    publicSubnetCidrs: {
        type: "array",
        default: [],
        description: "One block per AZ for the public subnets; empty: cut /(vpc+8) blocks from the start of the VPC.",
    },
    privateSubnetCidrs: {
        type: "array",
        default: [],
        description: "One block per AZ for the private subnets; empty: cut /(vpc+4) blocks after the public ones.",
    },
    flowLogs: { type: "boolean", default: perTier(true, false, false), description: "Send VPC flow logs (all traffic) to CloudWatch Logs." },
    logLevel: {
        type: "string",
        default: perTier("info", "info", "debug"),
        description: "LOG_LEVEL given to the container: debug, info, warn or error.",
    },
    logRetentionDays: {
        type: "integer",
        default: perTier(90, 30, 7, 3),
        description: "Days CloudWatch keeps container and flow logs; one of the values CloudWatch allows.",
    },
    healthCheckPath: { type: "string", default: "/health", description: "Path the load balancer's health check requests." },
    healthCheckIntervalSeconds: { type: "integer", default: perTier(30, 5, 5), description: "Seconds between load balancer health checks (5-300)." },
    healthCheckTimeoutSeconds: {
        type: "integer",
        default: perTier(5, 4, 4),
        description: "Seconds a health check may take (2-120); must be below the interval.",
    },
    healthyThreshold: { type: "integer", default: perTier(3, 2, 2), description: "Consecutive successes before a target is healthy (2-10)." },
    unhealthyThreshold: { type: "integer", default: 2, description: "Consecutive failures before a target is unhealthy (2-10)." },
    healthCheckMatcher: { type: "string", default: "200-299", description: "HTTP codes that count as healthy, e.g. 200 or 200-299 or 200,204." },
    healthCheckGracePeriodSeconds: {
        type: "integer",
        default: perTier(60, 20, 20),
        description: "Seconds ECS ignores failing load balancer health checks after a task starts (0-7200).",
    },
    deregistrationDelaySeconds: {
        type: "integer",
        default: perTier(30, 15, 5),
        description: "Seconds the load balancer lets in-flight requests finish before a target leaves (0-3600; AWS default 300).",
    },
    stopTimeoutSeconds: {
        type: "integer",
        default: perTier(45, 30, 30),
        description:
            "Seconds between SIGTERM and SIGKILL when a task stops (2-120); longer than deregistrationDelaySeconds (up to 120), because a Fargate Spot interruption sends SIGTERM while the load balancer still drains the task.",
    },
    deployment: {
        type: "string",
        default: perTier("blueGreen", "rolling", "rolling"),
        description:
            "How ECS replaces tasks: rolling (new tasks beside the old, 100%/200%, circuit breaker and alarms roll back) blueGreen (ECS-native: a full green set behind the test listener, then all production traffic at once, blue kept for bakeTimeMinutes), canary (canaryPercent first, the rest after shiftIntervalMinutes) or linear (linearStepPercent every shiftIntervalMinutes).",
    },
    bakeTimeMinutes: {
        type: "integer",
        default: perTier(10, 5, 2),
        description:
            "blueGreen: minutes the previous (blue) tasks stay ready for an instant rollback after production traffic moved (0-30: the deploy waits through it).",
    },
    testListenerPort: {
        type: "integer",
        default: 9080,
        description: "blueGreen: port of the HTTPS test listener that reaches the green tasks before production traffic does (1-65535, not 80 or 443).",
    },
    testListenerCidrs: {
        type: "array",
        default: [],
        description: "blueGreen: IPv4 blocks (besides the smoke test's NAT addresses) allowed to reach the test listener, e.g. an office; none by default.",
    },
    smokeTest: {
        type: "boolean",
        default: perTier(true, false, false),
        description:
            "blueGreen: a Lambda lifecycle hook requests the test listener's health check before production traffic moves; a failure rolls back. Unset, it is on in the production tier whenever deployment is blueGreen (and off under rolling).",
    },
    canaryPercent: {
        type: "integer",
        default: 10,
        description: "canary: percent of production traffic the new revision takes for shiftIntervalMinutes before all of it moves (1-50).",
    },
    linearStepPercent: {
        type: "integer",
        default: 20,
        description: "linear: percent of production traffic moved to the new revision per step, every shiftIntervalMinutes (3-50).",
    },
    shiftIntervalMinutes: {
        type: "integer",
        default: 5,
        description: "canary and linear: minutes between traffic shifts, watched by the deployment alarms (0-10: the deploy waits through them).",
    },
    approvalTimeoutMinutes: {
        type: "integer",
        default: 0,
        description:
            "blueGreen, canary, linear: hold each deployment after the test traffic shift (an ECS PAUSE lifecycle hook) until `npm run release -- approve` resumes it; after this many minutes it rolls back (0 = no pause, 1-20160).",
    },
    rollbackOn5xxPercent: {
        type: "integer",
        default: 5,
        description: "Deployment alarm: roll a deploy back when more than this percent of the service's responses are 5xx in 2 of 3 minutes (1-100).",
    },
    rollbackOnP99LatencyMs: {
        type: "integer",
        default: 2000,
        description: "Deployment alarm: roll a deploy back when the p99 target response time exceeds this in 2 of 3 minutes (10-60000 ms).",
    },
    dnsProvider: {
        type: "string",
        default: "cloudflare",
        description:
            "Where the environment's DNS records and certificate validation records live: cloudflare (a zone in the Cloudflare account of CLOUDFLARE_API_TOKEN) or route53 (a public hosted zone in the stack's AWS account).",
    },
    dnsZone: {
        type: "string",
        description: "The DNS zone the environment's host names belong to, e.g. example.org; hostName must be this name or end with .<dnsZone>.",
    },
    dnsZoneId: {
        type: "string",
        default: "",
        description: "The zone's id (32 hex digits at Cloudflare, Z... at Route 53). Empty: looked up by dnsZone; set: checked to be dnsZone's.",
    },
    dnsProxied: {
        type: "boolean",
        default: true,
        derived: true,
        description:
            "cloudflare: the host name's record is proxied, and the load balancer admits only Cloudflare's addresses carrying the environment's origin header (set by the bootstrap). Unset: true with cloudflare; route53 cannot proxy.",
    },
    ingressCidrs: {
        type: "array",
        default: ["0.0.0.0/0"],
        description:
            "Records not proxied: IPv4 blocks allowed to reach the load balancer on 80 and 443. Proxied: Cloudflare's ranges instead, and this must stay unset.",
    },
    ingressIpv6Cidrs: {
        type: "array",
        default: ["::/0"],
        description: "Records not proxied: IPv6 blocks allowed to reach the (dual-stack) load balancer on 80 and 443. Proxied: Cloudflare's ranges instead.",
    },
    idleTimeoutSeconds: { type: "integer", default: 60, description: "Load balancer idle connection timeout (1-4000)." },
    accessLogs: {
        type: "boolean",
        default: perTier(true, false, false),
        description:
            "Access logs of the application load balancer (Security Hub ELB.5) and of the assets bucket (S3.9) to a bucket of the environment's own, <appName>-<env>-logs-<account>: SSE-S3, private, kept logRetentionDays.",
    },
    protect: {
        type: "boolean",
        default: perTier(true, false, false),
        description:
            "Deletion protection on the load balancers and the database (with a final snapshot), Pulumi protect on the VPC, load balancers, database, assets bucket and backup vault, and the bucket and vault retained on delete. Required in the production tier when it has a database or bucket.",
    },
    permissionsBoundary: {
        type: "string",
        default: "bootstrap",
        description:
            "Permissions boundary of every IAM role the stack creates: bootstrap (the bootstrap's <appName>-<env>-boundary policy, which the deploy roles require), none, or a policy ARN.",
    },
    waf: {
        type: "boolean",
        default: perTier(true, false, false),
        description:
            "An AWS WAF web ACL on the load balancer: AWS managed IP reputation, common and known-bad-inputs rules, a rate limit per client address (per CF-Connecting-IP behind Cloudflare), logging (about $5 a month plus $1 per rule and $0.60 per million requests). Under blueGreen behind Cloudflare a web ACL checking the origin header exists even when this is off.",
    },
    wafRateLimit: {
        type: "integer",
        default: 2000,
        description: "waf: requests one client address may send in 5 minutes before it is blocked (10-2000000000).",
    },
    bootstrapEnvironment: {
        type: "string",
        default: "",
        derived: true,
        description:
            "The bootstrap environment whose shared pieces the stack uses: the permissions boundary <appName>-<it>-boundary (permissionsBoundary bootstrap), the alarm key alias/<appName>-<it>-alarms (alarmTopicKey bootstrap) and the origin parameters /<appName>/<it>/edge/*. Unset: the stack's own name. Pull-request previews (pr-<number>) set preview: the bootstrap's one set for all of them, as the bootstrap cannot list every pull request.",
    },
    alarmTopicKey: {
        type: "string",
        default: "bootstrap",
        description:
            "KMS key of the alarm topic: bootstrap (the bootstrap's alias/<appName>-<env>-alarms, which lets CloudWatch publish) or create (the stack creates its own; needs kms:CreateKey, which the deploy roles do not have).",
    },
    alarm5xxPercent: {
        type: "integer",
        default: perTier(2, 5, 10),
        description: "Alarm when more than this percent of a service's responses are 5xx for 3 of 5 minutes (1-100).",
    },
    alarmP99LatencyMs: {
        type: "integer",
        default: perTier(1000, 2000, 3000),
        description: "Alarm when a service's p99 target response time exceeds this for 3 of 5 minutes (10-60000 ms).",
    },
    alarmCpuPercent: { type: "integer", default: 85, description: "Alarm when a service's average CPU exceeds this for 10 minutes (1-100)." },
    alarmMemoryPercent: { type: "integer", default: 85, description: "Alarm when a service's average memory exceeds this for 10 minutes (1-100)." },
    reminderMinutes: {
        type: "integer",
        default: perTier(30, 120, 240),
        description: "Slack is reminded of every alarm still firing after this many minutes, and again every this many minutes (5-1440).",
    },
    endpointCheckMinutes: {
        type: "integer",
        default: perTier(1, 1, 5),
        description: "Minutes between the outside checks of https://<hostName><healthCheckPath> (1-5).",
    },
    slackWebhookUrl: {
        type: "string",
        default: "",
        secret: true,
        description:
            "Slack incoming webhook for alarms, set with pulumi config set --secret slackWebhookUrl https://hooks.slack.com/services/...; kept in Secrets Manager. Unset: alarms reach the SNS topic but nobody is told.",
    },
    tracing: {
        type: "boolean",
        default: perTier(true, false, false),
        description: "Run an OpenTelemetry collector beside each service that sends traces to AWS X-Ray, with the IAM it needs.",
    },
    database: {
        type: "string",
        default: "none",
        description:
            "The environment's database: none; postgres or mysql (an encrypted Amazon RDS instance in the private subnets, reachable only from the services that list database in uses, master password kept by Secrets Manager); or external (a database run elsewhere, e.g. MongoDB Atlas, whose connection string is databaseUrl).",
    },
    databaseVersion: {
        type: "string",
        default: "",
        description:
            "postgres or mysql: the engine version, a major (16) or major.minor (16.4). Majors allowed: postgres 13-17, mysql 8.0 and 8.4. Empty: 16 for postgres, 8.0 for mysql. With a major only, RDS applies minor upgrades in the maintenance window.",
    },
    databaseInstanceClass: {
        type: "string",
        default: perTier("db.t4g.medium", "db.t4g.small", "db.t4g.micro"),
        description: "postgres or mysql: the RDS instance class, e.g. db.t4g.micro (2 vCPU burstable, 1 GiB) or db.m7g.large.",
    },
    databaseStorageGb: {
        type: "integer",
        default: perTier(50, 20, 20),
        description: "postgres or mysql: allocated gp3 storage in GiB (20-65536); it can grow later but never shrink.",
    },
    databaseMultiAz: {
        type: "boolean",
        default: perTier(true, false, false),
        description:
            "postgres or mysql: a synchronous standby in a second AZ that RDS fails over to (about 2x the instance and storage price). Required in the production tier.",
    },
    databaseBackupRetentionDays: {
        type: "integer",
        default: perTier(14, 7, 1),
        description:
            "postgres or mysql: days RDS keeps automated backups, which allow a point-in-time restore to any second within them (1-35; 7 or more in the production tier).",
    },
    databasePasswordRotationDays: {
        type: "integer",
        default: 0,
        description:
            'postgres or mysql: days between automatic rotations of the master password by Secrets Manager (1-365), or 0 for none. Containers read the password when they start, so after a rotation they must re-read DATABASE_SECRET_ARN or be restarted; see README "Data".',
    },
    databaseUrl: {
        type: "string",
        default: "",
        secret: true,
        description:
            "external: the connection string, set with pulumi config set --secret databaseUrl 'mongodb+srv://user:password@host/db'; stored as an SSM SecureString parameter per service and passed as DATABASE_URL by valueFrom.",
    },
    assetsBucket: {
        type: "boolean",
        default: false,
        description:
            "An S3 bucket for the environment's static assets: private, encrypted (SSE-S3), versioned, public access blocked, TLS only; the services that list assets in uses may read it (ASSETS_BUCKET).",
    },
    assetsHost: {
        type: "string",
        default: "",
        description:
            "assetsBucket: a host name in dnsZone that serves the bucket through Cloudflare (proxied; the bucket is then named after the host and admits reads from Cloudflare's addresses only). Needs dnsProvider cloudflare, and the bootstrap's assetsHosts rule for the host. Empty: not served.",
    },
    backupPlan: {
        type: "boolean",
        default: perTier(true, false, false),
        description:
            "An AWS Backup plan: a daily backup of the database and the assets bucket into the environment's vault, kept backupRetentionDays (no plan when the environment has neither). Required in the production tier.",
    },
    backupRetentionDays: {
        type: "integer",
        default: 35,
        description: "backupPlan: days AWS Backup keeps each daily recovery point (1-3650; 7 or more in the production tier).",
    },
    services: {
        type: "object",
        structured: true,
        description:
            "The services of the environment, by name (2-20 lowercase letters, digits, hyphens): image (registry/repository@sha256:..., one repository per service), expose (http: behind the one ALB, routed by hosts, paths and priority; tcp: its own NLB with listeners [{port, protocol: TCP|TLS}] and one host; internal: reachable by name through Service Connect; worker: no inbound traffic; job: runs on a schedule and exits), calls (the internal services it calls), uses (database, assets: what it may reach), publish (SNS topics it may publish to: [name] or [{ name, fifo: true }], ARN in TOPIC_<NAME>_ARN), and overrides of cpu, memory, minTasks, maxTasks, containerPort, spot, healthCheckPath, environment. A worker may set subscribe ({ topics: [{ topic: <service>.<topic>, filter: { attribute: [values] } }], queue: { visibilitySeconds (30), maxReceives (10), fifo (false), retentionSeconds (345600) } }: its SQS queue, URL in QUEUE_URL), scaling ({ backlog: { acceptableLatencySeconds, secondsPerMessage } }: minTasks may then be 0) and command; a job sets schedule (cron(...), rate(...), @hourly, @daily, @weekly, @monthly or @yearly, UTC), timeoutMinutes (60), retries (0-10, default 0) and command, and no hosts, ports or task counts; an http service may also set its own deployment, bakeTimeMinutes, canaryPercent, linearStepPercent, shiftIntervalMinutes and approvalTimeoutMinutes (README, A service's own deployment).",
    },
    environment: {
        type: "object",
        default: {},
        description:
            "Plain environment variables for every service's container (NAME: value); a service's own environment adds to them. APP_ENV, LOG_LEVEL, PORT, SHUTDOWN_TIMEOUT_MS and SERVICE_NAME are set by the platform.",
    },
    secrets: {
        type: "object",
        default: {},
        secret: true,
        structured: true,
        description:
            "Secret environment variables by service, each set with pulumi config set --secret --path 'secrets.<service>.NAME' VALUE; stored as SSM SecureString parameters and passed by valueFrom.",
    },
} as const satisfies Record<string, KeySpec>;

export type KeyName = keyof typeof KEYS;

/** The default of `key` in a stack of `tier`, or undefined when the key is required. */
export function defaultFor(key: KeyName, tier: Tier): Value | undefined {
    const spec: KeySpec = KEYS[key];
    const d = spec.default;
    if (d === undefined) return undefined;
    if (isPerTier(d)) return d.perTier[tier];
    return d;
}

function isPerTier(d: Default): d is { readonly perTier: Readonly<Record<Tier, Value>> } {
    return typeof d === "object" && !Array.isArray(d) && "perTier" in d;
}
