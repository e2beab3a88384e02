/**
 * One scheduled run: check every target at once, then write one line per target to stdout that
 * is both its log record and, in CloudWatch embedded metric format, its `Success` (and `Latency`)
 * datapoints. An unhealthy endpoint is a result, never an exception: the metric carries it.
 */

import { createLog, type Log } from "../lib/log";
import { checkTarget, type TargetResult } from "./check";
import type { EndpointCheckConfig, Environment } from "./config";
import { metricsDocument } from "./metrics";

/** Lets the app's logs (and Cloudflare's) tell these requests apart from users'. */
export const USER_AGENT = "shipyard-endpoint-check";

export interface TargetSummary {
    readonly name: string;
    readonly ok: boolean;
    readonly status: number | undefined;
    readonly attempts: 1 | 2;
    /** Only when ok, as published. */
    readonly latencyMs?: number;
    readonly reason?: string;
}

/** What the function returns; an asynchronous (scheduled) invocation drops it, a test invocation from the console shows it. */
export interface Summary {
    readonly environment: Environment;
    readonly healthy: number;
    /** Names of the targets that failed, in configuration order. */
    readonly unhealthy: readonly string[];
    readonly targets: readonly TargetSummary[];
}

export type Handler = (event?: unknown) => Promise<Summary>;

export interface HandlerOptions {
    /** @default JSON lines on stdout, which Lambda ships to CloudWatch Logs */
    readonly log?: Log;
    /** Epoch milliseconds; the run's datapoints are filed under the time it started. @default Date.now */
    readonly now?: () => number;
}

/** Without query string or fragment, which could carry a token. */
function loggedUrl(url: string): string {
    const { origin, pathname } = new URL(url);
    return `${origin}${pathname}`;
}

export function createHandler(config: EndpointCheckConfig, options: HandlerOptions = {}): Handler {
    const log = options.log ?? createLog();
    const now = options.now ?? Date.now;
    const headers = { "user-agent": USER_AGENT };

    // The event (EventBridge Scheduler's input) carries nothing the check needs.
    return async () => {
        const timestamp = now();
        // In parallel, so a run lasts as long as its slowest target (at most 2 x timeoutMs), whatever their number.
        const results = await Promise.all(config.targets.map((target) => checkTarget(target, config.timeoutMs, headers)));

        const targets = config.targets.map((target, i): TargetSummary => {
            const result: TargetResult = results[i];
            const latencyMs = result.ok ? result.durationMs : undefined;
            log(result.ok ? "info" : "error", "endpoint check", {
                url: loggedUrl(target.url),
                status: result.status,
                durationMs: result.durationMs,
                attempts: result.attempts,
                ...(result.retriedAfter === undefined ? {} : { retriedAfter: result.retriedAfter }),
                ...(result.reason === undefined ? {} : { reason: result.reason }),
                ...(result.bodyExcerpt ? { bodyExcerpt: result.bodyExcerpt } : {}),
                // Last, so no other field can overwrite a metric or a dimension.
                ...metricsDocument({
                    namespace: config.namespace,
                    timestamp,
                    environment: config.environment,
                    endpoint: target.name,
                    success: result.ok,
                    ...(latencyMs === undefined ? {} : { latencyMs }),
                }),
            });
            return {
                name: target.name,
                ok: result.ok,
                status: result.status,
                attempts: result.attempts,
                ...(latencyMs === undefined ? {} : { latencyMs }),
                ...(result.reason === undefined ? {} : { reason: result.reason }),
            };
        });

        return {
            environment: config.environment,
            healthy: targets.filter((t) => t.ok).length,
            unhealthy: targets.filter((t) => !t.ok).map((t) => t.name),
            targets,
        };
    };
}
