/**
 * Configuration of the smoke-test hook, read once from the environment at cold start.
 *
 * Every problem throws a ConfigError that names the variable, the value it had and what is
 * allowed, so a misconfigured hook fails its first invocation with a message that says how to fix
 * it (and ECS, which treats a failed invocation as a failed hook, rolls the deployment back).
 */

import { ConfigError, invalid, parseExpectation, parseInteger, parseJsonArray, parseObject, parseUrl, read, redactCredentials, type Env } from "../lib/config";

/** Methods a smoke check may use. Green tasks share the production data stores, so a smoke request must not change anything. */
export const SMOKE_METHODS = ["GET", "HEAD"] as const;
export type SmokeMethod = (typeof SMOKE_METHODS)[number];

export interface SmokeCheck {
    /** Path (and optional query) requested on the test listener, e.g. `/health`. */
    readonly path: string;
    /** @default "GET" */
    readonly method: SmokeMethod;
    /** The exact HTTP status the green revision must answer with. Redirects are not followed, so a 301 is seen as a 301. */
    readonly expectStatus: number;
    /** Text the body must contain, e.g. `"status":"ok"`. @default none: the body is not inspected */
    readonly expectBodyIncludes?: string;
    /** Whether the body must parse as JSON. @default false */
    readonly expectJson: boolean;
}

export interface SmokeConfig {
    /** Origin of the test listener, e.g. `https://internal-alb:9443`, without a trailing slash. */
    readonly baseUrl: string;
    /**
     * The host the test listener's certificate is for (SMOKE_HOST): sent in the TLS handshake and
     * as the Host header, since the base URL names the load balancer. Only with an https base URL.
     */
    readonly host?: string;
    readonly checks: readonly SmokeCheck[];
    /** Deadline of one request, from sending it to the last byte of the body read. */
    readonly timeoutMs: number;
    /** Rounds (every check once) that must all pass, back to back. */
    readonly attempts: number;
}

export const DEFAULT_CHECKS: readonly SmokeCheck[] = Object.freeze([
    Object.freeze<SmokeCheck>({ path: "/health", method: "GET", expectStatus: 200, expectJson: false }),
]);
export const DEFAULT_TIMEOUT_MS = 2000;
export const DEFAULT_ATTEMPTS = 3;

export const MAX_TIMEOUT_MS = 60_000;
export const MAX_ATTEMPTS = 10;
export const MAX_CHECKS = 20;
const MAX_PATH_LENGTH = 2048;

const CHECK_KEYS = new Set(["path", "method", "expectStatus", "expectBodyIncludes", "expectJson"]);
const CHECK_EXAMPLE = '{"path":"/health","expectStatus":200}';

export function parseBaseUrl(raw: string | undefined): string {
    const name = "SMOKE_BASE_URL";
    if (raw === undefined) throw new ConfigError(`${name} is not set: expected the test listener's URL, e.g. http://internal-alb-dns:8443`);
    const url = parseUrl(name, raw, {
        protocols: ["http:", "https:"],
        example: "http://internal-alb-dns:8443",
        noCredentialsBecause: "the test listener needs none",
    });
    if (url.pathname !== "/" || url.search !== "" || url.hash !== "")
        throw invalid(name, redactCredentials(raw), "expected scheme, host and port only; put any path prefix into each check's path");
    return url.origin;
}

function parseCheck(value: unknown, index: number): SmokeCheck {
    const name = `SMOKE_CHECKS[${index}]`;
    const fields = parseObject(name, value, CHECK_KEYS, CHECK_EXAMPLE);
    const { path, method = "GET", expectJson = false } = fields;
    if (typeof path !== "string" || !/^\/(?!\/)[^\s#\\]*$/.test(path) || path.length > MAX_PATH_LENGTH)
        throw invalid(
            `${name}.path`,
            path,
            `expected a path starting with a single "/" (no "//", backslash, whitespace or "#"), at most ${MAX_PATH_LENGTH} characters`,
        );
    if (typeof method !== "string" || !(SMOKE_METHODS as readonly string[]).includes(method))
        throw invalid(
            `${name}.method`,
            method,
            `expected ${SMOKE_METHODS.join(" or ")}: smoke requests reach the green revision, which shares production data, so they must not change anything`,
        );
    const expectation = parseExpectation(name, fields);
    if (typeof expectJson !== "boolean") throw invalid(`${name}.expectJson`, expectJson, "expected true or false");
    if (method === "HEAD" && (expectation.expectBodyIncludes !== undefined || expectJson))
        throw invalid(`${name}.method`, method, "a HEAD response has no body; use GET with expectBodyIncludes or expectJson");

    return { path, method: method as SmokeMethod, ...expectation, expectJson };
}

export function parseChecks(raw: string | undefined): readonly SmokeCheck[] {
    if (raw === undefined) return DEFAULT_CHECKS;
    const checks = parseJsonArray("SMOKE_CHECKS", raw, MAX_CHECKS, "checks", `[${CHECK_EXAMPLE}]`);
    return Object.freeze(checks.map((check, i) => Object.freeze(parseCheck(check, i))));
}

/** A DNS host name (letters, digits, hyphens; dot-separated labels of at most 63; at most 253 in all). */
export function parseHost(raw: string | undefined, baseUrl: string): string | undefined {
    if (raw === undefined) return undefined;
    const ok = raw.length <= 253 && raw.split(".").every((label) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i.test(label));
    if (!ok) throw invalid("SMOKE_HOST", raw, "expected a host name such as www.example.org, the name the test listener's certificate is for");
    if (!baseUrl.startsWith("https:")) throw invalid("SMOKE_HOST", raw, "a host for TLS needs an https SMOKE_BASE_URL");
    return raw.toLowerCase();
}

export function loadConfig(env: Env): SmokeConfig {
    const baseUrl = parseBaseUrl(read(env, "SMOKE_BASE_URL"));
    const host = parseHost(read(env, "SMOKE_HOST"), baseUrl);
    return Object.freeze({
        baseUrl,
        ...(host === undefined ? {} : { host }),
        checks: parseChecks(read(env, "SMOKE_CHECKS")),
        timeoutMs: parseInteger(env, "SMOKE_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS, "number of milliseconds "),
        attempts: parseInteger(env, "SMOKE_ATTEMPTS", DEFAULT_ATTEMPTS, 1, MAX_ATTEMPTS, ""),
    });
}
