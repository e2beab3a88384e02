/**
 * One HTTP probe: a single request with a hard deadline, judged on its status and (optionally)
 * its body. Shared by the blue/green smoke hook and the endpoint check.
 *
 * - The deadline (`AbortSignal.timeout`) covers connecting, the headers and the whole body, so a
 *   server that stalls mid-body fails within `timeoutMs` too.
 * - Redirects are not followed: the status the probed URL answers is what is judged, and
 *   following a redirect could lead somewhere else entirely.
 * - The body is read up to MAX_BODY_BYTES and no further.
 * - A failure is named (`connection refused`, `timeout after 2000 ms`, `tls error <code>`, ...)
 *   and classified, so a caller can tell a server's wrong answer from no answer at all.
 * - Nothing here logs; the result carries no headers, and a body only as a short one-line excerpt.
 */

import * as https from "node:https";
import { excerpt } from "./log";

/** Enough for any health or status document; a larger body is read no further. */
export const MAX_BODY_BYTES = 64 * 1024;

export type ProbeMethod = "GET" | "HEAD";

export interface ProbeRequest {
    readonly url: string;
    /** @default "GET" */
    readonly method?: ProbeMethod;
    /** Sent as they are; never logged or returned. */
    readonly headers?: Readonly<Record<string, string>>;
    /** Deadline from sending the request to the last byte of the body read. */
    readonly timeoutMs: number;
    /**
     * For an https URL whose host is not the name its certificate is for (a load balancer's DNS
     * name, behind a certificate for the application's host): the name sent in the TLS handshake
     * (SNI), checked against the certificate, and sent as the Host header. Fetch cannot do that.
     */
    readonly serverName?: string;
    /** Certificates (PEM) to trust besides Node's own, for a private CA. @default none */
    readonly ca?: string;
}

export interface Expectation {
    /** The exact status expected. Redirects are not followed, so a 301 is seen as a 301. */
    readonly expectStatus: number;
    /** Text the body must contain. @default none: the body is not inspected */
    readonly expectBodyIncludes?: string;
    /** Whether the body must parse as JSON. @default false */
    readonly expectJson?: boolean;
}

/**
 * Why a probe failed: `timeout` (no full answer within the deadline), `network` (no answer: the
 * connection was refused or reset, the name did not resolve, TLS failed, ...) or `response` (an
 * answer, but the wrong status or body).
 */
export type ProbeFailure = "timeout" | "network" | "response";

export interface ProbeResult {
    readonly ok: boolean;
    /** HTTP status, or undefined when no response arrived. */
    readonly status: number | undefined;
    /** From sending the request to the end of the body read (or the failure), in milliseconds, to 0.1 ms. */
    readonly durationMs: number;
    /** Set when the probe failed. */
    readonly failure?: ProbeFailure;
    /** Why the probe failed, short and stable; undefined when it passed. */
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

/**
 * Turns what fetch throws into a failure kind and a short, stable reason. Node's fetch wraps socket
 * errors as TypeError("fetch failed") with the code on `cause`.
 */
export function describeRequestError(err: unknown, timeoutMs: number): { readonly failure: "timeout" | "network"; readonly reason: string } {
    const timeout = { failure: "timeout", reason: `timeout after ${timeoutMs} ms` } as const;
    if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return timeout;
    // Fetch puts the socket's error on `cause`; node:https throws it as it is.
    const withCode = (e: unknown) => (typeof e === "object" && e !== null && "code" in e ? String(e.code) : undefined);
    const cause: unknown = err instanceof Error ? (err.cause ?? (withCode(err) ? err : undefined)) : undefined;
    const code = withCode(cause);
    const network = (reason: string) => ({ failure: "network", reason }) as const;
    switch (code) {
        case "ECONNREFUSED":
            return network("connection refused");
        case "ECONNRESET":
        case "UND_ERR_SOCKET":
            return network("connection reset");
        case "ENOTFOUND":
        case "EAI_AGAIN":
            return network("host not found");
        case "UND_ERR_CONNECT_TIMEOUT":
            return timeout;
        default:
            if (code !== undefined && /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code)) return network(`tls error ${code}`);
            // Without a code, the cause's message says more than "fetch failed" (e.g. "bad port" for ports fetch refuses).
            return network(
                `request failed: ${excerpt(code ?? (cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err)), 80)}`,
            );
    }
}

function judge(expectation: Expectation, status: number, body: Body): string | undefined {
    if (status !== expectation.expectStatus) return `status ${status}, expected ${expectation.expectStatus}`;
    if (expectation.expectBodyIncludes !== undefined && !body.text.includes(expectation.expectBodyIncludes))
        return body.truncated ? `expected text not in the first ${MAX_BODY_BYTES} bytes of the body` : "body does not include the expected text";
    if (expectation.expectJson === true) {
        if (body.truncated) return `body is larger than ${MAX_BODY_BYTES} bytes, too large to check as JSON`;
        try {
            JSON.parse(body.text);
        } catch {
            return "body is not JSON";
        }
    }
    return undefined;
}

/**
 * The request through node:https, with the TLS server name and Host header of {@link ProbeRequest.serverName}.
 * The same deadline covers connecting, the headers and the body; a redirect is not followed.
 */
function requestWithServerName(request: ProbeRequest & { readonly serverName: string }): Promise<{ status: number; body: Body }> {
    return new Promise((resolve, reject) => {
        const url = new URL(request.url);
        const signal = AbortSignal.timeout(request.timeoutMs);
        const req = https.request(
            {
                host: url.hostname,
                port: url.port || 443,
                path: `${url.pathname}${url.search}`,
                method: request.method ?? "GET",
                servername: request.serverName,
                headers: { ...(request.headers ?? {}), host: request.serverName },
                ...(request.ca === undefined ? {} : { ca: request.ca }),
                signal,
            },
            (res) => {
                const chunks: Buffer[] = [];
                let size = 0;
                let truncated = false;
                res.on("data", (chunk: Buffer) => {
                    if (truncated) return;
                    chunks.push(chunk);
                    size += chunk.byteLength;
                    if (size > MAX_BODY_BYTES) {
                        truncated = true;
                        res.destroy();
                        resolve({ status: res.statusCode ?? 0, body: { text: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8"), truncated } });
                    }
                });
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: { text: Buffer.concat(chunks).toString("utf8"), truncated: false } }));
                res.on("error", reject);
            },
        );
        req.on("error", (err) => reject(signal.aborted ? Object.assign(new Error("timeout"), { name: "TimeoutError" }) : err));
        req.end();
    });
}

async function send(request: ProbeRequest): Promise<{ status: number; body: Body }> {
    if (request.serverName !== undefined) return requestWithServerName({ ...request, serverName: request.serverName });
    const response = await fetch(request.url, {
        method: request.method ?? "GET",
        headers: request.headers ?? {},
        redirect: "manual",
        signal: AbortSignal.timeout(request.timeoutMs),
    });
    return { status: response.status, body: await readBody(response) };
}

/** One request, judged. Never throws: every failure becomes a result with a failure kind and a reason. */
export async function probe(request: ProbeRequest, expectation: Expectation): Promise<ProbeResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
    try {
        const { status, body } = await send(request);
        const reason = judge(expectation, status, body);
        return {
            ok: reason === undefined,
            status,
            durationMs: elapsed(),
            ...(reason === undefined ? {} : { failure: "response", reason, bodyExcerpt: excerpt(body.text) }),
        };
    } catch (err) {
        return { ok: false, status: undefined, durationMs: elapsed(), ...describeRequestError(err, request.timeoutMs) };
    }
}
