/**
 * Configuration of the endpoint check, read once from the environment at cold start.
 *
 * Every problem throws a ConfigError that names the variable, the value it had and what is
 * allowed. A failed invocation publishes no metrics, and the alarms treat missing data as
 * breaching, so a misconfigured checker alarms instead of going quiet.
 */

import { ConfigError, invalid, parseExpectation, parseInteger, parseJsonArray, parseObject, parseUrl, read, type Env } from "../lib/config";

/** The stack the function checks for: any name a stack may have (`Environment` dimension of the metrics). */
export type Environment = string;

/**
 * The stack name rule of `stacks/keys.ts` (`stackNameProblem`), repeated because a function ships
 * only its own folder and `functions/lib` (a test keeps the two in step): 2 to 16 lowercase letters,
 * digits and hyphens, starting with a letter, not ending with a hyphen, no two hyphens in a row.
 */
const STACK_NAME = /^(?!.*--)[a-z][a-z0-9-]{0,14}[a-z0-9]$/;
export const STACK_NAME_RULE =
    "expected a stack name: 2 to 16 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row, e.g. alpha, staging2, pr-42";

export interface CheckTarget {
    /** Names the target in logs and is the value of its metrics' `Endpoint` dimension, e.g. `web`. */
    readonly name: string;
    /** The public health URL, requested with GET, e.g. `https://alpha.example.org/health`. */
    readonly url: string;
    /** The exact status the endpoint must answer with. Redirects are not followed, so a 301 is seen as a 301. */
    readonly expectStatus: number;
    /** Text the body must contain, e.g. `"status":"ok"`. @default none: the body is not inspected */
    readonly expectBodyIncludes?: string;
}

export interface EndpointCheckConfig {
    readonly targets: readonly CheckTarget[];
    /** Deadline of one request, from sending it to the last byte of the body read. */
    readonly timeoutMs: number;
    /** CloudWatch namespace of the published metrics. */
    readonly namespace: string;
    /** Value of every metric's `Environment` dimension. */
    readonly environment: Environment;
}

