import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { fiveXxShare, p99LatencyMs } from "../lib/alarmMath";
import { fitText, partitionOf, physicalName } from "../lib/aws";
import { compactCheckTargets } from "../lib/endpointCheck";

export { endpointName } from "../lib/endpointCheck";
import { AlarmTopic } from "./alarmTopic";
import { lambdaFunction } from "./lambdaFunction";

export const MONITORING_TYPE = "shipyard:monitoring:Monitoring";

/** Namespace of the endpoint check's metrics (functions/endpointCheck). */
export const ENDPOINT_CHECK_NAMESPACE = "Shipyard/EndpointCheck";

/** A service the dashboard shows and the alarms watch. */
export interface MonitoredService {
    /** The service's short name, e.g. `web`. */
    readonly name: string;
    readonly clusterName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
    /**
     * Its load balancer, by CloudWatch dimension values (`app/...` or `net/...`, and its target
     * groups: two under blue/green). Absent (internal and worker services): only the task alarms.
     */
    readonly loadBalancer?: LoadBalancerMetrics;
}

/** A service's load balancer as CloudWatch names it (`LoadBalancedApp.metricsFor`, `NetworkLoadBalancer.metricsFor`). */
export interface LoadBalancerMetrics {
    readonly kind: "application" | "network";
    readonly arnSuffix: pulumi.Input<string>;
    readonly targetGroupArnSuffixes: readonly pulumi.Input<string>[];
}

/** A public URL checked from outside the VPC. */
export interface EndpointTarget {
    /** Unique name, the metric's `Endpoint` dimension and part of its alarm's name, e.g. `web` (see {@link endpointName}). */
    readonly name: string;
    /** `https://<host><path>` of the health endpoint. */
    readonly url: string;
}

export interface AlarmThresholds {
    /** Percent of responses that are 5xx. */
    readonly fiveXxPercent: number;
    readonly p99LatencyMs: number;
    readonly cpuPercent: number;
    readonly memoryPercent: number;
}

export interface MonitoringArgs {
    /** Parts of physical names, `[app, env]`. */
    readonly nameParts: readonly [string, string];
    /** Where every alarm goes, and what the Slack notifier subscribes to. */
    readonly topic: AlarmTopic;
    readonly region: string;
    /** The account, for the alarms' ARNs in policies (no cloud lookup). */
    readonly accountId: string;
    readonly services: readonly MonitoredService[];
    readonly thresholds: AlarmThresholds;
    /** Checked every `endpointCheckMinutes` by a function outside the VPC. */
    readonly endpoints: readonly EndpointTarget[];
    /** Minutes between endpoint checks (1-5). */
    readonly endpointCheckMinutes: number;
    /**
     * Slack: the incoming webhook (a secret) and the minutes between reminders of alarms still
     * firing. Absent: the alarms reach the topic, and nothing is subscribed to it.
     */
    readonly slack?: { readonly webhookUrl: pulumi.Input<string>; readonly reminderMinutes: number };
    readonly logRetentionDays: number;
    /**
     * The environment's RDS instance: alarms on its CPU (the thresholds' cpuPercent for 10 minutes)
     * and on free storage below {@link DB_FREE_STORAGE_PERCENT}% of what is allocated. @default none
     */
    readonly database?: { readonly identifier: pulumi.Input<string>; readonly storageGb: number };
    /**
     * ARN of the permissions boundary every IAM role of this component carries (the bootstrap's
     * `<app>-<env>-boundary`): a deploy role may create roles only with it, so no role it creates
     * can hold more than the boundary allows. @default none
     */
    readonly permissionsBoundary?: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
    /** Worker queues: alarms on the oldest message's age and on dead letters, and a dashboard row each. @default [] */
    readonly queues?: readonly MonitoredQueue[];
    /** SNS topics the services publish to: a dashboard row each. @default [] */
    readonly topics?: readonly { readonly label: string; readonly topicName: string }[];
    /** Scheduled jobs: a dashboard row each (runs, failures, timeouts); a failed run notifies the topic itself. @default [] */
    readonly jobs?: readonly { readonly name: string; readonly stateMachineArn: string }[];
}

