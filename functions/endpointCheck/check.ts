/**
 * Checking one endpoint: one GET to its health URL, judged on status and (optionally) body text,
 * with at most one immediate retry, and only after a network error.
 *
 * Why retry network errors only:
 * - A connection refused or reset, a DNS miss or a TLS handshake cut short on the way through the
 *   public internet and Cloudflare's edge is, once, more often the path than the service; a retry
 *   costs milliseconds and keeps one blip from reading as an outage. When the service really is
 *   down, the retry fails the same way and the datapoint is 0 either way.
 * - A timeout is not retried: it already used the whole deadline, and an endpoint slower than the
 *   deadline is unhealthy for its users too. Nor is a wrong status or body: the endpoint answered,
 *   and asking again until it says yes would hide a flapping service.
 * - Retries stay visible: the log line carries `attempts` and the first attempt's reason.
 */

import { probe, type ProbeResult } from "../lib/probe";
import type { CheckTarget } from "./config";

export interface TargetResult extends ProbeResult {
    /** 1, or 2 when a network error was retried; the other fields describe the last attempt. */
    readonly attempts: 1 | 2;
    /** Why the first attempt failed, when it was retried. */
    readonly retriedAfter?: string;
}

export async function checkTarget(target: CheckTarget, timeoutMs: number, headers: Readonly<Record<string, string>>): Promise<TargetResult> {
    const request = { url: target.url, method: "GET", headers, timeoutMs } as const;
    const first = await probe(request, target);
    if (first.failure !== "network") return { ...first, attempts: 1 };
    return { ...(await probe(request, target)), attempts: 2, retriedAfter: first.reason };
}
