/**
 * What AWS refuses that its service models do not say: hand-written rules, each citing the page it
 * comes from. The models (lib/awsConstraints.generated.json) give lengths, patterns, enums and
 * ranges where AWS encoded them; many names and limits live only in the documentation (EC2 and RDS
 * models carry almost none). Where a model's wording is the source, the rule cites the API
 * reference page that prints the same text.
 */
import { FARGATE_SIZES } from "../lib/aws";

/** A value's problem against a rule, or undefined when the value passes. */
export type Test = (value: unknown, inputs: Record<string, unknown>, context: RuleContext) => string | undefined;

/** What a rule may know about the resource besides the value. */
export interface RuleContext {
    /** The resource's logical name. */
    readonly name: string;
    /** What the (mock) provider answered, for values only AWS computes (ARNs). */
    readonly outputs: Record<string, unknown>;
}

export type Constraint =
    /** String length in characters (code points), or a list's or map's number of entries. */
    | { readonly kind: "length"; readonly min?: number; readonly max?: number }
    /** UTF-8 octets. */
    | { readonly kind: "bytes"; readonly max: number }
    /** Numeric bounds, inclusive; the value must be an integer unless `fraction`. */
    | { readonly kind: "range"; readonly min?: number; readonly max?: number; readonly fraction?: boolean }
    /** The whole value must match. */
    | { readonly kind: "pattern"; readonly pattern: RegExp; readonly describe: string }
    | { readonly kind: "enum"; readonly values: readonly (string | number)[] }
    | { readonly kind: "custom"; readonly test: Test };

export interface HandRule {
    readonly type: string;
    /** Input path in the syntax of lib/awsConstraints.generated.json (`a.b`, `a[]`, `a{}`, `a{key}`, `a<json>`). */
    readonly path: string;
    readonly constraints: readonly Constraint[];
    /** What AWS requires, in words. */
    readonly rule: string;
    /** Documentation page (URL and title) the rule comes from. */
    readonly source: string;
    /** The rule applies only to resources whose inputs pass this test. */
    readonly when?: (inputs: Record<string, unknown>) => boolean;
    /** The provider names the resource `<logical name>-<7 random characters>` when the input is absent. */
    readonly autoname?: boolean;
}

const len = (min: number | undefined, max: number | undefined): Constraint => ({ kind: "length", min, max });
const pattern = (re: RegExp, describe: string): Constraint => ({ kind: "pattern", pattern: re, describe });
const range = (min: number | undefined, max: number | undefined): Constraint => ({ kind: "range", min, max });
const custom = (test: Test): Constraint => ({ kind: "custom", test });
const oneOf = (values: readonly (string | number)[]): Constraint => ({ kind: "enum", values });
const refuse = (problem: (s: string) => string | undefined): Constraint =>
    custom((v) => (typeof v === "string" ? problem(v) : `must be a string, not ${typeof v}`));

const API = "https://docs.aws.amazon.com";

/** Load balancer and target group names: 1-32 alphanumerics or hyphens, not starting or ending with a hyphen. */
const ELB_NAME = [
    len(1, 32),
    pattern(/^[A-Za-z0-9-]+$/, "only alphanumerics and hyphens"),
    refuse((s) => (/^-|-$/.test(s) ? "begins or ends with a hyphen" : undefined)),
];

/** EC2's character set for security group names and descriptions and rule descriptions (VPC). */
const EC2_TEXT = pattern(/^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/, "only a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*");
const EC2_SG_SOURCE = `${API}/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html (EC2 API Reference, CreateSecurityGroup: GroupName, GroupDescription)`;
const EC2_RULE_SOURCE = `${API}/AWSEC2/latest/APIReference/API_IpRange.html (EC2 API Reference, IpRange / Ipv6Range / UserIdGroupPair: Description)`;

/** RDS identifiers: a letter first, letters digits and hyphens, no trailing hyphen, no two hyphens in a row. */
function rdsIdentifier(max: number): Constraint[] {
    return [
        len(1, max),
        pattern(/^[A-Za-z][A-Za-z0-9-]*$/, "a letter first, then letters, digits or hyphens"),
        refuse((s) => (s.endsWith("-") ? "ends with a hyphen" : s.includes("--") ? "contains two consecutive hyphens" : undefined)),
    ];
}
const RDS_INSTANCE_SOURCE = `${API}/AmazonRDS/latest/APIReference/API_CreateDBInstance.html (RDS API Reference, CreateDBInstance)`;

/** `hh24:mi-hh24:mi` (daily) or `ddd:hh24:mi-ddd:hh24:mi` (weekly) as minutes of the week, or a problem. */
function rdsWindow(value: string, weekly: boolean): { start: number; end: number } | string {
    const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const re = weekly ? /^([a-z]{3}):(\d\d):(\d\d)-([a-z]{3}):(\d\d):(\d\d)$/i : /^()(\d\d):(\d\d)-()(\d\d):(\d\d)$/;
    const m = re.exec(value);
    if (!m) return `not in the format ${weekly ? "ddd:hh24:mi-ddd:hh24:mi" : "hh24:mi-hh24:mi"}`;
    const at = (d: string, h: string, mi: string): number | undefined => {
        const day = weekly ? days.indexOf(d.toLowerCase()) : 0;
        if (day < 0 || Number(h) > 23 || Number(mi) > 59) return undefined;
        return day * 1440 + Number(h) * 60 + Number(mi);
    };
    const start = at(m[1], m[2], m[3]);
    const end = at(m[4], m[5], m[6]);
    if (start === undefined || end === undefined) return "not a valid day or time";
    const span = weekly ? 7 * 1440 : 1440;
    const length = (end - start + span) % span;
    if (length < 30) return `lasts ${length} minutes; at least 30 are required`;
    return { start, end };
}

