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
