/**
 * Monitoring under the mock runtime, for all four stacks, with a Slack webhook set as
 * `pulumi config set --secret slackWebhookUrl ...` would: the alarm topic, every alarm, the
 * notifier and its subscription, reminders, endpoint checks, the dashboard and tracing.
 */
import * as assert from "assert/strict";
import { dashboardWidgets } from "../components/monitoring";
import { parseTargets } from "../functions/endpointCheck/config";
import { Graph, Match, Recorded } from "../offline/graph";
import { evaluate } from "./harness/metricMath";
import { runEachBefore, runStack } from "../offline/runStack";
import { stackServices } from "../offline/stackConfig";

const STACKS = ["alpha", "beta", "gamma", "live"] as const;
const WEBHOOK = "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx";
const T = {
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    topic: "aws:sns/topic:Topic",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    key: "aws:kms/key:Key",
    lambda: "aws:lambda/function:Function",
    permission: "aws:lambda/permission:Permission",
    schedule: "aws:scheduler/schedule:Schedule",
    secret: "aws:secretsmanager/secret:Secret",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
    table: "aws:dynamodb/table:Table",
    queue: "aws:sqs/queue:Queue",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
};

/**
 * The alarms a service of each exposure has, as the monitoring design says (README "Monitoring"):
 * http: 5xx share, p99, unhealthy targets, CPU, memory, tasks; tcp: unhealthy targets (NLBs have no
 * HTTP metrics), CPU, memory, tasks; internal and worker: CPU, memory, tasks.
 */
const ALARMS_PER_EXPOSURE: Record<string, number> = { http: 6, tcp: 4, internal: 3, worker: 3, job: 0 };
/** A worker's queue adds two (the oldest message's age, dead letters); a job reports a failed run itself (test/messaging.test.ts). */
const ALARMS_PER_QUEUE = 2;
/** Scaling triggers (wake from zero, idle to zero: `<app>-<env>-<service>-scale-*`) act on their scaling policies, not the topic. */
const isScalingAlarm = (a: Recorded) => /-scale-(wake|idle)$/.test(String(a.inputs.name));
/** The public health URLs checked from outside: each http host, and each tcp host behind a TLS listener on 443. */
function endpointsOf(stack: string): { name: string; url: string; expectStatus: number }[] {
    return Object.entries(stackServices(stack)).flatMap(([name, svc]) =>
        svc.expose === "http" || (svc.expose === "tcp" && (svc.listeners ?? []).some((l) => l.port === 443 && l.protocol === "TLS"))
            ? (svc.hosts ?? []).map((h) => ({ name, url: `https://${h}/health`, expectStatus: 200 }))
            : [],
    );
}
/** Every alarm of a stack: its services', one per endpoint, the two deployment alarms of each http service, and (with Slack) the one on undelivered notifications. */
function alarmCount(stack: string, slack: boolean): number {
    const services = Object.values(stackServices(stack));
    return (
        services.reduce((n, svc) => n + ALARMS_PER_EXPOSURE[svc.expose] + (svc.subscribe ? ALARMS_PER_QUEUE : 0), 0) +
        endpointsOf(stack).length +
        2 * services.filter((svc) => svc.expose === "http").length +
        // Every committed stack runs a database: its CPU and free storage (test/data.test.ts).
        2 +
        (slack ? 1 : 0)
    );
}

type Statement = { Sid?: string; Action: string | string[]; Resource: string | string[]; Principal?: unknown; Condition?: unknown };
const statements = (r: Recorded) => (JSON.parse(r.inputs.policy as string) as { Statement: Statement[] }).Statement;