export interface LoadOptions {
    /**
     * Accept `http://` target URLs. For tests only, whose servers on 127.0.0.1 speak plain HTTP:
     * the deployed function reads its configuration with the default, so no setting can make it
     * check a public endpoint without TLS.
     * @default false
     */
    readonly allowHttp?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 5000;
/**
 * A target takes at most two requests (one retry after a network error), so a run lasts at most
 * 2 x CHECK_TIMEOUT_MS; 25 s keeps that under the one-minute schedule, so runs never overlap.
 */
export const MAX_TIMEOUT_MS = 25_000;
export const DEFAULT_NAMESPACE = "Shipyard/EndpointCheck";
export const MAX_TARGETS = 20;
const MAX_URL_LENGTH = 2048;

const TARGET_KEYS = new Set(["name", "url", "expectStatus", "expectBodyIncludes"]);
const TARGET_EXAMPLE = '{"name":"web","url":"https://alpha.example.org/health","expectStatus":200}';
/** A CloudWatch dimension value can hold far more; this keeps names readable in alarm names and dashboards. */
const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** CloudWatch namespaces: 1 to 255 of these characters (the EMF client libraries validate the same set). */
const NAMESPACE = /^[A-Za-z0-9._#:/-]{1,255}$/;

function parseTarget(value: unknown, index: number, allowHttp: boolean): CheckTarget {
    const name = `CHECK_TARGETS[${index}]`;
    const fields = parseObject(name, value, TARGET_KEYS, TARGET_EXAMPLE);
    if (typeof fields.name !== "string" || !TARGET_NAME.test(fields.name))
        throw invalid(
            `${name}.name`,
            fields.name,
            'expected 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit: it becomes the Endpoint dimension of the metrics',
        );
    if (typeof fields.url !== "string" || fields.url.length > MAX_URL_LENGTH)
        throw invalid(`${name}.url`, fields.url, `expected the endpoint's health URL as a string of at most ${MAX_URL_LENGTH} characters`);
    const url = parseUrl(`${name}.url`, fields.url, {
        protocols: allowHttp ? ["http:", "https:"] : ["https:"],
        example: "https://alpha.example.org/health",
        noCredentialsBecause: "a public health URL needs none",
    });
    return { name: fields.name, url: url.href, ...parseExpectation(name, fields) };
}

const COMPACT_EXAMPLE = '{"/health":{"web":"alpha.example.org","web-2":"www.alpha.example.org"}}';
const PATH = /^\/[\x21-\x7e]*$/;

/**
 * The compact form `{"<path>": {"<name>": "<host>", ...}, ...}`: each health path once, then the
 * hosts answering on it, every target expecting 200. The deployed function gets this form (see
 * `components/monitoring.ts`): it keeps many endpoints inside Lambda's 4 KB of environment
 * variables, where the full form repeats the path, the scheme and the keys for each host.
 */
function expandCompact(variable: string, parsed: Record<string, unknown>): unknown[] {
    const out: unknown[] = [];
    for (const [path, hosts] of Object.entries(parsed)) {
        if (!PATH.test(path)) throw invalid(`${variable} path`, path, `expected a path starting with "/" without spaces, as in ${COMPACT_EXAMPLE}`);
        if (typeof hosts !== "object" || hosts === null || Array.isArray(hosts) || Object.keys(hosts).length === 0)
            throw invalid(`${variable}["${path}"]`, hosts, `expected an object of target name to host name, as in ${COMPACT_EXAMPLE}`);
        for (const [name, host] of Object.entries(hosts as Record<string, unknown>)) {
            if (typeof host !== "string" || !/^[a-z0-9.-]+(:\d+)?$/i.test(host))
                throw invalid(`${variable}["${path}"].${name}`, host, "expected a host name such as alpha.example.org");
            out.push({ name, url: `https://${host}${path}`, expectStatus: 200 });
        }
    }
    if (out.length === 0 || out.length > MAX_TARGETS) throw invalid(variable, parsed, `expected 1 to ${MAX_TARGETS} targets`);
    return out;
}

export function parseTargets(raw: string | undefined, options: LoadOptions = {}): readonly CheckTarget[] {
    const variable = "CHECK_TARGETS";
    if (raw === undefined) throw new ConfigError(`${variable} is not set: expected a JSON array of endpoints to check, such as [${TARGET_EXAMPLE}]`);
    let compact: unknown;
    if (raw.startsWith("{"))
        try {
            compact = JSON.parse(raw);
        } catch {
            throw invalid(variable, raw, `expected JSON such as ${COMPACT_EXAMPLE}`);
        }
    const values =
        typeof compact === "object" && compact !== null && !Array.isArray(compact)
            ? expandCompact(variable, compact as Record<string, unknown>)
            : parseJsonArray(variable, raw, MAX_TARGETS, "targets", `[${TARGET_EXAMPLE}]`);
    const targets = values.map((value, i) => Object.freeze(parseTarget(value, i, options.allowHttp ?? false)));
    targets.forEach((target, i) => {
        const first = targets.findIndex((other) => other.name === target.name);
        // Two targets with one name would publish into the same metric, and one alarm would watch both.
        if (first !== i) throw invalid(`${variable}[${i}].name`, target.name, `names must be unique: ${variable}[${first}] has it already`);
    });
    return Object.freeze(targets);
}

export function parseNamespace(raw: string | undefined): string {
    const name = "METRIC_NAMESPACE";
    if (raw === undefined) return DEFAULT_NAMESPACE;
    if (!NAMESPACE.test(raw)) throw invalid(name, raw, 'expected 1 to 255 letters, digits and ". _ # : / -", e.g. Shipyard/EndpointCheck');
    if (raw.startsWith("AWS/")) throw invalid(name, raw, "namespaces starting with AWS/ belong to AWS services; choose your own, e.g. Shipyard/EndpointCheck");
    return raw;
}

export function parseEnvironment(raw: string | undefined): Environment {
    const name = "ENVIRONMENT";
    if (raw === undefined) throw new ConfigError(`${name} is not set: ${STACK_NAME_RULE}`);
    if (!STACK_NAME.test(raw)) throw invalid(name, raw, STACK_NAME_RULE);
    return raw;
}

export function loadConfig(env: Env, options: LoadOptions = {}): EndpointCheckConfig {
    return Object.freeze({
        targets: parseTargets(read(env, "CHECK_TARGETS"), options),
        timeoutMs: parseInteger(env, "CHECK_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS, "number of milliseconds "),
        namespace: parseNamespace(read(env, "METRIC_NAMESPACE")),
        environment: parseEnvironment(read(env, "ENVIRONMENT")),
    });
}
