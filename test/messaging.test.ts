/**
 * Messaging, queue workers and scheduled jobs (issue 18), on the fixture stack beta: web publishes
 * order-events, the worker mailer consumes it through its queue and scales on backlog from zero,
 * and nightly-report runs on a schedule through Step Functions. Exact inputs of every resource,
 * exact IAM actions and resources, the scaling math replayed on data, and every bad input refused.
 */
import * as assert from "assert/strict";
import { Graph, Recorded } from "../offline/graph";
import { runEachBefore } from "../offline/runStack";
import { stackConfig, stackServices } from "../offline/stackConfig";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { parseAlarmMessage, parseAlarmName } from "../functions/alarmNotifier/alarm";
import { alarmsInAlarm, isScalingTrigger } from "../functions/alarmNotifier/reminders";
import { BacklogScalingArgs, ContainerServiceArgs, validateContainerServiceArgs } from "../components/containerService";
import { ScheduledJobArgs, validateScheduledJobArgs } from "../components/scheduledJob";
import { validateWorkQueueArgs, WorkQueueArgs } from "../components/workQueue";
import { checkConformance } from "../offline/conformance";
import { runStack } from "../offline/runStack";
import { evaluate, PolicyResource } from "../policy/rules";
import { buildSettings, SettingsError } from "../stacks";
import { scheduleProblem, worstCaseMinutes } from "../stacks/messaging";
import { ScalingReplay } from "./harness/scaling";

const ACCOUNT = "123456789012";
const T = {
    topic: "aws:sns/topic:Topic",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    role: "aws:iam/role:Role",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    target: "aws:appautoscaling/target:Target",
    policy: "aws:appautoscaling/policy:Policy",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    machine: "aws:sfn/stateMachine:StateMachine",
    schedule: "aws:scheduler/schedule:Schedule",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
};
const TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:demo-beta-web-order-events`;
const QUEUE_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:demo-beta-mailer`;
const DLQ_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:demo-beta-mailer-dlq`;
const QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/demo-beta-mailer`;
const ALARM_TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:demo-beta-alarms`;
/** What a publisher may do with the environment's SNS key: through SNS, for the topics named. */
const keyGrant = (topic: string) => ({
    Effect: "Allow",
    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
    Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`,
    Condition: { StringEquals: { "kms:ViaService": "sns.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:sns:topicArn": [topic] } },
});

const json = (r: Recorded, key: string) => JSON.parse(String(r.inputs[key])) as Record<string, unknown>;
const statementsOf = (g: Graph, policyName: string) => {
    const found = g.ofType(T.rolePolicy).filter((r) => r.name === policyName);
    assert.equal(found.length, 1, policyName);
    return json(found[0], "policy").Statement as Record<string, unknown>[];
};
const variablesOf = (g: Graph, family: string) => {
    const td = g.one(T.taskDef, { family });
    const [container] = JSON.parse(String(td.inputs.containerDefinitions)) as { environment: { name: string; value: string }[] }[];
    return Object.fromEntries(container.environment.map((e) => [e.name, e.value]));
};