describe("monitoring, per fixture stack with a Slack webhook", function () {
    this.timeout(30_000);
    const { graph: g } = runEachBefore(STACKS, { overrides: { secret: { slackWebhookUrl: WEBHOOK } } });
    const topicArn = (graph: Graph) => graph.one(T.topic, { name: Match.stringLike(/-alarms$/) }).outputs.arn as string;
    const fn = (graph: Graph, role: string) => graph.one(T.lambda, { name: Match.stringLike(new RegExp(`-${role}$`)) });

    it("every alarm of every stack, deployment alarms included, notifies the one topic on ALARM and on OK", () => {
        for (const s of STACKS) {
            const graph = g(s);
            const alarms = graph.ofType(T.alarm).filter((a) => !isScalingAlarm(a));
            assert.equal(alarms.length, alarmCount(s, true), s);
            for (const a of alarms) {
                assert.deepEqual([a.inputs.alarmActions, a.inputs.okActions], [[topicArn(graph)], [topicArn(graph)]], `${s}: ${a.name}`);
            }
        }
    });
    it("the topic is encrypted with the bootstrap's alarm key, and only this environment's alarms may publish", () => {
        for (const s of STACKS) {
            const graph = g(s);
            assert.equal(graph.one(T.topic, { name: `demo-${s}-alarms` }).inputs.kmsMasterKeyId, `alias/demo-${s}-alarms`);
            graph.resourceCountIs(T.key, 0);
            const [publish] = statements(graph.one(T.topicPolicy));
            assert.deepEqual(publish.Condition, {
                StringEquals: { "aws:SourceAccount": "123456789012" },
                ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:demo-${s}-*` },
            });
            // Every alarm's name falls under that pattern, or its notifications would be refused.
            for (const a of graph.ofType(T.alarm)) assert.match(String(a.inputs.name), new RegExp(`^demo-${s}-`), a.name);
        }
    });
    it("with alarmTopicKey create, the stack creates the key itself, which CloudWatch of this account may use", async () => {
        const run = await runStack("beta", { overrides: { set: { alarmTopicKey: "create" } } });
        assert.equal(run.error, undefined);
        const key = run.graph.one(T.key, { description: "Alarm topic of demo beta" });
        assert.equal(run.graph.one(T.topic, { name: "demo-beta-alarms" }).inputs.kmsMasterKeyId, key.outputs.arn);
        assert.deepEqual(
            statements(key).find((x) => x.Sid === "CloudWatchPublishes"),
            {
                Sid: "CloudWatchPublishes",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                Resource: "*",
            },
        );
    });
    it("the notifier is subscribed to the topic and may be invoked by SNS from that topic only", () => {
        for (const s of STACKS) {
            const graph = g(s);
            const notifier = fn(graph, "alarm-notifier");
            // The alarm topic's one subscription (a worker's queue subscribes to its service topics, test/messaging.test.ts).
            assert.equal(graph.find(T.subscription, { topic: topicArn(graph) }).length, 1);
            assert.deepEqual(graph.one(T.subscription, { topic: topicArn(graph) }).inputs, {
                topic: topicArn(graph),
                protocol: "lambda",
                endpoint: notifier.outputs.arn,
            });
            const sns = graph.find(T.permission, { principal: "sns.amazonaws.com" });
            assert.deepEqual(
                sns.map((p) => [p.inputs.function, p.inputs.action, p.inputs.sourceArn]),
                [[notifier.outputs.name, "lambda:InvokeFunction", topicArn(graph)]],
            );
        }
    });
    it("the webhook reaches the notifier only through Secrets Manager: secret in the plan, ARN in the function", () => {
        const graph = g("live");
        const version = graph.one(T.secretVersion);
        assert.deepEqual(version.secretPaths, ["secretString"]);
        const env = (fn(graph, "alarm-notifier").inputs.environment as { variables: Record<string, string> }).variables;
        assert.equal(env.SLACK_WEBHOOK_SECRET_ARN, graph.one(T.secret).outputs.arn);
        const plain = graph.all.filter((r) => r !== version && JSON.stringify(r.inputs).includes(WEBHOOK.slice(WEBHOOK.lastIndexOf("/"))));
        assert.deepEqual(
            plain.map((r) => r.name),
            [],
        );
    });
    it("the notifier's role reads that one secret, claims messages in its one table, lists this environment's alarms, and nothing else", () => {
        const graph = g("beta");
        const policy = statements(graph.one(T.rolePolicy, { role: "demo-beta-alarm-notifier" }));
        assert.deepEqual(
            policy.map((x) => [x.Sid, x.Action, x.Resource]),
            [
                [
                    "WriteOwnLogs",
                    ["logs:CreateLogStream", "logs:PutLogEvents"],
                    `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/demo-beta-alarm-notifier:*`,
                ],
                ["ReadWebhook", "secretsmanager:GetSecretValue", graph.one(T.secret).outputs.arn],
                ["ClaimMessages", ["dynamodb:PutItem", "dynamodb:DeleteItem"], graph.one(T.table).outputs.arn],
                ["ListFiringAlarms", "cloudwatch:DescribeAlarms", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:demo-beta-*"],
                ["DeadLetters", "sqs:SendMessage", graph.one(T.queue, { name: "demo-beta-alarm-notifier-dlq" }).outputs.arn],
            ],
        );
    });
    it("thresholds and intervals differ where the stacks say so", () => {
        const threshold = (s: string, role: string) => g(s).one(T.alarm, { name: `demo-${s}-web-${role}` }).inputs.threshold;
        assert.deepEqual(
            STACKS.map((s) => [threshold(s, "5xx"), threshold(s, "p99"), threshold(s, "cpu"), threshold(s, "memory")]),
            [
                [10, 3000, 85, 85],
                [10, 3000, 85, 85],
                [5, 2000, 85, 85],
                [2, 1000, 85, 85],
            ],
        );
        const rate = (s: string, role: string) => g(s).one(T.schedule, { name: `demo-${s}-${role}` }).inputs.scheduleExpression;
        assert.deepEqual(
            STACKS.map((s) => [rate(s, "alarm-notifier"), rate(s, "endpoint-check")]),
            [
                ["rate(240 minutes)", "rate(5 minutes)"],
                ["rate(240 minutes)", "rate(5 minutes)"],
                ["rate(120 minutes)", "rate(1 minute)"],
                ["rate(30 minutes)", "rate(1 minute)"],
            ],
        );
        const notifierEnv = (s: string) => (fn(g(s), "alarm-notifier").inputs.environment as { variables: Record<string, string> }).variables;
        assert.deepEqual(
            STACKS.map((s) => [notifierEnv(s).ENVIRONMENT, notifierEnv(s).APP_NAME, notifierEnv(s).ALARM_NAME_PREFIX, notifierEnv(s).SERVICE_NAMES]),
            STACKS.map((s) => [s, "demo", `demo-${s}-`, Object.keys(stackServices(s)).join(",")]),
        );
        const reminder = (s: string) => notifierEnv(s).REMINDER_MINUTES;
        assert.deepEqual(STACKS.map(reminder), ["240", "240", "120", "30"]);
    });
    it("a stack file's own threshold and intervals reach that stack's alarms and schedules, and no other stack's", async () => {
        const set = { alarm5xxPercent: 7, alarmP99LatencyMs: 1500, reminderMinutes: 45, endpointCheckMinutes: 3 };
        const run = await runStack("beta", { overrides: { set, secret: { slackWebhookUrl: WEBHOOK } } });
        assert.equal(run.error, undefined);
        const graph = run.graph;
        assert.deepEqual(
            [
                graph.one(T.alarm, { name: "demo-beta-web-5xx" }).inputs.threshold,
                graph.one(T.alarm, { name: "demo-beta-web-p99" }).inputs.threshold,
                graph.one(T.schedule, { name: "demo-beta-alarm-notifier" }).inputs.scheduleExpression,
                graph.one(T.schedule, { name: "demo-beta-endpoint-check" }).inputs.scheduleExpression,
                graph.one(T.alarm, { name: "demo-beta-web-endpoint" }).inputs.period,
            ],
            [7, 1500, "rate(45 minutes)", "rate(3 minutes)", 180],
        );
        // The committed beta (run before, without the override) keeps its defaults.
        assert.deepEqual(
            [g("beta").one(T.alarm, { name: "demo-beta-web-5xx" }).inputs.threshold, g("beta").one(T.alarm, { name: "demo-beta-web-endpoint" }).inputs.period],
            [10, 300],
        );
    });
    it("the reminder schedule invokes the notifier with the remind action, through a role that may invoke only it", () => {
        const graph = g("live");
        const schedule = graph.one(T.schedule, { name: "demo-live-alarm-notifier" });
        const target = schedule.inputs.target as { arn: string; input: string; roleArn: string };
        assert.equal(target.arn, fn(graph, "alarm-notifier").outputs.arn);
        assert.deepEqual(JSON.parse(target.input), { action: "remind" });
        const invoke = statements(graph.one(T.rolePolicy, { role: "demo-live-alarm-notifier-schedule" }));
        assert.deepEqual(invoke, [{ Sid: "InvokeOne", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fn(graph, "alarm-notifier").outputs.arn }]);
    });
    it("the endpoint check requests the stack's public health URL from outside the VPC, and a missing check counts as a failure", () => {
        for (const s of STACKS) {
            const graph = g(s);
            const check = fn(graph, "endpoint-check");
            assert.equal(check.inputs.vpcConfig, undefined, s);
            const env = (check.inputs.environment as { variables: Record<string, string> }).variables;
            // web through Cloudflare, and api's socket endpoint (an HTTP app behind the NLB's TLS listener),
            // as the deployed function reads its compact CHECK_TARGETS.
            assert.deepEqual(parseTargets(env.CHECK_TARGETS), endpointsOf(s));
            assert.deepEqual(
                endpointsOf(s).map((e) => e.name),
                ["web", "api"],
            );
            for (const e of endpointsOf(s)) {
                const alarm = graph.one(T.alarm, { name: `demo-${s}-${e.name}-endpoint` }).inputs;
                assert.deepEqual(
                    [alarm.namespace, alarm.metricName, alarm.dimensions, alarm.comparisonOperator, alarm.threshold, alarm.treatMissingData],
                    ["Shipyard/EndpointCheck", "Success", { Environment: s, Endpoint: e.name }, "LessThanThreshold", 1, "breaching"],
                );
            }
        }
    });
    it("a service with two hosts has an outside check, a metric and an alarm per host: the first named after the service, the other after its host", async () => {
        // GIVEN live's web on example.org and www.example.org; unproxied, so no bootstrap rule has to list www.
        const services = { ...stackServices("live"), web: { ...stackServices("live").web, hosts: ["example.org", "www.example.org"] } };
        // WHEN
        const run = await runStack("live", { overrides: { set: { services, dnsProxied: false }, remove: ["assetsHost"] } });
        // THEN the run passes the engine's rules (one URN per alarm), and each host is watched on its own.
        assert.equal(run.error, undefined);
        const env = (fn(run.graph, "endpoint-check").inputs.environment as { variables: Record<string, string> }).variables;
        assert.deepEqual(
            parseTargets(env.CHECK_TARGETS).map((t) => [t.name, t.url]),
            [
                ["web", "https://example.org/health"],
                ["web-www.example.org", "https://www.example.org/health"],
                ["api", "https://api.example.org/health"],
            ],
        );
        assert.deepEqual(
            run.graph
                .find(T.alarm, { namespace: "Shipyard/EndpointCheck" })
                .map((a) => [a.name, a.inputs.name, (a.inputs.dimensions as Record<string, string>).Endpoint]),
            [
                ["demo-live-monitoring-web-endpoint", "demo-live-web-endpoint", "web"],
                ["demo-live-monitoring-web-www.example.org-endpoint", "demo-live-web-www.example.org-endpoint", "web-www.example.org"],
                ["demo-live-monitoring-api-endpoint", "demo-live-api-endpoint", "api"],
            ],
        );
    });
    it("every alarm reads the metrics AWS publishes, under the namespace, dimensions and statistic they are published with", () => {
        const graph = g("live");
        const lb = graph.byName("demo-live-lb-alb").outputs.arnSuffix;
        const tg = graph.byName("demo-live-lb-web-tg").outputs.arnSuffix;
        const tgAlt = graph.byName("demo-live-lb-web-tg-alt").outputs.arnSuffix;
        const ecs = { ClusterName: "demo-live", ServiceName: "demo-live-web" };
        type Q = { id: string; metric?: { namespace: string; metricName: string; stat: string; dimensions: Record<string, string> } };
        const read = (name: string) => {
            const a = graph.one(T.alarm, { name }).inputs;
            const queries = (a.metricQueries as Q[] | undefined) ?? [];
            return queries.length > 0
                ? queries.filter((q) => q.metric).map((q) => [q.id, q.metric?.namespace, q.metric?.metricName, q.metric?.stat, q.metric?.dimensions])
                : [["-", a.namespace, a.metricName, a.statistic, a.dimensions]];
        };
        const elb = (id: string, metric: string, stat: string, group: unknown) => [
            id,
            "AWS/ApplicationELB",
            metric,
            stat,
            { LoadBalancer: lb, TargetGroup: group },
        ];
        assert.deepEqual(read("demo-live-web-5xx"), [
            elb("e0", "HTTPCode_Target_5XX_Count", "Sum", tg),
            elb("e1", "HTTPCode_Target_5XX_Count", "Sum", tgAlt),
            ["lb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", { LoadBalancer: lb }],
            ["requests", "AWS/ApplicationELB", "RequestCount", "Sum", { LoadBalancer: lb }],
        ]);
        assert.deepEqual(read("demo-live-web-p99"), [elb("t0", "TargetResponseTime", "p99", tg), elb("t1", "TargetResponseTime", "p99", tgAlt)]);
        assert.deepEqual(read("demo-live-web-unhealthy"), [elb("u0", "UnHealthyHostCount", "Maximum", tg), elb("u1", "UnHealthyHostCount", "Maximum", tgAlt)]);
        assert.deepEqual(read("demo-live-web-cpu"), [["-", "AWS/ECS", "CPUUtilization", "Average", ecs]]);
        assert.deepEqual(read("demo-live-web-memory"), [["-", "AWS/ECS", "MemoryUtilization", "Average", ecs]]);
        assert.deepEqual(read("demo-live-web-tasks"), [
            ["desired", "ECS/ContainerInsights", "DesiredTaskCount", "Minimum", ecs],
            ["running", "ECS/ContainerInsights", "RunningTaskCount", "Minimum", ecs],
        ]);
        assert.deepEqual(read("demo-live-web-endpoint"), [["-", "Shipyard/EndpointCheck", "Success", "Minimum", { Environment: "live", Endpoint: "web" }]]);
        // The tcp service's NLB publishes no HTTP metrics: only its unhealthy targets, under AWS/NetworkELB.
        const nlb = graph.byName("demo-live-api-nlb-nlb").outputs.arnSuffix;
        const nlbTg = graph.byName("demo-live-api-nlb-tg").outputs.arnSuffix;
        assert.deepEqual(read("demo-live-api-unhealthy"), [
            ["u0", "AWS/NetworkELB", "UnHealthyHostCount", "Maximum", { LoadBalancer: nlb, TargetGroup: nlbTg }],
        ]);
        assert.deepEqual(
            ["5xx", "p99"].map((role) => graph.find(T.alarm, { name: `demo-live-api-${role}` }).length),
            [0, 0],
        );
        // The internal service: its tasks only.
        assert.deepEqual(
            graph
                .ofType(T.alarm)
                .map((a) => String(a.inputs.name))
                .filter((n) => n.startsWith("demo-live-search-"))
                .sort(),
            ["demo-live-search-cpu", "demo-live-search-memory", "demo-live-search-tasks"],
        );
        assert.deepEqual(read("demo-live-search-cpu"), [
            ["-", "AWS/ECS", "CPUUtilization", "Average", { ClusterName: "demo-live", ServiceName: "demo-live-search" }],
        ]);
        assert.deepEqual(read("demo-live-alarm-notifier-undelivered"), [
            ["-", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", { QueueName: graph.one(T.queue).outputs.name }],
        ]);
    });
    it("the notifier runs one copy at a time (Slack's rate) and Lambda keeps throttled notifications queued for 6 hours; the endpoint check is never retried late", () => {
        const graph = g("live");
        assert.equal(fn(graph, "alarm-notifier").inputs.reservedConcurrentExecutions, 1);
        assert.equal(fn(graph, "endpoint-check").inputs.reservedConcurrentExecutions, undefined);
        const configs = graph
            .ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
            .map((c) => [String(c.inputs.functionName), c.inputs.maximumEventAgeInSeconds, c.inputs.maximumRetryAttempts]);
        assert.deepEqual(configs.sort(), [
            ["demo-live-alarm-notifier", 21600, 2],
            ["demo-live-endpoint-check", 60, 0],
        ]);
    });
    it("the alarms compute what they say from data: the 5xx share, the worse p99, the most unhealthy targets, tasks missing", () => {
        const expr = (s: string, name: string, id: string) =>
            (g(s).one(T.alarm, { name }).inputs.metricQueries as { id: string; expression?: string }[]).find((q) => q.id === id)?.expression ?? "";
        // requests: every request the load balancer received; e<i>: 5xx of target group i; lb5xx: its own.
        assert.equal(evaluate(expr("beta", "demo-beta-web-5xx", "share"), { requests: 200, e0: 30 }), 15);
        assert.equal(evaluate(expr("beta", "demo-beta-web-5xx", "share"), { requests: 40, lb5xx: 40 }), 100); // no healthy target: only the load balancer answers
        assert.equal(evaluate(expr("beta", "demo-beta-web-5xx", "share"), { requests: 5, e0: 5 }), 0); // 5 requests: too few to judge
        assert.equal(evaluate(expr("beta", "demo-beta-web-5xx", "share"), {}), 0);
        assert.equal(evaluate(expr("live", "demo-live-web-5xx", "share"), { requests: 20, e0: 3, e1: 1, lb5xx: 1 }), 25);
        assert.equal(evaluate(expr("live", "demo-live-web-p99", "p99"), { t0: 1.2 }), 1200);
        assert.equal(evaluate(expr("live", "demo-live-web-unhealthy", "unhealthy"), { u0: 0, u1: 2 }), 2);
        assert.equal(evaluate(expr("gamma", "demo-gamma-web-tasks", "missing"), { desired: 2, running: 1 }), 1);
        assert.equal(evaluate(expr("gamma", "demo-gamma-web-tasks", "missing"), { desired: 2, running: 4 }), -2); // a deploy's extra tasks: no alarm
    });
    it("live's 5xx, latency and unhealthy-target alarms watch both blue/green target groups", () => {
        const graph = g("live");
        for (const role of ["5xx", "p99", "unhealthy"]) {
            const queries = graph.one(T.alarm, { name: `demo-live-web-${role}` }).inputs.metricQueries as {
                metric?: { dimensions: { TargetGroup?: string } };
            }[];
            const groups = [...new Set(queries.flatMap((q) => (q.metric?.dimensions.TargetGroup ? [q.metric.dimensions.TargetGroup] : [])))].sort();
            assert.deepEqual(
                groups,
                [graph.byName("demo-live-lb-web-tg").outputs.arnSuffix, graph.byName("demo-live-lb-web-tg-alt").outputs.arnSuffix].sort(),
                role,
            );
        }
    });
    it("without a Slack webhook, the alarms still reach the topic, and no notifier, secret or subscription exists", async () => {
        const run = await runStack("gamma");
        assert.equal(run.error, undefined);
        for (const t of [T.subscription, T.secret, T.table, T.queue]) run.graph.resourceCountIs(t, 0);
        assert.deepEqual(
            run.graph.ofType(T.lambda).map((f) => f.inputs.name),
            ["demo-gamma-endpoint-check"],
        );
        assert.equal(run.graph.ofType(T.alarm).length, alarmCount("gamma", false));
    });
    it("tracing: live runs the collector beside the app with the OTEL variables and X-Ray rights; alpha runs neither", () => {
        const containers = (s: string) =>
            JSON.parse(g(s).one(T.taskDef, { family: `demo-${s}-web` }).inputs.containerDefinitions as string) as {
                name: string;
                essential: boolean;
                environment?: { name: string; value: string }[];
                dependsOn?: unknown;
            }[];
        assert.deepEqual(
            containers("live").map((c) => [c.name, c.essential]),
            [
                ["web", true],
                ["otel-collector", false],
            ],
        );
        const env = Object.fromEntries((containers("live")[0].environment ?? []).map((e) => [e.name, e.value]));
        assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://localhost:4318");
        assert.equal(env.OTEL_SERVICE_NAME, "web");
        assert.deepEqual(containers("live")[0].dependsOn, [{ containerName: "otel-collector", condition: "START" }]);
        const collector = containers("live")[1] as unknown as { image: string; command: string[]; readonlyRootFilesystem: boolean };
        assert.deepEqual(
            [collector.image, collector.command, collector.readonlyRootFilesystem],
            ["public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3", ["--config=/etc/ecs/ecs-xray.yaml"], true],
        );
        const xray = statements(g("live").byName("demo-live-web-task-tracing"));
        assert.deepEqual(xray[0].Action, ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]);
        assert.deepEqual(
            containers("alpha").map((c) => c.name),
            ["web"],
        );
        // web's task role reads the assets bucket in alpha too; it may not write traces there.
        assert.deepEqual(
            g("alpha")
                .find(T.rolePolicy, { role: "demo-alpha-web-task" })
                .map((r) => r.name),
            ["demo-alpha-web-task-access"],
        );
    });
    it("the dashboard shows, per service, requests and errors, p50/p99, healthy hosts, CPU, memory and running vs desired tasks", () => {
        const body = JSON.parse(g("live").one(T.dashboard).inputs.dashboardBody as string) as {
            widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
        };
        const titles = body.widgets.map((w) => w.properties.title).filter((t) => t !== undefined);
        assert.deepEqual(titles, [
            "web: requests, 4xx, 5xx",
            "web: response time p50 / p99",
            "web: healthy / unhealthy targets",
            "web: CPU / memory (%), running vs desired tasks",
            "api: connections",
            "api: TLS handshakes and errors",
            "api: healthy / unhealthy targets",
            "api: CPU / memory (%), running vs desired tasks",
            "search: CPU / memory (%), running vs desired tasks",
            "worker: CPU / memory (%), running vs desired tasks",
            "Endpoint checks from outside (1 = up)",
        ]);
        const metricNames = body.widgets.flatMap((w) => (w.properties.metrics ?? []).map((m) => m[1]));
        for (const m of [
            "RequestCount",
            "HTTPCode_Target_4XX_Count",
            "HTTPCode_Target_5XX_Count",
            "TargetResponseTime",
            "HealthyHostCount",
            "UnHealthyHostCount",
            "CPUUtilization",
            "MemoryUtilization",
            "RunningTaskCount",
            "DesiredTaskCount",
        ]) {
            assert.ok(metricNames.includes(m), m);
        }
    });
});

describe("dashboardWidgets", () => {
    it("GIVEN an http, a tcp and a worker service WHEN laid out THEN each gets a header row and its graphs (4, 4, 1), stacked without overlap", () => {
        const services = [
            {
                name: "web",
                clusterName: "c",
                serviceName: "web",
                loadBalancer: { kind: "application" as const, arnSuffix: "app/x/1", targetGroupArnSuffixes: ["targetgroup/web/1"] },
            },
            {
                name: "api",
                clusterName: "c",
                serviceName: "api",
                loadBalancer: { kind: "network" as const, arnSuffix: "net/y/2", targetGroupArnSuffixes: ["targetgroup/api/2"] },
            },
            { name: "worker", clusterName: "c", serviceName: "worker" },
        ];
        const widgets = dashboardWidgets({ services, region: "eu-west-1", endpoints: [], nameParts: ["demo", "beta"] }, [
            ["app/x/1", ["targetgroup/web/1"], "c", "web"],
            ["net/y/2", ["targetgroup/api/2"], "c", "api"],
            ["", [], "c", "worker"],
        ]) as { x: number; y: number; width: number; height: number; type: string }[];
        assert.deepEqual(
            widgets.map((w) => w.type).join(","),
            ["text", "metric", "metric", "metric", "metric", "text", "metric", "metric", "metric", "metric", "text", "metric"].join(","),
        );
        const cells = new Set<string>();
        for (const w of widgets)
            for (let dx = 0; dx < w.width; dx++)
                for (let dy = 0; dy < w.height; dy++) {
                    const cell = `${w.x + dx},${w.y + dy}`;
                    assert.ok(!cells.has(cell), `overlap at ${cell}`);
                    cells.add(cell);
                }
    });
});
