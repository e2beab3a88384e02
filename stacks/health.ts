/**
 * Health checks and timings: how the load balancer judges a task, how long ECS waits for a new one,
 * and how a task leaves (the load balancer drains it, then ECS stops it), which must fit together.
 */
import { Fail, inRange } from "./problems";
import { KeyValues } from "./raw";

/** The load balancer target group's health check. */
export interface HealthCheckSettings {
    /** The path requested; a service may set its own. @default "/health" */
    readonly path: string;
    /** Seconds between checks. @default 30 in the production tier, 5 otherwise (AWS guidance for fast deploys) */
    readonly intervalSeconds: number;
    /** Seconds a check may take, below the interval. @default 5 in the production tier, 4 otherwise */
    readonly timeoutSeconds: number;
    /** Consecutive successes before a target is healthy. @default 3 in the production tier, 2 otherwise */
    readonly healthyThreshold: number;
    /** Consecutive failures before a target is unhealthy. @default 2 */
    readonly unhealthyThreshold: number;
    /** HTTP codes that count as healthy. @default "200-299" */
    readonly matcher: string;
}

/** How the load balancer holds connections and lets go of a task; part of the load balancer's settings. */
export interface LoadBalancerTimings {
    /** Seconds an idle connection stays open. @default 60 */
    readonly idleTimeoutSeconds: number;
    /** Seconds in-flight requests may finish before a target leaves. @default 30 s in the production tier, 15 s in staging, 5 s in development and preview */
    readonly deregistrationDelaySeconds: number;
    /** Access logs to the environment's log bucket (ELB.5; the assets bucket's too, S3.9). @default true in the production tier, false otherwise */
    readonly accessLogs: boolean;
}

/** How ECS starts and stops a service's tasks; part of each service's settings. */
export interface TaskTimings {
    /** Seconds ECS ignores failing load balancer health checks after a task starts. @default 60 s in the production tier, 20 s otherwise */
    readonly healthCheckGracePeriodSeconds: number;
    /** Seconds between SIGTERM and SIGKILL, longer than the deregistration delay. @default 45 s in the production tier, 30 s otherwise */
    readonly stopTimeoutSeconds: number;
}

type HealthKeys = Pick<
    KeyValues,
    | "healthCheckPath"
    | "healthCheckIntervalSeconds"
    | "healthCheckTimeoutSeconds"
    | "healthyThreshold"
    | "unhealthyThreshold"
    | "healthCheckMatcher"
    | "healthCheckGracePeriodSeconds"
    | "deregistrationDelaySeconds"
    | "stopTimeoutSeconds"
    | "idleTimeoutSeconds"
    | "accessLogs"
>;

/**
 * Checks the health check and timing keys: the ranges AWS allows, a timeout below the interval,
 * and a stop timeout that outlives the drain (a Fargate Spot interruption sends SIGTERM while the
 * load balancer still drains the task).
 */
export function parseHealth(
    v: HealthKeys,
    fail: Fail,
): { readonly healthCheck: HealthCheckSettings; readonly loadBalancer: LoadBalancerTimings; readonly tasks: TaskTimings } {
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
    // An ALB's HTTP health check accepts codes from 200 to 499 (ELB API Reference, Matcher HttpCode).
    else if (v.healthCheckMatcher.split(/[,-]/).some((code) => Number(code) < 200 || Number(code) > 499))
        fail("healthCheckMatcher", v.healthCheckMatcher, "an application load balancer accepts codes from 200 to 499 only, e.g. 200-399");
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
    return {
        healthCheck: {
            path: v.healthCheckPath,
            intervalSeconds: v.healthCheckIntervalSeconds,
            timeoutSeconds: v.healthCheckTimeoutSeconds,
            healthyThreshold: v.healthyThreshold,
            unhealthyThreshold: v.unhealthyThreshold,
            matcher: v.healthCheckMatcher,
        },
        loadBalancer: {
            idleTimeoutSeconds: v.idleTimeoutSeconds,
            deregistrationDelaySeconds: v.deregistrationDelaySeconds,
            accessLogs: v.accessLogs,
        },
        tasks: { healthCheckGracePeriodSeconds: v.healthCheckGracePeriodSeconds, stopTimeoutSeconds: v.stopTimeoutSeconds },
    };
}
