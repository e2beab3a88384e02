/**
 * The smoke requests themselves: one check is one HTTP request to the test listener, judged on
 * status, body text and (optionally) JSON; a round is every check once, in order; the run needs
 * `attempts` rounds in a row without a single failure.
 */

import type { SmokeCheck, SmokeConfig } from "./config";
import { excerpt, type Log } from "./log";

/** Enough for any health or status document; a larger body is read no further. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface CheckResult {
    readonly ok: boolean;
    /** HTTP status, or undefined when no response arrived. */
    readonly status: number | undefined;
    readonly durationMs: number;
    /** Why the check failed; undefined when it passed. */
    readonly reason?: string;
    /** Start of the body of a failed response, one line, truncated. */
    readonly bodyExcerpt?: string;
}

interface Body {
    readonly text: string;
    readonly truncated: boolean;
}

async function readBody(response: Response): Promise<Body> {
    if (response.body === null) return { text: "", truncated: false };
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) return { text: Buffer.concat(chunks).toString("utf8"), truncated: false };
        chunks.push(value);
        size += value.byteLength;
        if (size > MAX_BODY_BYTES) {
            await reader.cancel();
            return { text: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8"), truncated: true };
        }
    }
}

/** Turns what fetch throws into a short, stable reason. Node's fetch wraps socket errors as TypeError("fetch failed") with the code on `cause`. */
export function describeRequestError(err: unknown, timeoutMs: number): string {
    if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return `timeout after ${timeoutMs} ms`;
    const cause: unknown = err instanceof Error ? err.cause : undefined;
    const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined;
    switch (code) {
        case "ECONNREFUSED":
            return "connection refused";
        case "ECONNRESET":
        case "UND_ERR_SOCKET":
            return "connection reset";
        case "ENOTFOUND":
        case "EAI_AGAIN":
            return "host not found";
        case "UND_ERR_CONNECT_TIMEOUT":
            return `timeout after ${timeoutMs} ms`;
        default:
            if (code !== undefined && /^(ERR_TLS_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code)) return `tls error ${code}`;
            // Without a code, the cause's message says more than "fetch failed" (e.g. "bad port" for ports fetch refuses).
            return `request failed: ${excerpt(code ?? (cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err)), 80)}`;
    }
}

function judge(check: SmokeCheck, status: number, body: Body): string | undefined {
    if (status !== check.expectStatus) return `status ${status}, expected ${check.expectStatus}`;
    if (check.expectBodyIncludes !== undefined && !body.text.includes(check.expectBodyIncludes))
        return body.truncated ? `expected text not in the first ${MAX_BODY_BYTES} bytes of the body` : "body does not include the expected text";
    if (check.expectJson) {
        if (body.truncated) return `body is larger than ${MAX_BODY_BYTES} bytes, too large to check as JSON`;
        try {
            JSON.parse(body.text);
        } catch {
            return "body is not JSON";
        }
    }
    return undefined;
}

/** One request. Never throws: every failure becomes a result with a reason. */
export async function runCheck(baseUrl: string, check: SmokeCheck, timeoutMs: number, headers: Readonly<Record<string, string>>): Promise<CheckResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
    try {
        const response = await fetch(`${baseUrl}${check.path}`, {
            method: check.method,
            headers,
            // The status the test listener answers is what is judged; following a redirect could leave the listener (or the VPC).
            redirect: "manual",
            // Covers connecting, the headers and the whole body.
            signal: AbortSignal.timeout(timeoutMs),
        });
        const body = await readBody(response);
        const reason = judge(check, response.status, body);
        return {
            ok: reason === undefined,
            status: response.status,
            durationMs: elapsed(),
            ...(reason === undefined ? {} : { reason, bodyExcerpt: excerpt(body.text) }),
        };
    } catch (err) {
        return { ok: false, status: undefined, durationMs: elapsed(), reason: describeRequestError(err, timeoutMs) };
    }
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
            const result = await runCheck(config.baseUrl, check, config.timeoutMs, headers);
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
