/**
 * The metric math of our HTTP alarms, in one place: the share of 5xx responses and the p99
 * response time of an application load balancer's target groups (two under blue/green: whichever
 * holds green is watched). The deployment alarms (ContainerService) and the team's alarms
 * (Monitoring) both build on it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

type MetricQuery = aws.types.input.cloudwatch.MetricAlarmMetricQuery;

/** Requests a minute below which the 5xx share does not count: three errors in five requests are not a trend. */
export const MIN_REQUESTS = 10;

/** An application load balancer and the target groups of one service, by CloudWatch dimension values. */
export interface AlbTargets {
    readonly loadBalancer: pulumi.Input<string>;
    readonly targetGroups: readonly pulumi.Input<string>[];
}

function elb(id: string, metricName: string, stat: string, dimensions: Record<string, pulumi.Input<string>>): MetricQuery {
    return { id, returnData: false, metric: { namespace: "AWS/ApplicationELB", metricName, stat, period: 60, dimensions } };
}

function ofGroup(t: AlbTargets, i: number, id: string, metricName: string, stat: string): MetricQuery {
    return elb(`${id}${i}`, metricName, stat, { LoadBalancer: t.loadBalancer, TargetGroup: t.targetGroups[i] });
}

function perGroup(t: AlbTargets, id: string, metricName: string, stat: string): MetricQuery[] {
    return t.targetGroups.map((_, i) => ofGroup(t, i, id, metricName, stat));
}

/** `FILL(x0, 0) + FILL(x1, 0) ...`: a group without traffic adds nothing. */
function sum(t: AlbTargets, id: string): string {
    return t.targetGroups.map((_, i) => `FILL(${id}${i}, 0)`).join(" + ");
}

/**
 * Percent of responses that are 5xx, judged from {@link MIN_REQUESTS} requests a minute (0 below).
 * `targets`: the targets' own 5xx over the requests they received (what a deployment changed).
 * `clients`: every 5xx a client saw, the load balancer's own too (502/503/504 when no target
 * answers; with no healthy target there are no target responses at all), over every request the
 * load balancer received.
 */
export function fiveXxShare(t: AlbTargets, seenBy: "targets" | "clients"): MetricQuery[] {
    const share = (expression: string): MetricQuery => ({ id: "share", label: "5xx share of responses (%)", returnData: true, expression });
    if (seenBy === "targets")
        return [
            ...t.targetGroups.flatMap((_, i) => [ofGroup(t, i, "e", "HTTPCode_Target_5XX_Count", "Sum"), ofGroup(t, i, "r", "RequestCount", "Sum")]),
            share(`IF((${sum(t, "r")}) >= ${MIN_REQUESTS}, 100 * (${sum(t, "e")}) / (${sum(t, "r")}), 0)`),
        ];
    return [
        ...perGroup(t, "e", "HTTPCode_Target_5XX_Count", "Sum"),
        elb("lb5xx", "HTTPCode_ELB_5XX_Count", "Sum", { LoadBalancer: t.loadBalancer }),
        elb("requests", "RequestCount", "Sum", { LoadBalancer: t.loadBalancer }),
        share(`IF(FILL(requests, 0) >= ${MIN_REQUESTS}, 100 * (${sum(t, "e")} + FILL(lb5xx, 0)) / FILL(requests, 0), 0)`),
    ];
}

/** The highest p99 target response time across the target groups, in milliseconds. */
export function p99LatencyMs(t: AlbTargets): MetricQuery[] {
    const ids = t.targetGroups.map((_, i) => `t${i}`);
    return [
        ...perGroup(t, "t", "TargetResponseTime", "p99"),
        {
            id: "p99",
            label: "p99 target response time (ms)",
            returnData: true,
            expression: ids.length === 1 ? "1000 * t0" : `1000 * MAX([${ids.join(", ")}])`,
        },
    ];
}

/**
 * A worker's queue and its ECS service, as CloudWatch names them: SQS's `QueueName` dimension, and
 * Container Insights' `ClusterName` and `ServiceName` (the cluster has Container Insights on).
 */
export interface BacklogSource {
    readonly queueName: pulumi.Input<string>;
    readonly clusterName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
}

/** The metrics the backlog math reads, one minute each: messages visible, in flight, and running tasks. */
export function backlogMetrics(
    q: BacklogSource,
): { id: string; namespace: string; metricName: string; stat: string; dimensions: Record<string, pulumi.Input<string>> }[] {
    return [
        { id: "visible", namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", stat: "Maximum", dimensions: { QueueName: q.queueName } },
        { id: "inflight", namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesNotVisible", stat: "Maximum", dimensions: { QueueName: q.queueName } },
        {
            id: "running",
            namespace: "ECS/ContainerInsights",
            metricName: "RunningTaskCount",
            stat: "Average",
            dimensions: { ClusterName: q.clusterName, ServiceName: q.serviceName },
        },
    ];
}

/**
 * Backlog per task, what target tracking keeps at `acceptableLatencySeconds / secondsPerMessage`
 * (AWS's guidance for scaling on SQS): the messages waiting and those being worked on, over the
 * running tasks. In-flight messages count, so a task is not scaled in while it still works on the
 * last ones. With no task running the backlog is divided by one: the value stays defined (and the
 * wake-up policy, not this one, starts the first task).
 */
export const BACKLOG_PER_TASK = "(FILL(visible, 0) + FILL(inflight, 0)) / IF(FILL(running, 0) > 0, running, 1)";
/**
 * Messages waiting while no task runs: above 0, the step policy starts tasks. A queue that was idle
 * for hours publishes no datapoint until a message arrives (SQS stops sending metrics of an inactive
 * queue), so missing is 0, and the first message's datapoint wakes the worker.
 */
export const WAITING_WITH_NO_TASK = "IF(FILL(running, 0) < 1, FILL(visible, 0), 0)";
/** Messages in the queue at all (waiting or being worked on): 0 for the idle period scales in to zero tasks. */
export const QUEUED_MESSAGES = "FILL(visible, 0) + FILL(inflight, 0)";

/** The backlog metrics as an alarm's metric queries, with `expression` as the one returned. */
export function backlogAlarmQueries(q: BacklogSource, id: string, label: string, expression: string): MetricQuery[] {
    return [
        ...backlogMetrics(q).map((m) => ({
            id: m.id,
            returnData: false,
            metric: { namespace: m.namespace, metricName: m.metricName, stat: m.stat, period: 60, dimensions: m.dimensions },
        })),
        { id, label, returnData: true, expression },
    ];
}
