/**
 * Configuration of the smoke-test hook, read once from the environment at cold start.
 *
 * Every problem throws a ConfigError that names the variable, the value it had and what is
 * allowed, so a misconfigured hook fails its first invocation with a message that says how to fix
 * it (and ECS, which treats a failed invocation as a failed hook, rolls the deployment back).
 */

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
    /** Origin of the test listener, e.g. `http://internal-alb:8443`, without a trailing slash. */
    readonly baseUrl: string;
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
const MAX_EXPECTED_TEXT_LENGTH = 1024;
/** Longest value echoed back in an error message. */
const MAX_ECHO_LENGTH = 200;

const CHECK_KEYS = new Set(["path", "method", "expectStatus", "expectBodyIncludes", "expectJson"]);

export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Strings are quoted and other JSON values are not, so `"200"` and `200` read differently. */
function echo(value: unknown): string {
    const shown = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
    const cut = shown.length > MAX_ECHO_LENGTH ? `${shown.slice(0, MAX_ECHO_LENGTH)}...` : shown;
    return typeof value === "string" ? JSON.stringify(cut) : cut;
}

function invalid(name: string, value: unknown, allowed: string): ConfigError {
    return new ConfigError(`${name}=${echo(value)} is not allowed: ${allowed}`);
}

/** Unset, empty and whitespace-only count alike: ECS and Lambda consoles can pass "" for a variable left blank. */
function read(env: Env, name: string): string | undefined {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
}

function parseInteger(env: Env, name: string, fallback: number, min: number, max: number, unit: string): number {
    const raw = read(env, name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) throw invalid(name, raw, `expected an integer ${unit}from ${min} to ${max}`);
    return value;
}

/** Credentials in the URL would end up in logs and error messages; the echo hides them. */
function redactCredentials(raw: string): string {
    return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}

export function parseBaseUrl(raw: string | undefined): string {
    const name = "SMOKE_BASE_URL";
    if (raw === undefined) throw new ConfigError(`${name} is not set: expected the test listener's URL, e.g. http://internal-alb-dns:8443`);
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        throw invalid(name, redactCredentials(raw), "expected an absolute http:// or https:// URL, e.g. http://internal-alb-dns:8443");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(name, redactCredentials(raw), "expected an http:// or https:// URL");
    if (url.username !== "" || url.password !== "")
        throw invalid(name, redactCredentials(raw), "credentials in the URL are not allowed (they would be logged); the test listener needs none");
    if (url.pathname !== "/" || url.search !== "" || url.hash !== "")
        throw invalid(name, raw, "expected scheme, host and port only; put any path prefix into each check's path");
    return url.origin;
}

function parseCheck(value: unknown, index: number): SmokeCheck {
    const name = `SMOKE_CHECKS[${index}]`;
    if (typeof value !== "object" || value === null || Array.isArray(value))
        throw invalid(name, value, 'expected an object such as {"path":"/health","expectStatus":200}');
    const fields = value as Record<string, unknown>;
    const unknownKey = Object.keys(fields).find((key) => !CHECK_KEYS.has(key));
    // A typo such as "expectedStatus" would otherwise silently weaken the check.
    if (unknownKey !== undefined) throw invalid(`${name}.${unknownKey}`, fields[unknownKey], `unknown key; allowed keys: ${[...CHECK_KEYS].join(", ")}`);

    const { path, method = "GET", expectStatus, expectBodyIncludes, expectJson = false } = fields;
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
    if (typeof expectStatus !== "number" || !Number.isInteger(expectStatus) || expectStatus < 100 || expectStatus > 599)
        throw invalid(`${name}.expectStatus`, expectStatus, "expected an integer HTTP status from 100 to 599");
    if (expectBodyIncludes !== undefined) {
        if (typeof expectBodyIncludes !== "string" || expectBodyIncludes === "" || expectBodyIncludes.length > MAX_EXPECTED_TEXT_LENGTH)
            throw invalid(`${name}.expectBodyIncludes`, expectBodyIncludes, `expected a non-empty string of at most ${MAX_EXPECTED_TEXT_LENGTH} characters`);
    }
    if (typeof expectJson !== "boolean") throw invalid(`${name}.expectJson`, expectJson, "expected true or false");
    if (method === "HEAD" && (expectBodyIncludes !== undefined || expectJson))
        throw invalid(`${name}.method`, method, "a HEAD response has no body; use GET with expectBodyIncludes or expectJson");

    return {
        path,
        method: method as SmokeMethod,
        expectStatus,
        ...(expectBodyIncludes === undefined ? {} : { expectBodyIncludes }),
        expectJson,
    };
}

export function parseChecks(raw: string | undefined): readonly SmokeCheck[] {
    if (raw === undefined) return DEFAULT_CHECKS;
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        throw invalid("SMOKE_CHECKS", raw, 'expected a JSON array such as [{"path":"/health","expectStatus":200}]');
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_CHECKS)
        throw invalid("SMOKE_CHECKS", raw, `expected a JSON array of 1 to ${MAX_CHECKS} checks`);
    return Object.freeze(parsed.map((check, i) => Object.freeze(parseCheck(check, i))));
}

export function loadConfig(env: Env): SmokeConfig {
    return Object.freeze({
        baseUrl: parseBaseUrl(read(env, "SMOKE_BASE_URL")),
        checks: parseChecks(read(env, "SMOKE_CHECKS")),
        timeoutMs: parseInteger(env, "SMOKE_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS, "number of milliseconds "),
        attempts: parseInteger(env, "SMOKE_ATTEMPTS", DEFAULT_ATTEMPTS, 1, MAX_ATTEMPTS, ""),
    });
}
