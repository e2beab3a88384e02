/**
 * The Slack incoming webhook: its URL, read from Secrets Manager and cached for a bounded time,
 * and one message posted to it with retries.
 *
 * Slack answers 200 `ok` on success. Its documented errors come as an HTTP status with a short
 * code as the body (api.slack.com changelog 2016-05-17, "Improving error conditions for Incoming
 * Webhooks"): 400 invalid_payload / user_not_found, 403 action_prohibited, 404 channel_not_found,
 * 410 channel_is_archived, 500 rollup_error; a removed webhook answers 404 no_service, a revoked
 * one 403 invalid_token. Rate limiting is 429 with Retry-After (seconds). So: 429, 5xx and network
 * failures are retried; any other 4xx is final, because sending the same payload to the same URL
 * will get the same answer.
 */

import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

import { excerpt } from "../lib/log";
import { describeRequestError } from "../lib/probe";
import type { Redactor } from "./log";

/** The only origin a production webhook URL may have. */
export const SLACK_WEBHOOK_ORIGIN = "https://hooks.slack.com";
/** Backoff before retry n (1-based) is random in [0, min(MAX, BASE * 2^(n-1))) ("full jitter"), unless Slack said Retry-After. */
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 8000;

export class WebhookSecretError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "WebhookSecretError";
    }
}

/**
 * Checks the secret's value without ever quoting it: `<origin>/services/<ids>` with no credentials,
 * query or fragment. `origin` is https://hooks.slack.com except in tests.
 */
export function validateWebhookUrl(value: string, origin: string): string {
    let url: URL;
    try {
        url = new URL(value.trim());
    } catch {
        throw new WebhookSecretError("the secret's value is not a URL: expected the Slack incoming-webhook URL, https://hooks.slack.com/services/...");
    }
    if (url.origin !== origin) throw new WebhookSecretError(`the secret's URL is not on ${origin}: only Slack incoming webhooks are allowed`);
    if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "" || !/^\/services(\/[A-Za-z0-9_-]+)+$/.test(url.pathname))
        throw new WebhookSecretError(`the secret's URL is not a Slack incoming-webhook URL: expected ${origin}/services/...`);
    return url.href;
}

/** The webhook URL, read once and then reused for `ttlMs`; concurrent callers share one read. */
export class WebhookSource {
    private cached?: { readonly url: string; readonly readAt: number };
    private pending?: Promise<string>;

    constructor(
        private readonly client: SecretsManagerClient,
        private readonly secretArn: string,
        private readonly ttlMs: number,
        private readonly origin: string,
        private readonly redactor: Redactor,
        private readonly now: () => number,
    ) {}

    get(): Promise<string> {
        if (this.cached !== undefined && this.now() - this.cached.readAt < this.ttlMs) return Promise.resolve(this.cached.url);
        this.pending ??= this.read().finally(() => (this.pending = undefined));
        return this.pending;
    }

    /** Forgets the URL, so the next message reads the secret again (after Slack said the webhook is gone). */
    invalidate(): void {
        this.cached = undefined;
    }

    private async read(): Promise<string> {
        const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
        if (typeof out.SecretString !== "string") throw new WebhookSecretError("the secret has no SecretString: store the webhook URL as a plain string");
        // Before validating: not even a rejected value may reach a log line.
        this.redactor.addUrl(out.SecretString.trim());
        const url = validateWebhookUrl(out.SecretString, this.origin);
        this.cached = { url, readAt: this.now() };
        return url;
    }
}

export type PostResult =
    | { readonly ok: true; readonly attempts: number }
    | {
          readonly ok: false;
          readonly attempts: number;
          readonly reason: string;
          readonly status?: number;
          /** Slack said the webhook or its channel is gone: nothing will succeed until the secret holds a new URL. */
          readonly dead: boolean;
      };

export interface PostOptions {
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    /** Epoch ms by which the last request must be over. */
    readonly deadline: number;
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
    readonly random: () => number;
    /** Called before each wait, for the log and the retry count. */
    readonly onRetry: (attempt: number, reason: string, waitMs: number) => void;
}

/** Retry-After in seconds (what Slack sends) or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
    if (header === null) return undefined;
    if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
    const at = Date.parse(header);
    return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function backoffMs(retry: number, random: () => number): number {
    return Math.floor(random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (retry - 1)));
}

interface Attempt {
    readonly ok: boolean;
    readonly retryable: boolean;
    readonly reason: string;
    readonly status?: number;
    readonly waitMs?: number;
    readonly dead?: boolean;
}

async function attempt(url: string, payload: string, timeoutMs: number, now: number): Promise<Attempt> {
    let response: Response;
    let text: string;
    try {
        response = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json; charset=utf-8" },
            body: payload,
            redirect: "error",
            // Covers connecting, the headers and the body.
            signal: AbortSignal.timeout(timeoutMs),
        });
        text = excerpt(await response.text(), 100);
    } catch (err) {
        // A network failure or a timeout: nothing reached Slack, or its answer did not reach us.
        return { ok: false, retryable: true, reason: describeRequestError(err, timeoutMs).reason };
    }
    const { status } = response;
    if (status >= 200 && status < 300) return { ok: true, retryable: false, reason: "posted", status };
    const reason = `status ${status}${text === "" ? "" : ` ${text}`}`;
    if (status === 429 || status >= 500) return { ok: false, retryable: true, reason, status, waitMs: retryAfterMs(response.headers.get("retry-after"), now) };
    return { ok: false, retryable: false, reason, status, dead: status === 404 || status === 410 || text === "invalid_token" };
}

/**
 * Posts `payload` until Slack accepts it, a final error comes back, `maxAttempts` requests were
 * sent, or the next try could not finish before the deadline (a request starts only if its whole
 * timeout fits, and a wait only if the request after it still fits).
 */
export async function post(url: string, payload: string, o: PostOptions): Promise<PostResult> {
    for (let n = 1; ; n++) {
        if (o.now() + o.timeoutMs > o.deadline) return { ok: false, attempts: n - 1, reason: `time budget exhausted before attempt ${n}`, dead: false };
        const a = await attempt(url, payload, o.timeoutMs, o.now());
        if (a.ok) return { ok: true, attempts: n };
        const failed = { ok: false as const, attempts: n, status: a.status, dead: a.dead === true };
        if (!a.retryable) return { ...failed, reason: a.reason };
        if (n >= o.maxAttempts) return { ...failed, reason: `${a.reason}; gave up after ${n} attempts` };
        const waitMs = a.waitMs ?? backoffMs(n, o.random);
        if (o.now() + waitMs + o.timeoutMs > o.deadline)
            return { ...failed, reason: `${a.reason}; time budget exhausted: a retry in ${waitMs} ms would end after the deadline` };
        o.onRetry(n, a.reason, waitMs);
        await o.sleep(waitMs);
    }
}