/** A worker's queue as the alarms and dashboard name it. */
export interface MonitoredQueue {
    /** The worker's name. */
    readonly service: string;
    readonly queueName: string;
    readonly deadLetterQueueName: string;
    /** Seconds a message may wait: the oldest message older than this alarms. */
    readonly acceptableLatencySeconds: number;
}

export function validateMonitoringArgs(args: MonitoringArgs): void {
    if (args.services.length === 0) throw new Error("Monitoring: at least one service to watch");
    const names = args.services.map((s) => s.name);
    if (new Set(names).size !== names.length) throw new Error(`Monitoring: service names must be distinct, got ${names.join(", ")}`);
    // Two endpoints of one name would publish into one metric, watched by one alarm (registered twice).
    const endpointNames = args.endpoints.map((e) => e.name);
    if (new Set(endpointNames).size !== endpointNames.length)
        throw new Error(`Monitoring: endpoint names must be distinct (each is a metric dimension and an alarm), got ${endpointNames.join(", ")}`);
    for (const e of args.endpoints)
        if (!/^https:\/\/[^/\s]+\/\S*$/.test(e.url)) throw new Error(`Monitoring: endpoint ${e.name} must be an https URL with a path, got ${e.url}`);
    if (!Number.isInteger(args.endpointCheckMinutes) || args.endpointCheckMinutes < 1 || args.endpointCheckMinutes > 5)
        throw new Error(`Monitoring: endpointCheckMinutes must be 1-5, got ${args.endpointCheckMinutes}`);
    if (!/^\d{12}$/.test(args.accountId)) throw new Error(`Monitoring: accountId must be 12 digits, got ${args.accountId}`);
}

type MetricQuery = aws.types.input.cloudwatch.MetricAlarmMetricQuery;

/** Free storage, in percent of the allocated, below which the database alarms: time to grow it before writes fail. */
export const DB_FREE_STORAGE_PERCENT = 10;

/** An alarm on a metric's one-minute average staying above `limit` for ten minutes; no data is no alarm. */
function tenMinutesAbove(namespace: string, metricName: string, dimensions: Record<string, pulumi.Input<string>>, limit: number) {
    return {
        namespace,
        metricName,
        dimensions,
        statistic: "Average",
        period: 60,
        evaluationPeriods: 10,
        datapointsToAlarm: 10,
        comparisonOperator: "GreaterThanThreshold",
        threshold: limit,
        treatMissingData: "missing",
    };
}

/**
 * What a small team reads: one encrypted SNS topic that every alarm of the environment notifies,
 * the alarms themselves (per service: 5xx share, p99 latency, unhealthy targets, CPU, memory,
 * running below desired; per public endpoint: the outside check failing), a dashboard, the
 * endpoint check (a scheduled function outside the VPC), and, with a Slack webhook, the notifier
 * that posts alarm and OK transitions and reminds of alarms still firing.
 */
export class Monitoring extends pulumi.ComponentResource {
    readonly topic: AlarmTopic;
    readonly dashboard: aws.cloudwatch.Dashboard;
    /** Physical names of every alarm, in creation order. */
    readonly alarmNames: string[] = [];
    readonly notifier?: aws.lambda.Function;
    readonly endpointCheck?: aws.lambda.Function;

    private readonly name: string;
    private readonly args: MonitoringArgs;

    constructor(name: string, args: MonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(MONITORING_TYPE, name, {}, opts);
        validateMonitoringArgs(args);
        this.name = name;
        this.args = args;
        this.topic = args.topic;

        for (const svc of args.services) this.serviceAlarms(svc);
        for (const q of args.queues ?? []) this.queueAlarms(q);
        if (args.database) this.databaseAlarms(args.database);
        if (args.endpoints.length > 0) this.endpointCheck = this.endpointChecks();
        this.dashboard = this.buildDashboard();
        if (args.slack) this.notifier = this.slackNotifier(args.slack);

        this.registerOutputs({ dashboardName: this.dashboard.dashboardName });
    }

    private alarm(
        role: string,
        description: string,
        props: Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "alarmDescription" | "alarmActions" | "okActions" | "tags">,
    ) {
        const [app, env] = this.args.nameParts;
        const alarmName = physicalName([app, env, role], 255);
        this.alarmNames.push(alarmName);
        return new aws.cloudwatch.MetricAlarm(
            `${this.name}-${role}`,
            {
                ...props,
                name: alarmName,
                alarmDescription: description,
                alarmActions: [this.topic.topic.arn],
                okActions: [this.topic.topic.arn],
                tags: this.args.tags,
            },
            { parent: this },
        );
    }

