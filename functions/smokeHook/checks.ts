/**
 * The smoke requests themselves: one check is one HTTP request to the test listener, judged on
 * status, body text and (optionally) JSON; a round is every check once, in order; the run needs
 * `attempts` rounds in a row without a single failure.
 */

import { probe, type ProbeResult } from "../lib/probe";
import type { Log } from "../lib/log";
import type { SmokeCheck, SmokeConfig } from "./config";

/**
 * One request to the test listener, judged on the check's status, body text and JSON
 * (functions/lib/probe), with the host the listener's certificate is for, if any. Never throws.
 */
export function runCheck(
    baseUrl: string,
    check: SmokeCheck,
    timeoutMs: number,
    headers: Readonly<Record<string, string>>,
    host?: string,
): Promise<ProbeResult> {
    return probe({ url: `${baseUrl}${check.path}`, method: check.method, headers, timeoutMs, ...(host === undefined ? {} : { serverName: host }) }, check);
}

export type RoundsOutcome =
    | { readonly kind: "passed"; readonly requests: number }
    | { readonly kind: "failed"; readonly requests: number; readonly round: number }
    /** The time left could not cover another full request timeout before every round had passed. */
    | { readonly kind: "outOfBudget"; readonly requests: number; readonly roundsPassed: number };

export interface RunOptions {
    readonly config: SmokeConfig;
    readonly headers: Readonly<Record<string, string>>;
    /** Epoch milliseconds by which the last request must be over. */
    readonly deadline: number;
    readonly log: Log;
    /** Fields added to every per-check log line (e.g. the execution ID). */
    readonly logFields: Readonly<Record<string, unknown>>;
}

/**
 * Runs `attempts` rounds. A failed check ends the run after its round: the rest of that round
 * still runs, so the log shows whether one endpoint or all of them are broken.
 */
export async function runRounds({ config, headers, deadline, log, logFields }: RunOptions): Promise<RoundsOutcome> {
    let requests = 0;
    for (let round = 1; round <= config.attempts; round++) {
        let roundFailed = false;
        for (const [i, check] of config.checks.entries()) {
            // Start a request only if it can run for its whole timeout: a request cut short by the
            // Lambda's own deadline would say nothing about the green revision.
            if (Date.now() + config.timeoutMs > deadline) {
                return roundFailed ? { kind: "failed", requests, round } : { kind: "outOfBudget", requests, roundsPassed: round - 1 };
            }
            const result = await runCheck(config.baseUrl, check, config.timeoutMs, headers, config.host);
            requests++;
            roundFailed ||= !result.ok;
            log(result.ok ? "info" : "error", "smoke check", {
                ...logFields,
                round,
                check: i + 1,
                method: check.method,
                // Without the query string, like the app's own request log.
                path: check.path.split("?")[0],
                status: result.status,
                durationMs: result.durationMs,
                ok: result.ok,
                ...(result.reason === undefined ? {} : { reason: result.reason }),
                ...(result.bodyExcerpt ? { bodyExcerpt: result.bodyExcerpt } : {}),
            });
        }
        if (roundFailed) return { kind: "failed", requests, round };
    }
    return { kind: "passed", requests };
}