describe("messaging, queue workers and scheduled jobs (fixture beta)", function () {
    this.timeout(120_000);
    const { graph } = runEachBefore(["beta"]);
    const g = () => graph("beta");

    describe("topics", () => {
        it("GIVEN web publishes order-events WHEN run THEN exactly one topic of it, named after app, environment, service and topic, encrypted with the environment's SNS key", () => {
            const topics = g()
                .ofType(T.topic)
                .filter((t) => t.name !== "demo-beta-alarms-topic");
            assert.deepEqual(
                topics.map((t) => [t.name, t.inputs]),
                [
                    [
                        "demo-beta-web-order-events-topic",
                        {
                            name: "demo-beta-web-order-events",
                            kmsMasterKeyId: "alias/demo-beta-alarms",
                            tags: g().byName("demo-beta-web-order-events-topic").inputs.tags,
                        },
                    ],
                ],
            );
            assert.deepEqual(topics[0].inputs.tags, { app: "demo", environment: "beta", "managed-by": "pulumi" });
        });

        it("gives web the topic's ARN as TOPIC_ORDER_EVENTS_ARN and lets its task role publish to exactly that topic, through SNS's use of the key", () => {
            assert.equal(variablesOf(g(), "demo-beta-web").TOPIC_ORDER_EVENTS_ARN, TOPIC_ARN);
            const statements = statementsOf(g(), "demo-beta-web-task-access");
            assert.deepEqual(statements.slice(0, 2), [
                { Sid: "PublishToOwnTopics", Effect: "Allow", Action: "sns:Publish", Resource: [TOPIC_ARN] },
                { Sid: "EncryptForOwnTopics", ...keyGrant(TOPIC_ARN) },
            ]);
            // No other service may publish.
            for (const r of g()
                .ofType(T.rolePolicy)
                .filter((p) => p.name !== "demo-beta-web-task-access" && !p.name.startsWith("demo-beta-nightly-report-runner")))
                assert.ok(
                    !String(r.inputs.policy).includes("sns:Publish") || !String(r.inputs.policy).includes(TOPIC_ARN),
                    `${r.name} may publish to order-events`,
                );
        });
    });

    describe("the worker's queue", () => {
        it("creates the queue and its dead-letter queue with exactly these inputs: SSE-SQS, long polling, visibility, retention, redrive after maxReceives", () => {
            const queues = g()
                .ofType(T.queue)
                .filter((q) => String(q.inputs.name).startsWith("demo-beta-mailer"));
            assert.deepEqual(
                queues.map((q) => [q.name, q.inputs]),
                [
                    [
                        "demo-beta-mailer-messages-dlq",
                        {
                            name: "demo-beta-mailer-dlq",
                            messageRetentionSeconds: 1209600,
                            sqsManagedSseEnabled: true,
                            tags: { app: "demo", environment: "beta", "managed-by": "pulumi" },
                        },
                    ],
                    [
                        "demo-beta-mailer-messages-queue",
                        {
                            name: "demo-beta-mailer",
                            visibilityTimeoutSeconds: 60,
                            messageRetentionSeconds: 345600,
                            receiveWaitTimeSeconds: 20,
                            sqsManagedSseEnabled: true,
                            redrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 }),
                            tags: { app: "demo", environment: "beta", "managed-by": "pulumi" },
                        },
                    ],
                ],
            );
        });

        it("subscribes it to web.order-events with raw delivery and the filter policy, and its policy admits exactly that topic", () => {
            const subs = g()
                .ofType(T.subscription)
                .filter((s) => s.inputs.protocol === "sqs");
            assert.deepEqual(
                subs.map((s) => [s.name, s.inputs]),
                [
                    [
                        "demo-beta-mailer-messages-from-web-order-events",
                        {
                            topic: TOPIC_ARN,
                            protocol: "sqs",
                            endpoint: QUEUE_ARN,
                            rawMessageDelivery: true,
                            filterPolicy: JSON.stringify({ type: ["order-placed"] }),
                            filterPolicyScope: "MessageAttributes",
                        },
                    ],
                ],
            );
            assert.ok(subs[0].dependsOn.includes("demo-beta-mailer-messages-queue"), "the subscription waits for the queue policy");
            const policy = g().one(T.queuePolicy);
            assert.equal(policy.inputs.queueUrl, QUEUE_URL);
            assert.deepEqual(json(policy, "policy"), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "SubscribedTopicsDeliver",
                        Effect: "Allow",
                        Principal: { Service: "sns.amazonaws.com" },
                        Action: "sqs:SendMessage",
                        Resource: QUEUE_ARN,
                        Condition: { ArnEquals: { "aws:SourceArn": [TOPIC_ARN] } },
                    },
                ],
            });
        });

        it("gives mailer its queue's URL as QUEUE_URL and lets its task role receive, delete and change the visibility of messages of exactly that queue", () => {
            assert.equal(variablesOf(g(), "demo-beta-mailer").QUEUE_URL, QUEUE_URL);
            assert.deepEqual(statementsOf(g(), "demo-beta-mailer-task-access"), [
                {
                    Sid: "ConsumeOwnQueue",
                    Effect: "Allow",
                    Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
                    Resource: QUEUE_ARN,
                },
            ]);
        });
    });

    describe("scaling on backlog, from zero", () => {
        const scalingOf = () => {
            const target = g().byName("demo-beta-mailer-scaling");
            const policies = g()
                .ofType(T.policy)
                .filter((p) => p.parent === "demo-beta-mailer");
            const alarms = g()
                .ofType(T.alarm)
                .filter((a) => policies.some((p) => (a.inputs.alarmActions as string[]).includes(p.outputs.arn as string)));
            return { target, policies, alarms };
        };

        it("starts at zero tasks, between 0 and 10, with a backlog target of 150 messages per task (300 s / 2 s) and no CPU or memory policy", () => {
            const { target, policies, alarms } = scalingOf();
            assert.equal(g().one(T.service, { name: "demo-beta-mailer" }).inputs.desiredCount, 0);
            assert.deepEqual([target.inputs.minCapacity, target.inputs.maxCapacity], [0, 10]);
            assert.deepEqual(policies.map((p) => p.name).sort(), [
                "demo-beta-mailer-scale-backlog",
                "demo-beta-mailer-scale-idle",
                "demo-beta-mailer-scale-wake",
            ]);
            const tracking = policies.find((p) => p.name === "demo-beta-mailer-scale-backlog") as Recorded;
            assert.equal((tracking.inputs.targetTrackingScalingPolicyConfiguration as { targetValue: number }).targetValue, 150);
            assert.deepEqual(alarms.map((a) => a.inputs.name).sort(), ["demo-beta-mailer-scale-idle", "demo-beta-mailer-scale-wake"]);
        });

        it("GIVEN no task WHEN one message arrives THEN one task starts within the minute", () => {
            const { target, policies, alarms } = scalingOf();
            const replay = new ScalingReplay(target, policies, alarms, 0);
            assert.equal(replay.queue(0), 0);
            assert.equal(replay.queue(1), 1);
        });

        it("GIVEN a queue idle for hours (no datapoints) WHEN the first message's datapoint arrives THEN the worker wakes", () => {
            const { target, policies, alarms } = scalingOf();
            const replay = new ScalingReplay(target, policies, alarms, 0);
            assert.equal(replay.minute({}), 0);
            assert.equal(replay.minute({ visible: 1 }), 1);
        });

        it("GIVEN 2 tasks WHEN 900 messages wait THEN target tracking asks for 6 (900 / 2 = 450 per task against 150)", () => {
            const { target, policies, alarms } = scalingOf();
            const replay = new ScalingReplay(target, policies, alarms, 2);
            assert.equal(replay.queue(900), 6);
        });

        it("GIVEN no task WHEN 900 messages arrive at once THEN the wake policy starts 7 tasks (one per 150 waiting, the 900th opens the 7th step)", () => {
            const { target, policies, alarms } = scalingOf();
            const replay = new ScalingReplay(target, policies, alarms, 0);
            assert.equal(replay.queue(900), 7);
        });

        it("GIVEN one task WHEN the queue stays empty THEN it keeps its task for 14 minutes and scales in to zero at the 15th (the cool-down)", () => {
            const { target, policies, alarms } = scalingOf();
            const replay = new ScalingReplay(target, policies, alarms, 1);
            for (let m = 1; m < 15; m++) assert.equal(replay.queue(0), 1, `minute ${m}`);
            assert.equal(replay.queue(0), 0);
        });

        it("GIVEN one task WHEN a message is still in flight THEN it does not scale in however long the queue shows none waiting", () => {
            const { target, policies, alarms } = scalingOf();
            const replay = new ScalingReplay(target, policies, alarms, 1);
            for (let m = 1; m <= 30; m++) assert.equal(replay.queue(0, 1), 1, `minute ${m}`);
        });

        it("reads the queue's visible and in-flight messages and Container Insights' running tasks of mailer, one minute each", () => {
            const tracking = g().byName("demo-beta-mailer-scale-backlog");
            const metrics = (tracking.inputs.targetTrackingScalingPolicyConfiguration as { customizedMetricSpecification: { metrics: unknown[] } })
                .customizedMetricSpecification.metrics;
            assert.deepEqual(metrics.slice(0, 3), [
                {
                    id: "visible",
                    returnData: false,
                    metricStat: {
                        stat: "Maximum",
                        metric: {
                            namespace: "AWS/SQS",
                            metricName: "ApproximateNumberOfMessagesVisible",
                            dimensions: [{ name: "QueueName", value: "demo-beta-mailer" }],
                        },
                    },
                },
                {
                    id: "inflight",
                    returnData: false,
                    metricStat: {
                        stat: "Maximum",
                        metric: {
                            namespace: "AWS/SQS",
                            metricName: "ApproximateNumberOfMessagesNotVisible",
                            dimensions: [{ name: "QueueName", value: "demo-beta-mailer" }],
                        },
                    },
                },
                {
                    id: "running",
                    returnData: false,
                    metricStat: {
                        stat: "Average",
                        metric: {
                            namespace: "ECS/ContainerInsights",
                            metricName: "RunningTaskCount",
                            dimensions: [
                                { name: "ClusterName", value: "demo-beta" },
                                { name: "ServiceName", value: "demo-beta-mailer" },
                            ],
                        },
                    },
                },
            ]);
        });
    });

    describe("queue alarms and dashboard", () => {
        it("alarms to the alarm topic when the oldest message is older than the acceptable latency and when a message reaches the dead-letter queue", () => {
            const alarms = g()
                .ofType(T.alarm)
                .filter((a) => ["demo-beta-mailer-queue-age", "demo-beta-mailer-dead-letters"].includes(String(a.inputs.name)));
            assert.deepEqual(
                alarms.map((a) => [
                    a.inputs.name,
                    a.inputs.metricName,
                    a.inputs.dimensions,
                    a.inputs.comparisonOperator,
                    a.inputs.threshold,
                    a.inputs.alarmActions,
                ]),
                [
                    [
                        "demo-beta-mailer-queue-age",
                        "ApproximateAgeOfOldestMessage",
                        { QueueName: "demo-beta-mailer" },
                        "GreaterThanThreshold",
                        300,
                        [ALARM_TOPIC],
                    ],
                    [
                        "demo-beta-mailer-dead-letters",
                        "ApproximateNumberOfMessagesVisible",
                        { QueueName: "demo-beta-mailer-dlq" },
                        "GreaterThanThreshold",
                        0,
                        [ALARM_TOPIC],
                    ],
                ],
            );
        });

        it("shows the queue (visible, in flight, oldest age, dead letters), the topic (published, failed deliveries) and the job (runs, failures)", () => {
            const body = String(g().one(T.dashboard).inputs.dashboardBody);
            const titles = (JSON.parse(body) as { widgets: { properties: { title?: string; markdown?: string } }[] }).widgets.map(
                (w) => w.properties.title ?? w.properties.markdown,
            );
            for (const t of [
                "## mailer's queue (beta)",
                "mailer: messages visible",
                "mailer: messages in flight",
                "mailer: oldest message (s)",
                "mailer: dead letters",
                "## Topics (beta)",
                "Messages published",
                "Failed deliveries",
                "## Scheduled jobs (beta)",
                "Job runs",
                "Job failures",
            ])
                assert.ok(titles.includes(t), `no ${t}`);
            assert.ok(body.includes('["AWS/SNS","NumberOfNotificationsFailed","TopicName","demo-beta-web-order-events"'));
            assert.ok(
                body.includes(`["AWS/States","ExecutionsFailed","StateMachineArn","arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:demo-beta-nightly-report"`),
            );
        });
    });

    describe("the scheduled job", () => {
        it("creates no ECS service for it, and a schedule that starts its state machine at 03:00 UTC every day", () => {
            assert.equal(g().find(T.service, { name: "demo-beta-nightly-report" }).length, 0);
            const schedule = g().byName("demo-beta-nightly-report-schedule");
            assert.deepEqual(schedule.inputs, {
                name: "demo-beta-nightly-report",
                groupName: "default",
                description: "Starts a run of nightly-report in beta",
                scheduleExpression: "cron(0 3 * * ? *)",
                scheduleExpressionTimezone: "UTC",
                flexibleTimeWindow: { mode: "OFF" },
                state: "ENABLED",
                target: {
                    arn: `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:demo-beta-nightly-report`,
                    roleArn: `arn:aws:iam::${ACCOUNT}:role/demo-beta-nightly-report-scheduler`,
                    input: "{}",
                    retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
                },
            });
            assert.deepEqual(statementsOf(g(), "demo-beta-nightly-report-scheduler"), [
                {
                    Sid: "StartOwnRuns",
                    Effect: "Allow",
                    Action: "states:StartExecution",
                    Resource: `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:demo-beta-nightly-report`,
                },
            ]);
        });

        it("runs each attempt through ecs:runTask.sync with a 30-minute timeout, fails an attempt that exits non-zero, retries twice, then notifies the alarm topic", () => {
            const machine = g().byName("demo-beta-nightly-report-runs");
            assert.equal(machine.inputs.type, "STANDARD");
            const d = json(machine, "definition") as { States: Record<string, Record<string, unknown>> };
            const attempt = d.States.Attempt as { Branches: { States: Record<string, Record<string, unknown>> }[]; Retry: unknown[]; Catch: unknown[] };
            const run = attempt.Branches[0].States.RunTask;
            assert.equal(run.Resource, "arn:aws:states:::ecs:runTask.sync");
            assert.equal(run.TimeoutSeconds, 1800);
            assert.deepEqual(
                (run.Parameters as Record<string, unknown>).TaskDefinition,
                `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/demo-beta-nightly-report:1`,
            );
            assert.deepEqual(attempt.Retry, [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 2 }]);
            assert.deepEqual(attempt.Catch, [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Describe" }]);
            assert.deepEqual(attempt.Branches[0].States.ExitedNonZero, {
                Type: "Fail",
                Error: "Job.NonZeroExit",
                CausePath: "States.Format('the task stopped ({}): {}', $.StopCode, $.StoppedReason)",
            });
            assert.deepEqual(d.States.Notify.Parameters, { TopicArn: ALARM_TOPIC, "Message.$": "States.JsonToString($.notification)" });
            const notification = d.States.Describe.Parameters as Record<string, unknown>;
            assert.equal(notification.AlarmName, "demo-beta-nightly-report-run-failed");
            assert.equal(notification.NewStateValue, "ALARM");
        });

        it("GIVEN a failed run WHEN its notification is published THEN the alarm notifier reads it as an ALARM of the job, with the error and the cause", () => {
            const d = json(g().byName("demo-beta-nightly-report-runs"), "definition") as { States: { Describe: { Parameters: Record<string, string> } } };
            // What Step Functions sends: the Describe state's Parameters with its paths and intrinsic functions resolved.
            const resolved: Record<string, string> = {};
            for (const [k, v] of Object.entries(d.States.Describe.Parameters)) {
                if (k === "NewStateReason.$")
                    resolved.NewStateReason =
                        "Job.NonZeroExit: the task stopped (EssentialContainerExited): Essential container in task exited (execution 4f1c)";
                else if (k === "StateChangeTime.$") resolved.StateChangeTime = "2026-12-04T03:00:42.193Z";
                else resolved[k] = v;
            }
            const parsed = parseAlarmMessage(JSON.stringify(resolved));
            assert.ok(parsed.ok, parsed.ok ? "" : parsed.reason);
            assert.deepEqual(
                [
                    parsed.value.name,
                    parsed.value.state,
                    parsed.value.previousState,
                    parsed.value.reason,
                    parsed.value.changedAt,
                    parsed.value.accountId,
                    parsed.value.region,
                ],
                [
                    "demo-beta-nightly-report-run-failed",
                    "ALARM",
                    "OK",
                    "Job.NonZeroExit: the task stopped (EssentialContainerExited): Essential container in task exited (execution 4f1c)",
                    Date.parse("2026-12-04T03:00:42.193Z"),
                    ACCOUNT,
                    "eu-west-1",
                ],
            );
            assert.deepEqual(parseAlarmName(parsed.value.name, "demo", "beta", ["nightly-report"]), { service: "nightly-report", what: "run-failed" });
        });

        it("lets the state machine run exactly its task definition in the cluster, watch and stop its tasks, pass its two roles to ECS tasks, and publish to the alarm topic", () => {
            assert.deepEqual(statementsOf(g(), "demo-beta-nightly-report-runner"), [
                {
                    Sid: "RunOwnTask",
                    Effect: "Allow",
                    Action: "ecs:RunTask",
                    Resource: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/demo-beta-nightly-report:*`,
                    Condition: { ArnEquals: { "ecs:cluster": `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/demo-beta` } },
                },
                {
                    Sid: "WatchAndStopOwnTasks",
                    Effect: "Allow",
                    Action: ["ecs:DescribeTasks", "ecs:StopTask"],
                    Resource: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/demo-beta/*`,
                },
                {
                    Sid: "PassOwnTaskRoles",
                    Effect: "Allow",
                    Action: "iam:PassRole",
                    Resource: [`arn:aws:iam::${ACCOUNT}:role/demo-beta-nightly-report-execution`, `arn:aws:iam::${ACCOUNT}:role/demo-beta-nightly-report-task`],
                    Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                },
                {
                    Sid: "EcsTaskEvents",
                    Effect: "Allow",
                    Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                    Resource: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/StepFunctionsGetEventsForECSTaskRule`,
                },
                { Sid: "ReportFailedRuns", Effect: "Allow", Action: "sns:Publish", Resource: ALARM_TOPIC },
                { Sid: "EncryptForAlarmTopic", ...keyGrant(ALARM_TOPIC) },
            ]);
        });

        it("runs the job's container with its command, no health check (nothing serves) and no tracing sidecar", () => {
            const td = g().one(T.taskDef, { family: "demo-beta-nightly-report" });
            const containers = JSON.parse(String(td.inputs.containerDefinitions)) as { name: string; command?: string[]; healthCheck?: unknown }[];
            assert.deepEqual(
                containers.map((c) => [c.name, c.command, c.healthCheck]),
                [["nightly-report", ["node", "dist/job.js"], undefined]],
            );
        });

        it("gives the job the same variables and secrets as a service, and lets it into the database it uses", () => {
            const vars = variablesOf(g(), "demo-beta-nightly-report");
            assert.equal(vars.SERVICE_NAME, "nightly-report");
            assert.equal(vars.APP_ENV, "beta");
            assert.ok("DATABASE_HOST" in vars);
        });
    });
});

describe("FIFO topics and queues (beta with order-events FIFO)", function () {
    this.timeout(60_000);
    it("GIVEN a FIFO topic and a FIFO queue WHEN run THEN both are FIFO and named .fifo, the dead-letter queue too", async () => {
        const services = stackServices("beta") as Record<string, Record<string, unknown>>;
        const fifo = {
            ...services,
            web: { ...services.web, publish: [{ name: "order-events", fifo: true }] },
            mailer: {
                ...services.mailer,
                subscribe: { topics: [{ topic: "web.order-events" }], queue: { visibilitySeconds: 60, maxReceives: 5, fifo: true } },
            },
        };
        const run = await runStack("beta", { overrides: { set: { services: fifo } } });
        assert.equal(run.error, undefined, String(run.error));
        const topic = run.graph.byName("demo-beta-web-order-events-topic");
        assert.deepEqual([topic.inputs.name, topic.inputs.fifoTopic, topic.inputs.contentBasedDeduplication], ["demo-beta-web-order-events.fifo", true, true]);
        assert.deepEqual(
            run.graph
                .ofType(T.queue)
                .filter((q) => String(q.inputs.name).startsWith("demo-beta-mailer"))
                .map((q) => [q.inputs.name, q.inputs.fifoQueue]),
            [
                ["demo-beta-mailer-dlq.fifo", true],
                ["demo-beta-mailer.fifo", true],
            ],
        );
        assert.equal(run.graph.one(T.subscription, { protocol: "sqs" }).inputs.filterPolicy, undefined);
        assert.deepEqual(checkConformance(run.graph.all), []);
    });
});

describe("messaging settings: bad inputs are refused before any resource, with stack, key, value and what is allowed", () => {
    const base = () => stackServices("beta") as Record<string, Record<string, unknown>>;
    const refused = (services: Record<string, unknown>): string => {
        try {
            buildSettings("beta", stackConfig("beta", { set: { services } }));
        } catch (e) {
            assert.ok(e instanceof SettingsError, String(e));
            return e.message;
        }
        return assert.fail("accepted");
    };
    const mailer = (changes: Record<string, unknown>) => ({ ...base(), mailer: { ...base().mailer, ...changes } });
    const job = (changes: Record<string, unknown>) => ({ ...base(), "nightly-report": { ...base()["nightly-report"], ...changes } });
    const subscribe = (topic: string, queue: Record<string, unknown> = {}) => ({
        topics: [{ topic }],
        queue: { visibilitySeconds: 60, maxReceives: 5, ...queue },
    });

    it("GIVEN the fixture WHEN loaded THEN it is accepted", () => {
        const s = buildSettings("beta", stackConfig("beta"));
        assert.deepEqual(s.services.find((x) => x.name === "mailer")?.messaging.backlog, {
            acceptableLatencySeconds: 300,
            secondsPerMessage: 2,
            messagesPerTask: 150,
        });
        assert.equal(s.services.find((x) => x.name === "nightly-report")?.messaging.job?.scheduleExpression, "cron(0 3 * * ? *)");
    });

    it("refuses a subscription to a topic of an unknown service", () => {
        assert.match(
            refused(mailer({ subscribe: subscribe("orders.order-events") })),
            /stack "beta".*\n.*key shipyard:services\.mailer\.subscribe\.topics\[0\]\.topic = "orders\.order-events": unknown service orders; the stack's services are web, api, search, worker, mailer, nightly-report/,
        );
    });

    it("refuses a subscription to a topic nobody publishes", () => {
        assert.match(
            refused(mailer({ subscribe: subscribe("web.refunds") })),
            /key shipyard:services\.mailer\.subscribe\.topics\[0\]\.topic = "web\.refunds": web does not publish refunds; the topics published in this stack are web\.order-events/,
        );
    });

    it("refuses a FIFO queue on a standard topic", () => {
        assert.match(
            refused(mailer({ subscribe: subscribe("web.order-events", { fifo: true }) })),
            /key shipyard:services\.mailer\.subscribe\.topics\[0\]\.topic = "web\.order-events": a FIFO queue receives from FIFO topics only/,
        );
    });

    it("refuses a standard queue on a FIFO topic", () => {
        const fifoTopic = { ...base(), web: { ...base().web, publish: [{ name: "order-events", fifo: true }] } };
        assert.match(
            refused(fifoTopic),
            /key shipyard:services\.mailer\.subscribe\.topics\[0\]\.topic = "web\.order-events": web\.order-events is a FIFO topic: subscribe with a FIFO queue \(queue: \{ fifo: true \}\) to keep its order/,
        );
    });

    it("refuses schedules EventBridge Scheduler would refuse, naming what it accepts", () => {
        for (const [schedule, allowed] of [
            ["cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week is ?"],
            ["cron(0 25 * * ? *)", 'the hours field "25" holds 25; allowed: 0 to 23'],
            ["cron(0 3 * *)", "a cron expression has 6 fields"],
            ["rate(0 minutes)", "a rate's value is a whole number of 1 or more"],
            ["rate(1 hours)", "say rate(1 hour) for one"],
            ["@fortnightly", "shorthands allowed: @hourly, @daily, @weekly, @monthly, @yearly"],
            ["daily", "cron(...), rate(...) or one of @hourly"],
        ])
            assert.ok(
                refused(job({ schedule })).includes(
                    `key shipyard:services.nightly-report.schedule = ${JSON.stringify(schedule)}: EventBridge Scheduler would refuse it: ${allowed}`,
                ),
                schedule,
            );
    });

    it("accepts every shorthand and the documented forms", () => {
        for (const e of ["cron(0 3 * * ? *)", "cron(0/15 8-17 ? * MON-FRI *)", "cron(0 0 L * ? *)", "rate(1 day)", "rate(5 minutes)"])
            assert.equal(scheduleProblem(e), undefined, e);
        for (const schedule of ["@hourly", "@daily", "@weekly", "@monthly", "@yearly"])
            buildSettings("beta", stackConfig("beta", { set: { services: job({ schedule }) } }));
    });

    it("refuses a timeout longer than a Step Functions execution may last with its retries", () => {
        assert.equal(worstCaseMinutes(30, 2), 30 * 3 + 3);
        assert.match(
            refused(job({ timeoutMinutes: 200000, retries: 2 })),
            /key shipyard:services\.nightly-report\.timeoutMinutes = 200000: with 2 retries a run may take 600003 minutes, and a Step Functions standard execution lasts at most one year \(525600 minutes\); allowed with 2 retries: at most 175199/,
        );
        assert.match(
            refused(job({ timeoutMinutes: 0 })),
            /timeoutMinutes = 0: minutes a run may take before its task is stopped: a whole number from 1 to 525600/,
        );
        assert.match(refused(job({ retries: 11 })), /retries = 11: attempts after a failed one: a whole number from 0 to 10/);
    });

    it("refuses minTasks over maxTasks", () => {
        assert.match(
            refused(mailer({ minTasks: 3, maxTasks: 2 })),
            /key shipyard:services\.mailer\.maxTasks = 2: allowed: minTasks \(3\) to 100, and at least 1/,
        );
    });

    it("refuses minTasks 0 for a worker that does not scale on its backlog", () => {
        assert.match(
            refused({ ...base(), worker: { ...base().worker, minTasks: 0 } }),
            /key shipyard:services\.worker\.minTasks = 0: allowed: 1 or more \(0 only for a worker with scaling\.backlog\)/,
        );
    });

    it("refuses a job with hosts, or any setting of a running service", () => {
        assert.match(
            refused(job({ hosts: ["report.example.org"] })),
            /key shipyard:services\.nightly-report\.hosts = \["report\.example\.org"\]: not a setting of job services; allowed: image, expose, uses, publish, schedule, timeoutMinutes, retries, command, cpu, memory, spot, environment/,
        );
        assert.match(refused(job({ minTasks: 1 })), /key shipyard:services\.nightly-report\.minTasks = 1: not a setting of job services/);
    });

    it("refuses a variable of the service or the stack, or a secret, named like one the platform sets for its topics or queue", () => {
        assert.match(
            refused(mailer({ environment: { QUEUE_URL: "https://example.org" } })),
            /key shipyard:services\.mailer\.environment\.QUEUE_URL = "https:\/\/example\.org": QUEUE_URL is set by the platform from publish and subscribe \(QUEUE_URL\); use another name/,
        );
        let message = "";
        try {
            buildSettings("beta", stackConfig("beta", { set: { environment: { TOPIC_ORDER_EVENTS_ARN: "x" } } }));
        } catch (e) {
            message = (e as Error).message;
        }
        assert.match(
            message,
            /key shipyard:environment\.TOPIC_ORDER_EVENTS_ARN = "x": TOPIC_ORDER_EVENTS_ARN is set by the platform for web \(publish and subscribe\); use another name/,
        );
        message = "";
        try {
            buildSettings("beta", stackConfig("beta", { secret: { secrets: { mailer: { QUEUE_URL: "x" } } } }));
        } catch (e) {
            message = (e as Error).message;
        }
        assert.match(message, /key shipyard:secrets\.mailer\.QUEUE_URL = "\[secret\]": QUEUE_URL is set by the platform from publish and subscribe; remove it/);
    });

    it("GIVEN a subscription without queue settings and a job without timeout WHEN loaded THEN SQS's visibility, 10 receives and 60 minutes apply (what the Copilot importer writes when a manifest sets none)", () => {
        const services = {
            ...base(),
            mailer: { ...base().mailer, subscribe: { topics: [{ topic: "web.order-events" }] } },
            "nightly-report": { ...base()["nightly-report"], timeoutMinutes: undefined, retries: undefined },
        };
        const s = buildSettings("beta", stackConfig("beta", { set: { services: JSON.parse(JSON.stringify(services)) as Record<string, unknown> } }));
        const q = s.services.find((x) => x.name === "mailer")?.messaging.queue;
        assert.deepEqual([q?.visibilitySeconds, q?.maxReceives, q?.retentionSeconds, q?.fifo], [30, 10, 345600, false]);
        const j = s.services.find((x) => x.name === "nightly-report")?.messaging.job;
        assert.deepEqual([j?.timeoutMinutes, j?.retries], [60, 0]);
    });

    it("refuses a command that is not a list of strings", () => {
        for (const command of ["node dist/job.js", [], ["node", ""], [1]])
            assert.match(
                refused(job({ command })),
                /key shipyard:services\.nightly-report\.command = .*: the container's command as a list of 1 to 20 non-empty strings, e\.g\. \[node, dist\/job\.js\]/,
                JSON.stringify(command),
            );
    });

    it("refuses scaling on backlog without a queue, and a latency shorter than a message takes", () => {
        assert.match(
            refused({ ...base(), worker: { ...base().worker, scaling: { backlog: { acceptableLatencySeconds: 300, secondsPerMessage: 2 } } } }),
            /services\.worker\.scaling = .*: scaling on backlog needs a queue: set subscribe on this worker/,
        );
        assert.match(
            refused(mailer({ scaling: { backlog: { acceptableLatencySeconds: 1, secondsPerMessage: 2 } } })),
            /secondsPerMessage = 2: seconds one task takes per message: a number above 0 and at most acceptableLatencySeconds \(1\)/,
        );
    });

    it("refuses a bad queue setting and a filter over SNS's limits", () => {
        assert.match(
            refused(mailer({ subscribe: subscribe("web.order-events", { maxReceives: 0 }) })),
            /subscribe\.queue\.maxReceives = 0: receives before a message moves to the dead-letter queue: a whole number from 1 to 1000/,
        );
        assert.match(
            refused(mailer({ subscribe: subscribe("web.order-events", { visibilitySeconds: 43201 }) })),
            /visibilitySeconds = 43201: .*from 0 to 43200/,
        );
        const filter = Object.fromEntries(["a", "b", "c", "d", "e", "f"].map((k) => [k, ["x"]]));
        assert.match(
            refused(mailer({ subscribe: { topics: [{ topic: "web.order-events", filter }], queue: { visibilitySeconds: 60, maxReceives: 5 } } })),
            /filter = .*: at most 5 attributes/,
        );
    });

    it("refuses a subscription from a service that is not a worker, and a topic name AWS could not carry", () => {
        assert.match(
            refused({ ...base(), web: { ...base().web, subscribe: subscribe("web.order-events") } }),
            /services\.web\.subscribe = .*: not a setting of http services/,
        );
        assert.match(
            refused({ ...base(), web: { ...base().web, publish: ["Order_Events"] } }),
            /services\.web\.publish = "Order_Events": a topic name is 2-40 lowercase letters/,
        );
    });
});

describe("policy pack: queues and topics", () => {
    const queue = (name: string, inputs: Record<string, unknown>): PolicyResource => ({ type: T.queue, name, inputs: { name, ...inputs } });
    const findings = (resources: PolicyResource[], rule: string) =>
        evaluate(resources)
            .filter((f) => f.rule === rule)
            .map((f) => `${f.enforcementLevel} ${f.message}`);

    it("GIVEN the fixture beta WHEN evaluated THEN no queue, topic or policy breaks a rule", async () => {
        const { runStack } = await import("../offline/runStack");
        const run = await runStack("beta");
        assert.deepEqual(
            evaluate(run.graph.all).filter((f) =>
                ["sqs-queue-encrypted", "sqs-worker-queue-dead-letter", "queue-topic-policy-no-open-principal", "sns-topic-kms-encrypted"].includes(f.rule),
            ),
            [],
        );
    });

    it("refuses a queue encrypted by nobody", () => {
        assert.deepEqual(findings([queue("q", {})], "sqs-queue-encrypted"), [
            "mandatory q: neither sqsManagedSseEnabled: true nor kmsMasterKeyId is set; set sqsManagedSseEnabled: true (SNS can deliver to it without a key grant).",
        ]);
        assert.deepEqual(findings([queue("q", { kmsMasterKeyId: "alias/k" }), queue("r", { sqsManagedSseEnabled: true })], "sqs-queue-encrypted"), []);
    });

    it("refuses a queue topics deliver to without a dead-letter queue, and leaves queues nothing subscribes alone", () => {
        const sub: PolicyResource = { type: T.subscription, name: "s", inputs: { protocol: "sqs", endpoint: "arn:aws:sqs:eu-west-1:1:q" }, dependsOn: ["q"] };
        assert.deepEqual(findings([queue("q", { sqsManagedSseEnabled: true }), sub], "sqs-worker-queue-dead-letter"), [
            "mandatory q: topics deliver to it but it has no redrivePolicy { deadLetterTargetArn, maxReceiveCount }; give it a dead-letter queue.",
        ]);
        const redrive = JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:eu-west-1:1:q-dlq", maxReceiveCount: 5 });
        assert.deepEqual(findings([queue("q", { redrivePolicy: redrive }), sub], "sqs-worker-queue-dead-letter"), []);
        assert.deepEqual(findings([queue("lonely", {})], "sqs-worker-queue-dead-letter"), []);
    });

    it("refuses a queue or topic policy that lets a wildcard principal in without a source condition", () => {
        const policy = (type: string, statement: Record<string, unknown>): PolicyResource => ({
            type,
            name: "p",
            inputs: {
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Sid: "Open", Effect: "Allow", Action: "sqs:SendMessage", Resource: "*", ...statement }],
                }),
            },
        });
        for (const type of [T.queuePolicy, "aws:sns/topicPolicy:TopicPolicy"]) {
            for (const principal of ["*", { AWS: "*" }, { AWS: ["arn:aws:iam::1:root", "*"] }])
                assert.deepEqual(findings([policy(type, { Principal: principal })], "queue-topic-policy-no-open-principal"), [
                    'mandatory p: statement "Open" allows a wildcard principal without a source condition; add aws:SourceArn or aws:SourceAccount.',
                ]);
            assert.deepEqual(
                findings(
                    [policy(type, { Principal: "*", Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:sns:eu-west-1:1:t" } } })],
                    "queue-topic-policy-no-open-principal",
                ),
                [],
            );
            assert.deepEqual(findings([policy(type, { Principal: { Service: "sns.amazonaws.com" } })], "queue-topic-policy-no-open-principal"), []);
        }
    });
});

describe("messaging components refuse what AWS could not run, before creating anything", () => {
    const task = {
        nameParts: ["demo", "beta", "nightly-report"] as [string, string, string],
        region: "eu-west-1",
        image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-nightly-report@sha256:" + "a".repeat(64),
        cpu: 256,
        memory: 512,
        cpuArchitecture: "X86_64" as const,
        containerPort: 8080,
        environment: {},
        logRetentionDays: 7,
        stopTimeoutSeconds: 30,
        tracing: false,
        tags: {},
    };
    const job: ScheduledJobArgs = {
        ...task,
        accountId: ACCOUNT,
        cluster: { arn: "arn:cluster", name: "demo-beta" },
        vpcId: "vpc-1",
        subnetIds: ["subnet-a"],
        assignPublicIp: false,
        spot: false,
        scheduleExpression: "cron(0 3 * * ? *)",
        timeoutMinutes: 30,
        retries: 2,
        alarmTopic: { arn: ALARM_TOPIC, key: { keyId: "alias/demo-beta-alarms" } },
    };
    const queue: WorkQueueArgs = {
        nameParts: ["demo", "beta", "mailer"],
        fifo: false,
        visibilitySeconds: 60,
        maxReceives: 5,
        retentionSeconds: 345600,
        subscriptions: [{ label: "web.order-events", topicArn: TOPIC_ARN }],
        tags: {},
    };
    const service: ContainerServiceArgs = {
        ...task,
        nameParts: ["demo", "beta", "mailer"],
        cluster: { arn: "arn:cluster", name: "demo-beta" },
        vpcId: "vpc-1",
        subnetIds: ["subnet-a"],
        assignPublicIp: false,
        deployment: { strategy: "rolling" },
        rollbackAlarms: { fiveXxPercent: 5, p99LatencyMs: 2000 },
        steadyStateTimeoutMinutes: 20,
        minTasks: 0,
        maxTasks: 10,
        cpuTargetPercent: 60,
        memoryTargetPercent: 75,
        spot: false,
        healthCheckGracePeriodSeconds: 20,
        backlog: { queueName: "demo-beta-mailer", messagesPerTask: 150, idleMinutes: 15 },
    };
    const backlog = service.backlog as BacklogScalingArgs;
    const cases: [string, () => void, string][] = [
        [
            "a service at zero tasks that does not scale on a backlog",
            () => validateContainerServiceArgs({ ...service, backlog: undefined }),
            "ContainerService: need 1 <= minTasks (0) <= maxTasks (10), maxTasks at least 1 (minTasks 0 only with backlog scaling)",
        ],
        [
            "a backlog of 0 messages per task",
            () => validateContainerServiceArgs({ ...service, backlog: { ...backlog, messagesPerTask: 0 } }),
            "ContainerService: backlog.messagesPerTask must be a whole number of 1 or more, got 0",
        ],
        [
            "an idle period of a day and a minute",
            () => validateContainerServiceArgs({ ...service, backlog: { ...backlog, idleMinutes: 1441 } }),
            "ContainerService: backlog.idleMinutes must be 1-1440, got 1441",
        ],
        [
            "a job on a schedule that is neither cron nor rate",
            () => validateScheduledJobArgs({ ...job, scheduleExpression: "@daily" }),
            "ScheduledJob: scheduleExpression must be cron(...) or rate(...), got @daily",
        ],
        [
            "a job without a timeout",
            () => validateScheduledJobArgs({ ...job, timeoutMinutes: 0 }),
            "ScheduledJob: timeoutMinutes must be a whole number of 1 or more, got 0",
        ],
        [
            "a job with negative retries",
            () => validateScheduledJobArgs({ ...job, retries: -1 }),
            "ScheduledJob: retries must be a whole number of 0 or more, got -1",
        ],
        [
            "a job with a tracing sidecar",
            () => validateScheduledJobArgs({ ...job, tracing: true }),
            "ScheduledJob: no tracing sidecar: the run's result is its one container's exit code",
        ],
        ["a queue without subscription", () => validateWorkQueueArgs({ ...queue, subscriptions: [] }), "WorkQueue: at least one subscription"],
        [
            "a queue with a visibility over 12 hours",
            () => validateWorkQueueArgs({ ...queue, visibilitySeconds: 43201 }),
            "WorkQueue: visibilitySeconds must be 0-43200, got 43201",
        ],
        ["a queue with maxReceives 0", () => validateWorkQueueArgs({ ...queue, maxReceives: 0 }), "WorkQueue: maxReceives must be 1-1000, got 0"],
        [
            "a queue keeping messages 59 s",
            () => validateWorkQueueArgs({ ...queue, retentionSeconds: 59 }),
            "WorkQueue: retentionSeconds must be 60-1209600, got 59",
        ],
        [
            "a queue subscribed twice to one topic",
            () => validateWorkQueueArgs({ ...queue, subscriptions: [...queue.subscriptions, ...queue.subscriptions] }),
            "WorkQueue: a topic subscribed twice in web.order-events, web.order-events",
        ],
    ];
    for (const [given, run, message] of cases)
        it(`refuses ${given}`, () => {
            assert.throws(run, (e: Error) => e.message === message);
        });
    it("accepts the fixture's worker, job and queue", () => {
        validateContainerServiceArgs(service);
        validateScheduledJobArgs(job);
        validateWorkQueueArgs(queue);
    });
});

describe("the alarm notifier's reminders leave out scaling triggers", () => {
    const policyArn =
        "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:5d6a7c1e-0000-4000-8000-000000000000:resource/ecs/service/demo-beta/demo-beta-mailer:policyName/demo-beta-mailer-idle";
    it("reads an alarm whose every action is a scaling policy as a trigger, and one that notifies a topic as an alarm", () => {
        assert.equal(isScalingTrigger({ AlarmActions: [policyArn] }), true);
        assert.equal(isScalingTrigger({ AlarmActions: [policyArn, ALARM_TOPIC] }), false);
        assert.equal(isScalingTrigger({ AlarmActions: [ALARM_TOPIC] }), false);
        assert.equal(isScalingTrigger({ AlarmActions: [] }), false);
    });
    it("GIVEN an empty queue's idle alarm and a real alarm in ALARM WHEN the reminders read them THEN only the real one comes out", async () => {
        const client = {
            send: async () => ({
                MetricAlarms: [
                    { AlarmName: "demo-beta-mailer-scale-idle", AlarmActions: [policyArn] },
                    { AlarmName: "demo-beta-mailer-dead-letters", AlarmActions: [ALARM_TOPIC] },
                ],
            }),
        } as unknown as CloudWatchClient;
        const names: (string | undefined)[] = [];
        for await (const a of alarmsInAlarm(client, "demo-beta-")) names.push(a.AlarmName);
        assert.deepEqual(names, ["demo-beta-mailer-dead-letters"]);
    });
});