    private serviceAlarms(svc: MonitoredService): void {
        if (svc.loadBalancer) this.loadBalancerAlarms(svc.name, svc.loadBalancer);
        this.taskAlarms(svc);
    }

    /**
     * What clients see. Application load balancer: the 5xx share, p99 and unhealthy targets.
     * Network load balancer (no HTTP metrics): unhealthy targets.
     */
    private loadBalancerAlarms(name: string, lb: LoadBalancerMetrics): void {
        const t = this.args.thresholds;
        const [, env] = this.args.nameParts;
        const namespace = lb.kind === "application" ? "AWS/ApplicationELB" : "AWS/NetworkELB";
        const elb = (id: string, metricName: string, stat: string, tg: pulumi.Input<string>): MetricQuery => ({
            id,
            returnData: false,
            metric: { namespace, metricName, stat, period: 60, dimensions: { LoadBalancer: lb.arnSuffix, TargetGroup: tg } },
        });
        const groups = lb.targetGroupArnSuffixes;
        const threeOfFive = { evaluationPeriods: 5, datapointsToAlarm: 3, comparisonOperator: "GreaterThanThreshold" };
        this.alarm(`${name}-unhealthy`, `${name} in ${env}: the load balancer sees unhealthy targets`, {
            ...threeOfFive,
            threshold: 0,
            treatMissingData: "notBreaching",
            metricQueries: [
                ...groups.map((tg, i) => elb(`u${i}`, "UnHealthyHostCount", "Maximum", tg)),
                {
                    id: "unhealthy",
                    label: "unhealthy targets",
                    returnData: true,
                    expression: groups.length === 1 ? "FILL(u0, 0)" : `MAX([${groups.map((_, i) => `FILL(u${i}, 0)`).join(", ")}])`,
                },
            ],
        });
        if (lb.kind === "network") return;

        // Every 5xx a client saw, and the slowest target group's p99 (see lib/alarmMath.ts).
        const targets = { loadBalancer: lb.arnSuffix, targetGroups: groups };
        this.alarm(`${name}-5xx`, `${name} in ${env}: over ${t.fiveXxPercent}% of responses are 5xx (targets' and the load balancer's)`, {
            ...threeOfFive,
            threshold: t.fiveXxPercent,
            treatMissingData: "notBreaching",
            metricQueries: fiveXxShare(targets, "clients"),
        });
        this.alarm(`${name}-p99`, `${name} in ${env}: p99 response time over ${t.p99LatencyMs} ms`, {
            ...threeOfFive,
            threshold: t.p99LatencyMs,
            treatMissingData: "notBreaching",
            metricQueries: p99LatencyMs(targets),
        });
    }