/** Minutes of the week covered by a window (daily windows repeat every day). */
function windowMinutes(w: { start: number; end: number }, weekly: boolean): Set<number> {
    const span = weekly ? 7 * 1440 : 1440;
    const out = new Set<number>();
    for (let t = w.start; t !== w.end; t = (t + 1) % span) {
        if (weekly) out.add(t);
        else for (let d = 0; d < 7; d++) out.add(d * 1440 + t);
    }
    return out;
}

/** `rate(1 minute)`, `rate(5 minutes)`, `cron(6 fields)`, and for the Scheduler `at(yyyy-mm-ddThh:mm:ss)`. */
function scheduleExpressionProblem(s: string, allowAt: boolean): string | undefined {
    const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(s);
    if (rate) {
        const n = Number(rate[1]);
        if (n < 1) return "a rate's value must be a positive number";
        const plural = rate[2].endsWith("s");
        if (n === 1 && plural) return `rate(1 ${rate[2]}): with a value of 1 the unit must be singular`;
        if (n > 1 && !plural) return `rate(${n} ${rate[2]}): with a value above 1 the unit must be plural`;
        return undefined;
    }
    const cron = /^cron\((.*)\)$/.exec(s);
    if (cron) {
        const fields = cron[1].trim().split(/\s+/);
        if (fields.length !== 6) return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one ${fields.length}`;
        if (fields[2] !== "?" && fields[4] !== "?") return "cron: one of day-of-month and day-of-week must be ?";
        return undefined;
    }
    if (allowAt && /^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)$/.test(s)) return undefined;
    return `not a schedule expression: rate(value unit), cron(fields)${allowAt ? " or at(yyyy-mm-ddThh:mm:ss)" : ""}`;
}

/** IAM counts a policy's size in characters without white space. */
function policySize(s: string): number {
    return s.replace(/\s/g, "").length;
}
const IAM_QUOTAS = `${API}/IAM/latest/UserGuide/reference_iam-quotas.html (IAM and AWS STS quotas, name requirements, and character limits)`;

/** A certificate's first domain name becomes its Common Name: at most 64 octets (RFC 5280). */
const CN_OCTETS = 64;

/**
 * Lambda runtimes a function can be created with, from the Lambda Developer Guide's "Lambda
 * runtimes" page (supported runtimes table, read 2026-12-03). Deprecated runtimes stay creatable
 * for a while after their deprecation date; this list holds the supported ones only, so a runtime
 * on its way out fails here before it fails in AWS.
 */
export const LAMBDA_RUNTIMES: readonly string[] = Object.freeze([
    "nodejs24.x",
    "nodejs22.x",
    "nodejs20.x",
    "python3.14",
    "python3.13",
    "python3.12",
    "python3.11",
    "python3.10",
    "java25",
    "java21",
    "java17",
    "java11",
    "java8.al2",
    "dotnet10",
    "dotnet8",
    "ruby3.4",
    "ruby3.3",
    "provided.al2023",
    "provided.al2",
]);

/**
 * CloudWatch Logs retention values, from the PutRetentionPolicy API reference (the 2022 model's
 * documentation lacks 1096, added later).
 */
export const LOG_RETENTION_VALUES: readonly number[] = Object.freeze([
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);

const ECS_NAME = [len(1, 255), pattern(/^[A-Za-z0-9_-]+$/, "only letters, digits, underscores and hyphens")];
const ECS_TASK_SOURCE = `${API}/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html (ECS API Reference, RegisterTaskDefinition, ContainerDefinition)`;

/** ALB target group health check codes: `200`, `200,202` or `200-299`, each code within [lo, hi]. */
function matcherProblem(value: string, lo: number, hi: number): string | undefined {
    for (const part of value.split(",")) {
        const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part.trim());
        if (!m) return `"${part}" is not a code or a range of codes`;
        const a = Number(m[1]);
        const b = m[2] === undefined ? a : Number(m[2]);
        if (a < lo || b > hi || a > b) return `${part} is outside ${lo}-${hi}`;
    }
    return undefined;
}
const albProtocol = (i: Record<string, unknown>) => i.protocol === "HTTP" || i.protocol === "HTTPS";
const nlbProtocol = (i: Record<string, unknown>) => ["TCP", "TLS", "UDP", "TCP_UDP"].includes(String(i.protocol));

/** The hand rules, by type. */
export const HAND_RULES: readonly HandRule[] = [
    // Elastic Load Balancing v2
    {
        type: "aws:lb/loadBalancer:LoadBalancer",
        path: "name",
        constraints: [...ELB_NAME, refuse((s) => (s.startsWith("internal-") ? 'begins with "internal-"' : undefined))],
        rule: 'load balancer name: 1-32 alphanumerics or hyphens, not beginning or ending with a hyphen, not beginning with "internal-"',
        source: `${API}/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html (ELB API Reference, CreateLoadBalancer: Name)`,
        autoname: true,
    },
    {
        type: "aws:lb/targetGroup:TargetGroup",
        path: "name",
        constraints: ELB_NAME,
        rule: "target group name: 1-32 alphanumerics or hyphens, not beginning or ending with a hyphen",
        source: `${API}/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html (ELB API Reference, CreateTargetGroup: Name)`,
        autoname: true,
    },
    {
        type: "aws:lb/targetGroup:TargetGroup",
        path: "healthCheck.matcher",
        when: albProtocol,
        constraints: [refuse((s) => matcherProblem(s, 200, 499))],
        rule: "Application Load Balancer target group health check codes: 200-499 (single, comma-separated or a range)",
        source: `${API}/elasticloadbalancing/latest/APIReference/API_Matcher.html (ELB API Reference, Matcher: HttpCode)`,
    },
    {
        type: "aws:lb/targetGroup:TargetGroup",
        path: "healthCheck.matcher",
        when: nlbProtocol,
        constraints: [refuse((s) => matcherProblem(s, 200, 599))],
        rule: "Network Load Balancer target group health check codes: 200-599 (single, comma-separated or a range)",
        source: `${API}/elasticloadbalancing/latest/APIReference/API_Matcher.html (ELB API Reference, Matcher: HttpCode)`,
    },
    {
        type: "aws:lb/listenerRule:ListenerRule",
        path: "conditions[].hostHeader.values[]",
        constraints: [
            len(1, 128),
            pattern(/^[A-Za-z0-9\-_.*?]+$/, "only a-z, A-Z, 0-9, -_. and the wildcards * and ?"),
            refuse((s) =>
                !s.includes(".")
                    ? 'has no "."'
                    : !/^[A-Za-z*?]+$/.test(s.slice(s.lastIndexOf(".") + 1))
                      ? 'has other than letters after the final "."'
                      : undefined,
            ),
        ],
        rule: 'host header condition value: at most 128 characters of a-z A-Z 0-9 -_. * ?, with at least one "." and only letters after the last',
        source: `${API}/elasticloadbalancing/latest/application/rule-condition-types.html#host-conditions (ALB User Guide, Condition types for listener rules: Host conditions)`,
    },
    {
        type: "aws:lb/listenerRule:ListenerRule",
        path: "conditions[].pathPattern.values[]",
        constraints: [len(1, 128), pattern(/^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/, "only a-z, A-Z, 0-9, _-.$/~\"'@:+& and the wildcards * and ?")],
        rule: "path pattern condition value: at most 128 characters of a-z A-Z 0-9 _-.$/~\"'@:+& * ?",
        source: `${API}/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions (ALB User Guide, Condition types for listener rules: Path conditions)`,
    },
    // EC2 security groups and rules
    {
        type: "aws:ec2/securityGroup:SecurityGroup",
        path: "description",
        constraints: [len(0, 255), EC2_TEXT],
        rule: "security group description: up to 255 characters of a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
        source: EC2_SG_SOURCE,
    },
    {
        type: "aws:ec2/securityGroup:SecurityGroup",
        path: "name",
        constraints: [len(1, 255), EC2_TEXT, refuse((s) => (s.startsWith("sg-") ? 'begins with "sg-"' : undefined))],
        rule: 'security group name: up to 255 characters of a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, not beginning with "sg-"',
        source: EC2_SG_SOURCE,
        autoname: true,
    },
    ...["ingress[].description", "egress[].description"].map((path): HandRule => ({
        type: "aws:ec2/securityGroup:SecurityGroup",
        path,
        constraints: [len(0, 255), EC2_TEXT],
        rule: "security group rule description: up to 255 characters of a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
        source: EC2_RULE_SOURCE,
    })),
    ...["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"].map((type): HandRule => ({
        type,
        path: "description",
        constraints: [len(0, 255), EC2_TEXT],
        rule: "security group rule description: up to 255 characters of a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
        source: EC2_RULE_SOURCE,
    })),
    ...["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet"].map((type): HandRule => ({
        type,
        path: "cidrBlock",
        constraints: [
            refuse((s) => {
                const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
                if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) return "not an IPv4 CIDR block";
                const bits = Number(m[5]);
                return bits < 16 || bits > 28 ? `a /${bits}; the block size must be between /16 and /28` : undefined;
            }),
        ],
        rule: "IPv4 CIDR block between /16 and /28",
        source: `${API}/vpc/latest/userguide/vpc-cidr-blocks.html (Amazon VPC User Guide, VPC CIDR blocks: IPv4 VPC CIDR blocks)`,
    })),
    {
        type: "aws:ec2/flowLog:FlowLog",
        path: "maxAggregationInterval",
        constraints: [oneOf([60, 600])],
        rule: "flow log aggregation interval: 60 or 600 seconds",
        source: `${API}/AWSEC2/latest/APIReference/API_CreateFlowLogs.html (EC2 API Reference, CreateFlowLogs: MaxAggregationInterval)`,
    },
    // IAM: sizes counted without white space
    {
        type: "aws:iam/policy:Policy",
        path: "policy",
        constraints: [
            refuse((s) => (policySize(s) > 6144 ? `${policySize(s)} characters without white space; a managed policy holds at most 6,144` : undefined)),
        ],
        rule: "managed policy document: at most 6,144 characters, white space not counted",
        source: IAM_QUOTAS,
    },
    {
        type: "aws:iam/role:Role",
        path: "assumeRolePolicy",
        constraints: [refuse((s) => (policySize(s) > 2048 ? `${policySize(s)} characters without white space; the default quota is 2,048` : undefined))],
        rule: "role trust policy: at most 2,048 characters, white space not counted (default quota, adjustable to 8,192)",
        source: IAM_QUOTAS,
    },
    {
        type: "aws:iam/rolePolicy:RolePolicy",
        path: "policy",
        constraints: [
            refuse((s) =>
                policySize(s) > 10240 ? `${policySize(s)} characters without white space; a role's inline policies hold at most 10,240 together` : undefined,
            ),
        ],
        rule: "a role's inline policies: at most 10,240 characters together, white space not counted (this checks each alone; see checkConformance for the sum)",
        source: IAM_QUOTAS,
    },
    {
        type: "aws:iam/rolePolicy:RolePolicy",
        path: "name",
        constraints: [
            len(1, 128),
            pattern(/^[\x21-\x7e]+$/, "Basic Latin characters without white space"),
            refuse((s) => (/[\\/*?]/.test(s) ? "contains one of \\ / * ?" : undefined)),
        ],
        rule: "inline policy name: Basic Latin (ASCII) characters except \\ / * ? and white space",
        source: IAM_QUOTAS,
        autoname: true,
    },
    // CloudWatch, CloudWatch Logs
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        path: "period",
        constraints: [refuse0((n) => ([10, 20, 30].includes(n) || (n > 0 && n % 60 === 0) ? undefined : `${n} is neither 10, 20, 30 nor a multiple of 60`))],
        rule: "alarm period: 10, 20, 30 or a multiple of 60 seconds",
        source: `${API}/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (CloudWatch API Reference, PutMetricAlarm: Period)`,
    },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        path: "evaluationPeriods",
        constraints: [
            custom((v, inputs) => {
                const periods = Number(v);
                const period = Number(inputs.period ?? firstQueryPeriod(inputs));
                if (!Number.isFinite(period) || period <= 0) return undefined;
                const limit = period >= 3600 ? 7 * 86400 : 86400;
                return periods * period > limit ? `${periods} periods of ${period} s = ${periods * period} s; at most ${limit} s` : undefined;
            }),
        ],
        rule: "evaluation periods times period: at most one day (86,400 s) for periods under an hour, seven days (604,800 s) otherwise",
        source: `${API}/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (CloudWatch API Reference, PutMetricAlarm: EvaluationPeriods)`,
    },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        path: "datapointsToAlarm",
        constraints: [
            custom((v, inputs) =>
                inputs.evaluationPeriods !== undefined && Number(v) > Number(inputs.evaluationPeriods)
                    ? `${String(v)} > evaluationPeriods ${String(inputs.evaluationPeriods)}`
                    : undefined,
            ),
        ],
        rule: "datapoints to alarm (M): at most the evaluation periods (N)",
        source: `${API}/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html (CloudWatch User Guide, Alarm evaluation)`,
    },
    {
        type: "aws:cloudwatch/dashboard:Dashboard",
        path: "dashboardName",
        constraints: [len(1, 255), pattern(/^[A-Za-z0-9_-]+$/, 'only A-Z, a-z, 0-9, "-" and "_"')],
        rule: 'dashboard name: at most 255 characters of A-Z a-z 0-9 "-" "_"',
        source: `${API}/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html (CloudWatch API Reference, PutDashboard: DashboardName)`,
    },
    {
        type: "aws:cloudwatch/logGroup:LogGroup",
        path: "retentionInDays",
        constraints: [oneOf(LOG_RETENTION_VALUES)],
        rule: `log retention: one of ${LOG_RETENTION_VALUES.join(", ")} days`,
        source: `${API}/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html (CloudWatch Logs API Reference, PutRetentionPolicy: retentionInDays)`,
    },
    // Lambda, EventBridge Scheduler and rules
    {
        type: "aws:lambda/function:Function",
        path: "name",
        constraints: [len(1, 64), pattern(/^[A-Za-z0-9_-]+$/, "only letters, digits, hyphens and underscores")],
        rule: "function name (not an ARN): 1-64 letters, digits, hyphens or underscores",
        source: `${API}/lambda/latest/api/API_CreateFunction.html (Lambda API Reference, CreateFunction: FunctionName)`,
        autoname: true,
    },
    {
        type: "aws:lambda/function:Function",
        path: "timeout",
        constraints: [range(1, 900)],
        rule: "function timeout: 1-900 seconds",
        source: `${API}/lambda/latest/api/API_CreateFunction.html (Lambda API Reference, CreateFunction: Timeout)`,
    },
    {
        type: "aws:lambda/function:Function",
        path: "runtime",
        constraints: [oneOf(LAMBDA_RUNTIMES)],
        rule: `runtime: one Lambda supports (${LAMBDA_RUNTIMES.join(", ")})`,
        source: `${API}/lambda/latest/dg/lambda-runtimes.html (Lambda Developer Guide, Lambda runtimes: supported runtimes, read 2026-12-03)`,
    },
    {
        type: "aws:lambda/function:Function",
        path: "environment.variables",
        constraints: [
            custom((v) => {
                if (typeof v !== "object" || v === null) return undefined;
                const size = Buffer.byteLength(JSON.stringify(v), "utf8");
                return size > 4096 ? `${size} bytes as JSON; at most 4 KB (4,096 bytes) in all` : undefined;
            }),
        ],
        rule: "environment variables: at most 4 KB in all (measured as the JSON map: names, values and punctuation)",
        source: `${API}/lambda/latest/dg/gettingstarted-limits.html (Lambda Developer Guide, Lambda quotas: Function environment variables, 4 KB)`,
    },
    ...[
        {
            type: "aws:scheduler/schedule:Schedule",
            at: true,
            page: "scheduler/latest/UserGuide/schedule-types.html (EventBridge Scheduler User Guide, Schedule types)",
        },
        {
            type: "aws:cloudwatch/eventRule:EventRule",
            at: false,
            page: "eventbridge/latest/userguide/eb-rate-expressions.html (EventBridge User Guide, Rate expressions reference)",
        },
    ].map(({ type, at, page }): HandRule => ({
        type,
        path: "scheduleExpression",
        constraints: [refuse((s) => scheduleExpressionProblem(s, at))],
        rule: "schedule expression: rate(value unit) with a singular unit for 1 and plural above, or cron() with 6 fields" + (at ? ", or at()" : ""),
        source: `${API}/${page}`,
    })),
    // SNS, SSM, Secrets Manager
    {
        type: "aws:sns/topic:Topic",
        path: "name",
        constraints: [
            len(1, 256),
            custom((v, inputs) => {
                const s = String(v);
                const fifo = inputs.fifoTopic === true;
                const base = fifo ? s.replace(/\.fifo$/, "") : s;
                if (fifo && !s.endsWith(".fifo")) return 'a FIFO topic name must end with ".fifo"';
                return /^[A-Za-z0-9_-]+$/.test(base) ? undefined : "only ASCII letters, digits, underscores and hyphens";
            }),
        ],
        rule: 'topic name: 1-256 ASCII letters, digits, underscores or hyphens (FIFO topics end with ".fifo")',
        source: `${API}/sns/latest/api/API_CreateTopic.html (SNS API Reference, CreateTopic: Name)`,
        autoname: true,
    },
    // SQS: the model has no constraints on CreateQueue's name or attributes; the API reference does.
    {
        type: "aws:sqs/queue:Queue",
        path: "name",
        constraints: [
            len(1, 80),
            custom((v, inputs) => {
                const s = String(v);
                const fifo = inputs.fifoQueue === true;
                if (fifo !== s.endsWith(".fifo")) return 'a FIFO queue name, and only a FIFO queue name, ends with ".fifo"';
                return /^[A-Za-z0-9_-]+$/.test(fifo ? s.slice(0, -5) : s) ? undefined : "only ASCII letters, digits, underscores and hyphens";
            }),
        ],
        rule: 'queue name: 1-80 ASCII letters, digits, underscores or hyphens (FIFO queues end with ".fifo")',
        source: `${API}/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html (SQS API Reference, CreateQueue: QueueName)`,
        autoname: true,
    },
    ...(
        [
            ["visibilityTimeoutSeconds", 0, 43200, "VisibilityTimeout"],
            ["messageRetentionSeconds", 60, 1209600, "MessageRetentionPeriod"],
            ["receiveWaitTimeSeconds", 0, 20, "ReceiveMessageWaitTimeSeconds"],
        ] as const
    ).map(([path, min, max, attribute]): HandRule => ({
        type: "aws:sqs/queue:Queue",
        path,
        constraints: [range(min, max)],
        rule: `${attribute}: ${min} to ${max} seconds`,
        source: `${API}/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html (SQS API Reference, SetQueueAttributes: ${attribute})`,
    })),
    {
        type: "aws:ssm/parameter:Parameter",
        path: "name",
        constraints: [
            pattern(/^[a-zA-Z0-9_.\-/]+$/, "only a-zA-Z0-9_.- and /"),
            refuse((s) =>
                /^\/?(aws|ssm)/i.test(s) ? 'begins with "aws" or "ssm"' : s.split("/").filter((p) => p).length > 15 ? "more than 15 levels" : undefined,
            ),
            custom((v, _inputs, ctx) => {
                const arn =
                    typeof ctx.outputs.arn === "string" ? ctx.outputs.arn : `arn:aws:ssm:ap-southeast-2:123456789012:parameter/${String(v).replace(/^\//, "")}`;
                return arn.length > 1011 ? `its ARN ${arn.length} characters long; at most 1011` : undefined;
            }),
        ],
        rule: 'parameter name: a-zA-Z0-9_.-/, not beginning with "aws" or "ssm", at most 15 levels, and the ARN with the name at most 1011 characters',
        source: `${API}/systems-manager/latest/APIReference/API_PutParameter.html (Systems Manager API Reference, PutParameter: Name)`,
        autoname: true,
    },
    {
        type: "aws:secretsmanager/secret:Secret",
        path: "name",
        constraints: [pattern(/^[A-Za-z0-9/_+=.@-]+$/, "only ASCII letters, digits and /_+=.@-")],
        rule: "secret name: ASCII letters, digits and /_+=.@-",
        source: `${API}/secretsmanager/latest/apireference/API_CreateSecret.html (Secrets Manager API Reference, CreateSecret: Name)`,
        autoname: true,
    },
    {
        type: "aws:secretsmanager/secret:Secret",
        path: "recoveryWindowInDays",
        constraints: [
            custom((v) => (Number(v) === 0 || (Number(v) >= 7 && Number(v) <= 30) ? undefined : `${String(v)} is neither 0 (force delete) nor 7-30`)),
        ],
        rule: "recovery window: 7-30 days (0 deletes at once)",
        source: `${API}/secretsmanager/latest/apireference/API_DeleteSecret.html (Secrets Manager API Reference, DeleteSecret: RecoveryWindowInDays)`,
    },
    // ECS
    {
        type: "aws:ecs/cluster:Cluster",
        path: "name",
        constraints: ECS_NAME,
        rule: "cluster name: up to 255 letters, digits, underscores and hyphens",
        source: `${API}/AmazonECS/latest/APIReference/API_CreateCluster.html (ECS API Reference, CreateCluster: clusterName)`,
        autoname: true,
    },
    {
        type: "aws:ecs/service:Service",
        path: "name",
        constraints: ECS_NAME,
        rule: "service name: up to 255 letters, digits, underscores and hyphens",
        source: `${API}/AmazonECS/latest/APIReference/API_CreateService.html (ECS API Reference, CreateService: serviceName)`,
        autoname: true,
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        path: "family",
        constraints: ECS_NAME,
        rule: "task definition family: up to 255 letters, digits, underscores and hyphens",
        source: ECS_TASK_SOURCE,
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        path: "containerDefinitions<json>[].name",
        constraints: ECS_NAME,
        rule: "container name: up to 255 letters, digits, underscores and hyphens",
        source: ECS_TASK_SOURCE,
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        path: "containerDefinitions",
        constraints: [{ kind: "bytes", max: 65536 }],
        rule: "task definition: at most 64 KiB (its container definitions alone are held to it here)",
        source: `${API}/AmazonECS/latest/developerguide/service-quotas.html (ECS Developer Guide, Amazon ECS service quotas: Task definition size)`,
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        path: "containerDefinitions<json>[].healthCheck.interval",
        constraints: [range(5, 300)],
        rule: "container health check interval: 5-300 seconds",
        source: `${API}/AmazonECS/latest/APIReference/API_HealthCheck.html (ECS API Reference, HealthCheck)`,
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        path: "containerDefinitions<json>[].healthCheck.timeout",
        constraints: [range(2, 120)],
        rule: "container health check timeout: 2-120 seconds",
        source: `${API}/AmazonECS/latest/APIReference/API_HealthCheck.html (ECS API Reference, HealthCheck)`,
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        path: "containerDefinitions<json>[].healthCheck.retries",
        constraints: [range(1, 10)],
        rule: "container health check retries: 1-10",
        source: `${API}/AmazonECS/latest/APIReference/API_HealthCheck.html (ECS API Reference, HealthCheck)`,
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        path: "containerDefinitions<json>[].healthCheck.startPeriod",
        constraints: [range(0, 300)],
        rule: "container health check start period: 0-300 seconds",
        source: `${API}/AmazonECS/latest/APIReference/API_HealthCheck.html (ECS API Reference, HealthCheck)`,
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        path: "containerDefinitions<json>[].stopTimeout",
        when: (i) => Array.isArray(i.requiresCompatibilities) && i.requiresCompatibilities.includes("FARGATE"),
        constraints: [range(0, 120)],
        rule: "container stop timeout on Fargate: at most 120 seconds",
        source: `${API}/AmazonECS/latest/APIReference/API_ContainerDefinition.html (ECS API Reference, ContainerDefinition: stopTimeout)`,
    },
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        path: "memory",
        when: (i) => Array.isArray(i.requiresCompatibilities) && i.requiresCompatibilities.includes("FARGATE"),
        constraints: [
            custom((v, inputs) => {
                const allowed = FARGATE_SIZES[Number(inputs.cpu)];
                if (!allowed) return `cpu ${String(inputs.cpu)} is not a Fargate size (${Object.keys(FARGATE_SIZES).join(", ")})`;
                return allowed.includes(Number(v)) ? undefined : `${String(v)} MiB is not allowed with cpu ${String(inputs.cpu)}`;
            }),
        ],
        rule: "Fargate task CPU and memory: one of the supported pairs",
        source: `${API}/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size (ECS Developer Guide, Fargate task CPU and memory)`,
    },
    // RDS
    {
        type: "aws:rds/instance:Instance",
        path: "identifier",
        constraints: rdsIdentifier(63),
        rule: "DB instance identifier: 1-63 letters, digits or hyphens, a letter first, no trailing hyphen, no two hyphens in a row",
        source: RDS_INSTANCE_SOURCE,
        autoname: true,
    },
    {
        type: "aws:rds/instance:Instance",
        path: "finalSnapshotIdentifier",
        constraints: rdsIdentifier(255),
        rule: "final snapshot identifier: 1-255 letters, digits or hyphens, a letter first, no trailing hyphen, no two hyphens in a row",
        source: `${API}/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html (RDS API Reference, DeleteDBInstance: FinalDBSnapshotIdentifier)`,
    },
    {
        type: "aws:rds/instance:Instance",
        path: "backupRetentionPeriod",
        constraints: [range(0, 35)],
        rule: "backup retention: 0-35 days",
        source: RDS_INSTANCE_SOURCE,
    },
    {
        type: "aws:rds/instance:Instance",
        path: "allocatedStorage",
        when: (i) =>
            ["postgres", "mysql", "mariadb"].includes(String(i.engine)) &&
            ["gp2", "gp3", "io1", "io2", undefined].includes(i.storageType as string | undefined),
        constraints: [range(20, 65536)],
        rule: "allocated storage for PostgreSQL, MySQL or MariaDB on General Purpose or Provisioned IOPS SSD: 20-65,536 GiB",
        source: RDS_INSTANCE_SOURCE,
    },
    {
        type: "aws:rds/instance:Instance",
        path: "dbName",
        when: (i) => i.engine === "postgres",
        constraints: [len(1, 63), pattern(/^[A-Za-z][A-Za-z0-9_]*$/, "a letter first, then letters, digits or underscores")],
        rule: "PostgreSQL database name: 1-63 letters, digits or underscores, a letter first",
        source: RDS_INSTANCE_SOURCE,
    },
    {
        type: "aws:rds/instance:Instance",
        path: "username",
        when: (i) => i.engine === "postgres",
        constraints: [len(1, 63), pattern(/^[A-Za-z][A-Za-z0-9_]*$/, "a letter first, then letters, digits or underscores")],
        rule: "PostgreSQL master user name: 1-63 letters, digits or underscores, a letter first",
        source: RDS_INSTANCE_SOURCE,
    },
    {
        type: "aws:rds/instance:Instance",
        path: "backupWindow",
        constraints: [
            custom((v, inputs) => {
                const backup = rdsWindow(String(v), false);
                if (typeof backup === "string") return backup;
                if (typeof inputs.maintenanceWindow !== "string") return undefined;
                const maintenance = rdsWindow(inputs.maintenanceWindow, true);
                if (typeof maintenance === "string") return undefined;
                const week = windowMinutes(maintenance, true);
                return [...windowMinutes(backup, false)].some((t) => week.has(t)) ? `overlaps the maintenance window ${inputs.maintenanceWindow}` : undefined;
            }),
        ],
        rule: "backup window: hh24:mi-hh24:mi UTC, at least 30 minutes, not overlapping the maintenance window",
        source: RDS_INSTANCE_SOURCE,
    },
    {
        type: "aws:rds/instance:Instance",
        path: "maintenanceWindow",
        constraints: [refuse((s) => (typeof rdsWindow(s, true) === "string" ? (rdsWindow(s, true) as string) : undefined))],
        rule: "maintenance window: ddd:hh24:mi-ddd:hh24:mi UTC, at least 30 minutes",
        source: RDS_INSTANCE_SOURCE,
    },
    {
        type: "aws:rds/parameterGroup:ParameterGroup",
        path: "name",
        constraints: rdsIdentifier(255),
        rule: "DB parameter group name: 1-255 letters, digits or hyphens, a letter first, no trailing hyphen, no two hyphens in a row",
        source: `${API}/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html (RDS API Reference, CreateDBParameterGroup: DBParameterGroupName)`,
        autoname: true,
    },
    {
        type: "aws:rds/subnetGroup:SubnetGroup",
        path: "name",
        constraints: [
            len(1, 255),
            pattern(/^[A-Za-z][A-Za-z0-9._ -]*$/, "a letter first, then letters, digits, periods, underscores, spaces or hyphens"),
            refuse((s) => (s.toLowerCase() === "default" ? 'is "default"' : undefined)),
        ],
        rule: 'DB subnet group name: at most 255 letters, digits, periods, underscores, spaces or hyphens, a letter first, not "default"',
        source: `${API}/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html (RDS API Reference, CreateDBSubnetGroup: DBSubnetGroupName)`,
        autoname: true,
    },
    // S3
    {
        type: "aws:s3/bucket:Bucket",
        path: "bucket",
        constraints: [
            len(3, 63),
            pattern(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit"),
            refuse((s) => {
                if (s.includes("..")) return "contains two adjacent periods";
                if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) return "is formatted as an IP address";
                const prefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => s.startsWith(p));
                if (prefix) return `begins with the reserved prefix ${prefix}`;
                const suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((p) => s.endsWith(p));
                return suffix ? `ends with the reserved suffix ${suffix}` : undefined;
            }),
        ],
        rule: "bucket name: 3-63 lowercase letters, digits, dots and hyphens; letter or digit at both ends; no '..'; not an IP address; no reserved prefix or suffix",
        source: `${API}/AmazonS3/latest/userguide/bucketnamingrules.html (Amazon S3 User Guide, General purpose bucket naming rules)`,
        autoname: true,
    },
    {
        type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        path: "rules[].id",
        constraints: [len(0, 255)],
        rule: "lifecycle rule ID: at most 255 characters",
        source: `${API}/AmazonS3/latest/API/API_LifecycleRule.html (S3 API Reference, LifecycleRule: ID)`,
    },
    {
        type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        path: "rules[].expiration.days",
        constraints: [range(1, undefined)],
        rule: "lifecycle expiration: a positive whole number of days",
        source: `${API}/AmazonS3/latest/API/API_LifecycleExpiration.html (S3 API Reference, LifecycleExpiration: Days, "must be a non-zero positive integer")`,
    },
    {
        type: "aws:s3/bucketLogging:BucketLogging",
        path: "targetPrefix",
        constraints: [len(0, 1024)],
        rule: "server access log prefix: part of an object key, at most 1024 bytes",
        source: `${API}/AmazonS3/latest/userguide/object-keys.html (Amazon S3 User Guide, Naming objects: keys up to 1,024 bytes)`,
    },
    {
        type: "aws:lb/loadBalancer:LoadBalancer",
        path: "accessLogs.prefix",
        constraints: [
            custom((v) =>
                typeof v === "string" && (v.includes("AWSLogs") || v.startsWith("/") || v.endsWith("/"))
                    ? "contains AWSLogs or starts or ends with /"
                    : undefined,
            ),
        ],
        rule: "access log prefix: must not contain AWSLogs, nor start or end with a slash",
        source: `${API}/elasticloadbalancing/latest/application/enable-access-logging.html (Application Load Balancers, Enable access logs: the prefix)`,
    },
    // WAF, Backup, KMS, ACM
    {
        type: "aws:wafv2/webAcl:WebAcl",
        path: "rules[].statement.rateBasedStatement.limit",
        constraints: [range(10, 2_000_000_000)],
        rule: "rate-based rule limit: 10 to 2,000,000,000 requests per evaluation window",
        source: `${API}/waf/latest/APIReference/API_RateBasedStatement.html (WAF API Reference, RateBasedStatement: Limit)`,
    },
    {
        type: "aws:backup/plan:Plan",
        path: "name",
        constraints: [pattern(/^[A-Za-z0-9\-_.]{1,50}$/, "1 to 50 alphanumeric or -_. characters")],
        rule: "backup plan name: 1-50 alphanumeric or '-_.' characters",
        source: `${API}/aws-backup/latest/devguide/API_BackupPlanInput.html (AWS Backup API Reference, BackupPlanInput: BackupPlanName)`,
    },
    {
        type: "aws:backup/plan:Plan",
        path: "rules[].startWindow",
        constraints: [range(60, undefined)],
        rule: "backup rule start window: at least 60 minutes",
        source: `${API}/aws-backup/latest/devguide/API_BackupRuleInput.html (AWS Backup API Reference, BackupRuleInput: StartWindowMinutes)`,
    },
    {
        type: "aws:backup/plan:Plan",
        path: "rules[].lifecycle",
        constraints: [
            custom((v) => {
                const l = v as { coldStorageAfter?: number; deleteAfter?: number };
                if (l.coldStorageAfter === undefined || l.deleteAfter === undefined) return undefined;
                return l.deleteAfter < l.coldStorageAfter + 90 ? `deleteAfter ${l.deleteAfter} < coldStorageAfter ${l.coldStorageAfter} + 90` : undefined;
            }),
        ],
        rule: "backup lifecycle: deletion at least 90 days after the move to cold storage",
        source: `${API}/aws-backup/latest/devguide/API_Lifecycle.html (AWS Backup API Reference, Lifecycle: DeleteAfterDays)`,
    },
    {
        type: "aws:kms/alias:Alias",
        path: "name",
        constraints: [
            refuse((s) =>
                !s.startsWith("alias/") ? 'does not begin with "alias/"' : s.startsWith("alias/aws/") ? 'begins with the reserved "alias/aws/"' : undefined,
            ),
        ],
        rule: 'alias name: begins with "alias/", not with the reserved "alias/aws/"',
        source: `${API}/kms/latest/APIReference/API_CreateAlias.html (KMS API Reference, CreateAlias: AliasName)`,
    },
    {
        type: "aws:kms/key:Key",
        path: "deletionWindowInDays",
        constraints: [range(7, 30)],
        rule: "key deletion waiting period: 7-30 days",
        source: `${API}/kms/latest/APIReference/API_ScheduleKeyDeletion.html (KMS API Reference, ScheduleKeyDeletion: PendingWindowInDays)`,
    },
    {
        type: "aws:acm/certificate:Certificate",
        path: "domainName",
        constraints: [{ kind: "bytes", max: CN_OCTETS }],
        rule: "first domain name (the Common Name): at most 64 octets, periods included",
        source: `${API}/acm/latest/APIReference/API_RequestCertificate.html (ACM API Reference, RequestCertificate: DomainName)`,
    },
];

/** A numeric test on a value that must be a number (or a numeric string). */
function refuse0(problem: (n: number) => string | undefined): Constraint {
    return custom((v) => {
        const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
        return typeof n === "number" && Number.isFinite(n) ? problem(n) : `must be a number, not ${JSON.stringify(v)}`;
    });
}

function firstQueryPeriod(inputs: Record<string, unknown>): unknown {
    const queries = inputs.metricQueries;
    if (!Array.isArray(queries)) return undefined;
    for (const q of queries as { metric?: { period?: unknown }; period?: unknown }[]) {
        if (q.metric?.period !== undefined) return q.metric.period;
        if (q.period !== undefined) return q.period;
    }
    return undefined;
}

/** Tag keys and values, on every AWS resource that has tags. */
export const TAG_RULE = {
    rule: 'tag keys: 1-128 characters, not beginning with "aws:"; tag values: at most 256 characters',
    source: `${API}/tag-editor/latest/userguide/tagging.html (Tagging AWS resources: tag naming limits and requirements)`,
};

/** A role's inline policies together, white space not counted. */
export const ROLE_INLINE_TOTAL = {
    max: 10240,
    rule: "a role's inline policies: at most 10,240 characters together, white space not counted",
    source: IAM_QUOTAS,
};
export { CN_OCTETS, policySize, scheduleExpressionProblem };
