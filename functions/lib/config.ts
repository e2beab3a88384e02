/**
 * Reading a function's configuration from its environment variables, once, at cold start.
 *
 * Every problem throws a ConfigError that names the variable, the value it had and what is
 * allowed, e.g. `CHECK_TIMEOUT_MS="abc" is not allowed: expected an integer number of
 * milliseconds from 1 to 25000`, so a misconfigured function fails its first invocation with a
 * message that says how to fix it.
 */

export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Longest value echoed back in an error message. */
const MAX_ECHO_LENGTH = 200;
/** Longest text a check may expect in a body. */
export const MAX_EXPECTED_TEXT_LENGTH = 1024;

/** Strings are quoted and other JSON values are not, so `"200"` and `200` read differently. */
function echo(value: unknown): string {
    const shown = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
    const cut = shown.length > MAX_ECHO_LENGTH ? `${shown.slice(0, MAX_ECHO_LENGTH)}...` : shown;
    return typeof value === "string" ? JSON.stringify(cut) : cut;
}

/** `name` is the variable, or a path into its JSON value such as `CHECK_TARGETS[0].url`. */
export function invalid(name: string, value: unknown, allowed: string): ConfigError {
    return new ConfigError(`${name}=${echo(value)} is not allowed: ${allowed}`);
}

/** Unset, empty and whitespace-only count alike: ECS and Lambda consoles can pass "" for a variable left blank. */
export function read(env: Env, name: string): string | undefined {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
}

/** `unit` reads into the message, with a trailing space: "number of milliseconds ", or "" for a plain count. */
export function parseInteger(env: Env, name: string, fallback: number, min: number, max: number, unit: string): number {
    const raw = read(env, name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) throw invalid(name, raw, `expected an integer ${unit}from ${min} to ${max}`);
    return value;
}

/** Credentials in a URL would end up in logs and error messages; the echo hides them. */
export function redactCredentials(raw: string): string {
    return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}

export interface UrlRules {
    /** Schemes allowed, e.g. `["https:"]`. */
    readonly protocols: readonly ("http:" | "https:")[];
    /** Shown when the value is not a URL at all. */
    readonly example: string;
    /** Why the function needs no credentials, appended to the refusal. */
    readonly noCredentialsBecause: string;
}

/** An absolute URL with an allowed scheme and no credentials; the caller checks what else it needs. */
export function parseUrl(name: string, raw: string, rules: UrlRules): URL {
    const schemes = rules.protocols.map((p) => `${p}//`).join(" or ");
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        throw invalid(name, redactCredentials(raw), `expected an absolute ${schemes} URL, e.g. ${rules.example}`);
    }
    if (!(rules.protocols as readonly string[]).includes(url.protocol)) throw invalid(name, redactCredentials(raw), `expected an ${schemes} URL`);
    if (url.username !== "" || url.password !== "")
        throw invalid(name, redactCredentials(raw), `credentials in the URL are not allowed (they would be logged); ${rules.noCredentialsBecause}`);
    return url;
}

/** A JSON array of 1 to `max` items, e.g. the list of checks; each item is still to be validated. */
export function parseJsonArray(name: string, raw: string, max: number, noun: string, example: string): readonly unknown[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        throw invalid(name, raw, `expected a JSON array such as ${example}`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > max) throw invalid(name, raw, `expected a JSON array of 1 to ${max} ${noun}`);
    return parsed;
}

/** A JSON object with only the allowed keys: a typo such as "expectedStatus" would otherwise silently weaken a check. */
export function parseObject(name: string, value: unknown, keys: ReadonlySet<string>, example: string): Readonly<Record<string, unknown>> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(name, value, `expected an object such as ${example}`);
    const fields = value as Record<string, unknown>;
    const unknownKey = Object.keys(fields).find((key) => !keys.has(key));
    if (unknownKey !== undefined) throw invalid(`${name}.${unknownKey}`, fields[unknownKey], `unknown key; allowed keys: ${[...keys].join(", ")}`);
    return fields;
}

/** What a check expects of the response, read from the check's `expectStatus` and `expectBodyIncludes` fields. */
export function parseExpectation(
    name: string,
    fields: Readonly<Record<string, unknown>>,
): { readonly expectStatus: number; readonly expectBodyIncludes?: string } {
    const { expectStatus, expectBodyIncludes } = fields;
    if (typeof expectStatus !== "number" || !Number.isInteger(expectStatus) || expectStatus < 100 || expectStatus > 599)
        throw invalid(`${name}.expectStatus`, expectStatus, "expected an integer HTTP status from 100 to 599");
    if (expectBodyIncludes === undefined) return { expectStatus };
    if (typeof expectBodyIncludes !== "string" || expectBodyIncludes === "" || expectBodyIncludes.length > MAX_EXPECTED_TEXT_LENGTH)
        throw invalid(`${name}.expectBodyIncludes`, expectBodyIncludes, `expected a non-empty string of at most ${MAX_EXPECTED_TEXT_LENGTH} characters`);
    return { expectStatus, expectBodyIncludes };
}