    /**
     * A worker's queue: the oldest message waiting longer than the acceptable latency for 5 minutes
     * (the worker is down, stuck or too small), and any message in the dead-letter queue (a message
     * failed maxReceives times and waits for a person).
     */
    private queueAlarms(q: MonitoredQueue): void {
        const [, env] = this.args.nameParts;
        this.alarm(
            `${q.service}-queue-age`,
            `${q.service} in ${env}: a message has waited over ${q.acceptableLatencySeconds} s in ${q.queueName} for 5 minutes`,
            {
                namespace: "AWS/SQS",
                metricName: "ApproximateAgeOfOldestMessage",
                dimensions: { QueueName: q.queueName },
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 5,
                datapointsToAlarm: 5,
                comparisonOperator: "GreaterThanThreshold",
                threshold: q.acceptableLatencySeconds,
                // An idle queue sends no metrics.
                treatMissingData: "notBreaching",
            },
        );
        this.alarm(`${q.service}-dead-letters`, `${q.service} in ${env}: messages in the dead-letter queue ${q.deadLetterQueueName}`, {
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: q.deadLetterQueueName },
            statistic: "Maximum",
            period: 60,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            treatMissingData: "notBreaching",
        });
    }

    /** The database: CPU, and storage running out (a full volume stops writes). */
    private databaseAlarms(db: NonNullable<MonitoringArgs["database"]>): void {
        const [, env] = this.args.nameParts;
        const limit = this.args.thresholds.cpuPercent;
        const dimensions = { DBInstanceIdentifier: db.identifier };
        this.alarm("db-cpu", `database in ${env}: average CPU over ${limit}% for 10 minutes`, tenMinutesAbove("AWS/RDS", "CPUUtilization", dimensions, limit));
        this.alarm("db-storage", `database in ${env}: less than ${DB_FREE_STORAGE_PERCENT}% of its ${db.storageGb} GiB free`, {
            namespace: "AWS/RDS",
            metricName: "FreeStorageSpace",
            dimensions,
            statistic: "Minimum",
            period: 300,
            evaluationPeriods: 1,
            comparisonOperator: "LessThanThreshold",
            // FreeStorageSpace is in bytes.
            threshold: Math.round((db.storageGb * 1024 ** 3 * DB_FREE_STORAGE_PERCENT) / 100),
            treatMissingData: "missing",
        });
    }

    /** How the tasks do: CPU, memory, and fewer running than desired. */
    private taskAlarms(svc: MonitoredService): void {
        const t = this.args.thresholds;
        const [, env] = this.args.nameParts;
        const ecsDims = { ClusterName: svc.clusterName, ServiceName: svc.serviceName };
        for (const [what, metricName, limit] of [
            ["cpu", "CPUUtilization", t.cpuPercent],
            ["memory", "MemoryUtilization", t.memoryPercent],
        ] as const) {
            this.alarm(
                `${svc.name}-${what}`,
                `${svc.name} in ${env}: average ${what} over ${limit}% for 10 minutes`,
                tenMinutesAbove("AWS/ECS", metricName, ecsDims, limit),
            );
        }
        // Container Insights' task counts: fewer running than desired for 5 minutes means tasks
        // keep failing to start or to stay up (a deploy's extra tasks only add to running).
        this.alarm(`${svc.name}-tasks`, `${svc.name} in ${env}: fewer tasks running than desired for 5 minutes`, {
            evaluationPeriods: 5,
            datapointsToAlarm: 5,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            treatMissingData: "breaching",
            metricQueries: [
                {
                    id: "desired",
                    returnData: false,
                    metric: { namespace: "ECS/ContainerInsights", metricName: "DesiredTaskCount", stat: "Minimum", period: 60, dimensions: ecsDims },
                },
                {
                    id: "running",
                    returnData: false,
                    metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", stat: "Minimum", period: 60, dimensions: ecsDims },
                },
                { id: "missing", label: "tasks missing (desired - running)", returnData: true, expression: "desired - running" },
            ],
        });
    }

    /** A scheduled function outside the VPC requests every endpoint; an alarm per endpoint watches the result. */
    private endpointChecks(): aws.lambda.Function {
        const a = this.args;
        const [app, env] = a.nameParts;
        const fn = this.scheduledFunction("endpoint-check", "endpointCheck", {
            // Bounded whatever the number of endpoints (Lambda takes 256 characters, the schedule 512): the URLs are in CHECK_TARGETS.
            description: `Checks the ${a.endpoints.length} public endpoint${a.endpoints.length === 1 ? "" : "s"} of ${app} ${env} from outside the VPC`,
            environment: {
                // Each health path once, then its hosts: the full form overflows Lambda's 4 KB with about seven endpoints.
                CHECK_TARGETS: compactCheckTargets(a.endpoints),
                METRIC_NAMESPACE: ENDPOINT_CHECK_NAMESPACE,
                ENVIRONMENT: env,
            },
            timeoutSeconds: 30,
            scheduleMinutes: a.endpointCheckMinutes,
            input: "{}",
            // A late or repeated check says nothing about now: the next run checks again.
            maxEventAgeSeconds: 60,
            maxRetries: 0,
            statements: [],
        });
        for (const e of a.endpoints) {
            // A check that did not run is a failure too: a dead checker must not look healthy.
            // CloudWatch takes 1024 characters of description; a health path alone may have 1024.
            this.alarm(`${e.name}-endpoint`, fitText(`${e.name} failed its outside check (${app} ${env}): ${e.url}`, ALARM_DESCRIPTION_MAX), {
                namespace: ENDPOINT_CHECK_NAMESPACE,
                metricName: "Success",
                dimensions: { Environment: env, Endpoint: e.name },
                statistic: "Minimum",
                period: 60 * a.endpointCheckMinutes,
                evaluationPeriods: 3,
                datapointsToAlarm: 2,
                comparisonOperator: "LessThanThreshold",
                threshold: 1,
                treatMissingData: "breaching",
            });
        }
        return fn;
    }

    private slackNotifier(slack: NonNullable<MonitoringArgs["slack"]>): aws.lambda.Function {
        const a = this.args;
        const [app, env] = a.nameParts;
        const child = { parent: this };
        const webhook = new aws.secretsmanager.Secret(
            `${this.name}-slack-webhook`,
            {
                name: `${app}/${env}/slack-webhook`,
                description: `Slack incoming webhook for ${app} ${env} alarms`,
                // The value lives in the stack's configuration: a secret kept "pending deletion" would
                // only block setting slackWebhookUrl again within the window.
                recoveryWindowInDays: 0,
                tags: a.tags,
            },
            child,
        );
        new aws.secretsmanager.SecretVersion(`${this.name}-slack-webhook`, { secretId: webhook.id, secretString: slack.webhookUrl }, child);
        // SNS redelivers: the notifier claims each message id here before posting, once.
        const dedupe = new aws.dynamodb.Table(
            `${this.name}-notified`,
            {
                name: physicalName([app, env, "alarm-notified"], 255),
                billingMode: "PAY_PER_REQUEST",
                hashKey: "id",
                attributes: [{ name: "id", type: "S" }],
                ttl: { attributeName: "expiresAt", enabled: true },
                serverSideEncryption: { enabled: true },
                pointInTimeRecovery: { enabled: false },
                tags: a.tags,
            },
            child,
        );
        const deadLetters = new aws.sqs.Queue(
            `${this.name}-notifier-dlq`,
            { name: physicalName([app, env, "alarm-notifier-dlq"], 80), messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true, tags: a.tags },
            child,
        );
        // What the notifier could not deliver after Lambda's retries; an alarm says so (through the
        // topic: subscribe an e-mail address to it to hear about it when Slack itself is the problem).
        this.alarm("alarm-notifier-undelivered", `${app} ${env}: alarm notifications Slack did not receive are waiting in the dead-letter queue`, {
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: deadLetters.name },
            statistic: "Maximum",
            period: 300,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            treatMissingData: "notBreaching",
        });
        const fn = this.scheduledFunction("alarm-notifier", "alarmNotifier", {
            description: `Posts ${app} ${env} alarms to Slack and reminds of those still firing`,
            environment: {
                SLACK_WEBHOOK_SECRET_ARN: webhook.arn,
                DEDUPE_TABLE: dedupe.name,
                APP_NAME: app,
                ENVIRONMENT: env,
                ALARM_NAME_PREFIX: `${app}-${env}-`,
                // Lets the notifier split <app>-<env>-<service>-<what> when a service name has hyphens.
                // Jobs too: a failed run's notification is named <app>-<env>-<job>-run-failed.
                SERVICE_NAMES: [...a.services.map((svc) => svc.name), ...(a.jobs ?? []).map((j) => j.name)].join(","),
                REMINDER_MINUTES: String(slack.reminderMinutes),
            },
            timeoutSeconds: 60,
            scheduleMinutes: slack.reminderMinutes,
            input: JSON.stringify({ action: "remind" }),
            deadLetterArn: deadLetters.arn,
            // Slack takes about one message a second per webhook: one copy at a time posts a burst
            // in order, and Lambda keeps the throttled rest queued (up to 6 hours) instead of
            // failing them into the dead-letter queue.
            reservedConcurrency: 1,
            maxEventAgeSeconds: 6 * 3600,
            maxRetries: 2,
            statements: [
                { Sid: "ReadWebhook", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: webhook.arn },
                { Sid: "ClaimMessages", Effect: "Allow", Action: ["dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: dedupe.arn },
                {
                    Sid: "ListFiringAlarms",
                    Effect: "Allow",
                    Action: "cloudwatch:DescribeAlarms",
                    Resource: `arn:${partitionOf(a.region)}:cloudwatch:${a.region}:${a.accountId}:alarm:${app}-${env}-*`,
                },
                { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: deadLetters.arn },
            ],
        });
        new aws.lambda.Permission(
            `${this.name}-alarm-notifier-sns`,
            { function: fn.name, action: "lambda:InvokeFunction", principal: "sns.amazonaws.com", sourceArn: this.topic.topic.arn },
            child,
        );
        new aws.sns.TopicSubscription(`${this.name}-alarm-notifier`, { topic: this.topic.topic.arn, protocol: "lambda", endpoint: fn.arn }, child);
        return fn;
    }

    /**
     * A function of ours (functions/<code>), its log group, a role that may write its logs and do
     * `statements`, and an EventBridge Scheduler schedule that invokes it every `scheduleMinutes`.
     */
    private scheduledFunction(
        role: string,
        code: string,
        f: {
            description: string;
            environment: Record<string, pulumi.Input<string>>;
            timeoutSeconds: number;
            scheduleMinutes: number;
            input: string;
            deadLetterArn?: pulumi.Input<string>;
            /** At most this many copies run at once; Lambda queues the rest (asynchronous invocations) for up to `maxEventAgeSeconds`. */
            reservedConcurrency?: number;
            /** How long Lambda keeps retrying an asynchronous event (throttles included), and how often it retries errors. */
            maxEventAgeSeconds: number;
            maxRetries: number;
            statements: Record<string, unknown>[];
        },
    ): aws.lambda.Function {
        const a = this.args;
        const [app, env] = a.nameParts;
        const child = { parent: this };
        const functionName = physicalName([app, env, role], 64);
        const fn = lambdaFunction(
            `${this.name}-${role}`,
            {
                functionName,
                roleName: physicalName([app, env, role], 64),
                description: f.description,
                roleDescription: `${f.description}: its logs and what it needs, nothing else`,
                code,
                timeoutSeconds: f.timeoutSeconds,
                environment: f.environment,
                deadLetterArn: f.deadLetterArn,
                reservedConcurrency: f.reservedConcurrency,
                statements: f.statements,
                permissionsBoundary: a.permissionsBoundary,
                logRetentionDays: a.logRetentionDays,
                tags: a.tags,
            },
            this,
        );
        new aws.lambda.FunctionEventInvokeConfig(
            `${this.name}-${role}`,
            { functionName: fn.name, maximumEventAgeInSeconds: f.maxEventAgeSeconds, maximumRetryAttempts: f.maxRetries },
            child,
        );
        const schedulerRole = new aws.iam.Role(
            `${this.name}-${role}-schedule`,
            {
                name: physicalName([app, env, role, "schedule"], 64),
                description: `EventBridge Scheduler invokes ${functionName}`,
                permissionsBoundary: a.permissionsBoundary,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { Service: "scheduler.amazonaws.com" },
                            Action: "sts:AssumeRole",
                            Condition: { StringEquals: { "aws:SourceAccount": a.accountId } },
                        },
                    ],
                }),
                tags: a.tags,
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${this.name}-${role}-schedule`,
            {
                role: schedulerRole.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [{ Sid: "InvokeOne", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fn.arn }],
                }),
            },
            child,
        );
        new aws.scheduler.Schedule(
            `${this.name}-${role}`,
            {
                name: physicalName([app, env, role], 64),
                description: `Every ${f.scheduleMinutes} minute(s): ${f.description}`,
                scheduleExpression: f.scheduleMinutes === 1 ? "rate(1 minute)" : `rate(${f.scheduleMinutes} minutes)`,
                flexibleTimeWindow: { mode: "OFF" },
                target: { arn: fn.arn, roleArn: schedulerRole.arn, input: f.input, retryPolicy: { maximumRetryAttempts: 0 } },
            },
            child,
        );
        return fn;
    }

    private buildDashboard(): aws.cloudwatch.Dashboard {
        const a = this.args;
        const [app, env] = a.nameParts;
        const body = pulumi
            .all(
                a.services.map((s) =>
                    pulumi.all([
                        pulumi.output(s.loadBalancer?.arnSuffix ?? ""),
                        pulumi.all([...(s.loadBalancer?.targetGroupArnSuffixes ?? [])]),
                        pulumi.output(s.clusterName),
                        pulumi.output(s.serviceName),
                    ]),
                ),
            )
            .apply((resolved) => JSON.stringify({ widgets: dashboardWidgets(a, resolved) }));
        return new aws.cloudwatch.Dashboard(`${this.name}-dashboard`, { dashboardName: physicalName([app, env], 255), dashboardBody: body }, { parent: this });
    }
}

type Resolved = [string, string[], string, string];

/** CloudWatch's limit on an alarm's description (PutMetricAlarm AlarmDescription). */
export const ALARM_DESCRIPTION_MAX = 1024;

/** The dashboard's widgets: a row per service, then the endpoint checks. Pure, for tests. */
export function dashboardWidgets(
    a: Pick<MonitoringArgs, "services" | "region" | "endpoints" | "nameParts" | "queues" | "topics" | "jobs">,
    resolved: readonly Resolved[],
): unknown[] {
    const widgets: unknown[] = [];
    const [, env] = a.nameParts;
    let y = 0;
    const graph = (x: number, title: string, metrics: unknown[][], extra: Record<string, unknown> = {}, width = 6) => ({
        type: "metric",
        x,
        y,
        width,
        height: 6,
        properties: { title, region: a.region, view: "timeSeries", stacked: false, period: 60, metrics, ...extra },
    });
    a.services.forEach((s, i) => {
        const [lb, tgs, cluster, service] = resolved[i];
        const perTg = (metric: string, stat: string, label: string) =>
            tgs.map((tg, n) => [
                "AWS/ApplicationELB",
                metric,
                "LoadBalancer",
                lb,
                "TargetGroup",
                tg,
                { stat, label: tgs.length > 1 ? `${label} (${n === 0 ? "primary" : "alternate"})` : label },
            ]);
        const kind = s.loadBalancer?.kind;
        widgets.push({
            type: "text",
            x: 0,
            y,
            width: 24,
            height: 1,
            properties: { markdown: `## ${s.name} (${env}, ${kind === "application" ? "http" : kind === "network" ? "tcp" : "no load balancer"})` },
        });
        y += 1;
        const tasks = (x: number, width = 6) =>
            graph(
                x,
                `${s.name}: CPU / memory (%), running vs desired tasks`,
                [
                    ["AWS/ECS", "CPUUtilization", "ClusterName", cluster, "ServiceName", service, { stat: "Average", label: "CPU %" }],
                    ["AWS/ECS", "MemoryUtilization", "ClusterName", cluster, "ServiceName", service, { stat: "Average", label: "memory %" }],
                    [
                        "ECS/ContainerInsights",
                        "RunningTaskCount",
                        "ClusterName",
                        cluster,
                        "ServiceName",
                        service,
                        { stat: "Minimum", label: "running tasks", yAxis: "right" },
                    ],
                    [
                        "ECS/ContainerInsights",
                        "DesiredTaskCount",
                        "ClusterName",
                        cluster,
                        "ServiceName",
                        service,
                        { stat: "Maximum", label: "desired tasks", yAxis: "right" },
                    ],
                ],
                {},
                width,
            );
        if (kind === "network") {
            const nlb = (metric: string, stat: string, label: string) =>
                tgs.map((tg) => ["AWS/NetworkELB", metric, "LoadBalancer", lb, "TargetGroup", tg, { stat, label }]);
            widgets.push(
                graph(0, `${s.name}: connections`, [
                    ["AWS/NetworkELB", "ActiveFlowCount", "LoadBalancer", lb, { stat: "Average", label: "active connections" }],
                    ["AWS/NetworkELB", "NewFlowCount", "LoadBalancer", lb, { stat: "Sum", label: "new connections" }],
                    ["AWS/NetworkELB", "TCP_Target_Reset_Count", "LoadBalancer", lb, { stat: "Sum", label: "resets from targets" }],
                ]),
                graph(6, `${s.name}: TLS handshakes and errors`, [
                    ["AWS/NetworkELB", "NewFlowCount_TLS", "LoadBalancer", lb, { stat: "Sum", label: "TLS connections" }],
                    ["AWS/NetworkELB", "ClientTLSNegotiationErrorCount", "LoadBalancer", lb, { stat: "Sum", label: "client TLS errors" }],
                ]),
                graph(12, `${s.name}: healthy / unhealthy targets`, [
                    ...nlb("HealthyHostCount", "Minimum", "healthy"),
                    ...nlb("UnHealthyHostCount", "Maximum", "unhealthy"),
                ]),
                tasks(18),
            );
            y += 6;
            return;
        }
        if (kind === undefined) {
            widgets.push(tasks(0, 12));
            y += 6;
            return;
        }
        widgets.push(
            graph(0, `${s.name}: requests, 4xx, 5xx`, [
                ...perTg("RequestCount", "Sum", "requests"),
                ...perTg("HTTPCode_Target_4XX_Count", "Sum", "4xx"),
                ...perTg("HTTPCode_Target_5XX_Count", "Sum", "5xx"),
                ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", lb, { stat: "Sum", label: "5xx from the load balancer" }],
            ]),
            graph(6, `${s.name}: response time p50 / p99`, [...perTg("TargetResponseTime", "p50", "p50"), ...perTg("TargetResponseTime", "p99", "p99")], {
                yAxis: { left: { label: "seconds", min: 0 } },
            }),
            graph(12, `${s.name}: healthy / unhealthy targets`, [
                ...perTg("HealthyHostCount", "Minimum", "healthy"),
                ...perTg("UnHealthyHostCount", "Maximum", "unhealthy"),
            ]),
            tasks(18),
        );
        y += 6;
    });
    const row = (title: string) => {
        widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: `## ${title}` } });
        y += 1;
    };
    for (const q of a.queues ?? []) {
        row(`${q.service}'s queue (${env})`);
        const sqs = (queue: string, metric: string, stat: string, label: string) => ["AWS/SQS", metric, "QueueName", queue, { stat, label }];
        widgets.push(
            graph(0, `${q.service}: messages visible`, [sqs(q.queueName, "ApproximateNumberOfMessagesVisible", "Maximum", "visible")]),
            graph(6, `${q.service}: messages in flight`, [sqs(q.queueName, "ApproximateNumberOfMessagesNotVisible", "Maximum", "in flight")]),
            graph(12, `${q.service}: oldest message (s)`, [sqs(q.queueName, "ApproximateAgeOfOldestMessage", "Maximum", "oldest message age")], {
                annotations: { horizontal: [{ label: "acceptable latency", value: q.acceptableLatencySeconds }] },
            }),
            graph(18, `${q.service}: dead letters`, [sqs(q.deadLetterQueueName, "ApproximateNumberOfMessagesVisible", "Maximum", "dead letters")]),
        );
        y += 6;
    }
    if ((a.topics ?? []).length > 0) {
        row(`Topics (${env})`);
        const topics = a.topics ?? [];
        const sns = (metric: string, label: string) =>
            topics.map((t) => ["AWS/SNS", metric, "TopicName", t.topicName, { stat: "Sum", label: `${t.label} ${label}` }]);
        widgets.push(
            graph(0, "Messages published", sns("NumberOfMessagesPublished", "published"), {}, 12),
            graph(12, "Failed deliveries", sns("NumberOfNotificationsFailed", "failed"), {}, 12),
        );
        y += 6;
    }
    if ((a.jobs ?? []).length > 0) {
        row(`Scheduled jobs (${env})`);
        const jobs = a.jobs ?? [];
        const states = (metric: string, label: string) =>
            jobs.map((j) => ["AWS/States", metric, "StateMachineArn", j.stateMachineArn, { stat: "Sum", label: `${j.name} ${label}` }]);
        widgets.push(
            graph(0, "Job runs", [...states("ExecutionsStarted", "started"), ...states("ExecutionsSucceeded", "succeeded")], {}, 12),
            graph(12, "Job failures", [...states("ExecutionsFailed", "failed"), ...states("ExecutionsTimedOut", "timed out")], {}, 12),
        );
        y += 6;
    }
    if (a.endpoints.length > 0) {
        widgets.push(
            graph(
                0,
                "Endpoint checks from outside (1 = up)",
                a.endpoints.map((e) => [ENDPOINT_CHECK_NAMESPACE, "Success", "Environment", env, "Endpoint", e.name, { stat: "Minimum", label: e.url }]),
                { yAxis: { left: { min: 0, max: 1 } } },
                12,
            ),
        );
    }
    return widgets;
}
