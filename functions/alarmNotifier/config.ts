/**
 * Configuration of the alarm notifier, read once from the environment at cold start.
 *
 * Every problem throws a ConfigError naming the variable, the value it had and what is allowed,
 * so a misconfigured notifier fails its first invocation with a message that says how to fix it
 * (the failed invocation is retried and then lands in the dead-letter queue, so no alarm is lost).
 * Empty and whitespace-only values count as unset.
 */

import { ConfigError, invalid, parseInteger, read, type Env } from "../lib/config";

export { ConfigError };

export interface NotifierConfig {
    /** ARN of the Secrets Manager secret whose SecretString is the Slack incoming-webhook URL. */
    readonly webhookSecretArn: string;
    /** DynamoDB table (partition key `id` (S), TTL attribute `expiresAt`) that remembers what was posted. */
    readonly dedupeTable: string;
    /** The application, first part of every alarm name (`<app>-<env>-<service>-<what>`). */
    readonly appName: string;
    /** The environment this notifier belongs to, second part of every alarm name. */
    readonly environment: string;
    /** Reminders look only at alarms whose names start with this. @default `<app>-<env>-` */
    readonly alarmNamePrefix: string;
    /** Services whose names contain hyphens, so `web-api-5xx` splits as `web-api` + `5xx`. @default none: the service is the first hyphen-separated word */
    readonly serviceNames: readonly string[];
    /** An alarm in ALARM for longer than this is posted again, at most once per this many minutes. @default 60 */
    readonly reminderMinutes: number;
    /** Deadline of one request to Slack, headers and body. @default 3000 */
    readonly requestTimeoutMs: number;
    /** Requests per message, the first included, before it counts as failed. @default 5 */
    readonly maxAttempts: number;
    /** Messages posted at the same time. @default 4 */
    readonly concurrency: number;
    /** How long the webhook URL read from Secrets Manager is reused; a rotated webhook is picked up within this. @default 300 */
    readonly webhookCacheSeconds: number;
    /** Region used for console links when neither the alarm nor the topic ARN names one (Lambda sets AWS_REGION). */
    readonly region?: string;
}

/** Names as stacks/ accepts them for appName and serviceName. */
const NAME = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

function required(env: Env, name: string, pattern: RegExp, allowed: string): string {
    const value = read(env, name);
    if (value === undefined) throw new ConfigError(`${name} is not set: expected ${allowed}`);
    if (!pattern.test(value)) throw invalid(name, value, `expected ${allowed}`);
    return value;
}

function serviceNames(env: Env): readonly string[] {
    const raw = read(env, "SERVICE_NAMES");
    if (raw === undefined) return Object.freeze([]);
    const names = raw.split(",").map((s) => s.trim());
    const bad = names.find((s) => !NAME.test(s));
    if (bad !== undefined) throw invalid("SERVICE_NAMES", raw, `${JSON.stringify(bad)} is not a service name (2-20 lowercase letters, digits or hyphens)`);
    // Longest first, so `web-api` wins over `web` for the alarm `<app>-<env>-web-api-5xx`.
    return Object.freeze([...new Set(names)].sort((a, b) => b.length - a.length));
}

export function loadConfig(env: Env): NotifierConfig {
    const appName = required(env, "APP_NAME", NAME, "the app name, 2-20 lowercase letters, digits or hyphens, e.g. demo");
    const environment = required(env, "ENVIRONMENT", NAME, "the environment name, 2-20 lowercase letters, digits or hyphens, e.g. live");
    const prefix = read(env, "ALARM_NAME_PREFIX") ?? `${appName}-${environment}-`;
    if (prefix.length > 255) throw invalid("ALARM_NAME_PREFIX", prefix, "expected at most 255 characters (the longest alarm name)");
    const region = read(env, "AWS_REGION");
    if (region !== undefined && !REGION.test(region)) throw invalid("AWS_REGION", region, "expected a region code such as eu-west-1");
    return Object.freeze({
        webhookSecretArn: required(env, "SLACK_WEBHOOK_SECRET_ARN", SECRET_ARN, "the ARN of the Secrets Manager secret holding the webhook URL"),
        dedupeTable: required(env, "DEDUPE_TABLE", TABLE_NAME, "a DynamoDB table name (3-255 letters, digits, _ . -)"),
        appName,
        environment,
        alarmNamePrefix: prefix,
        serviceNames: serviceNames(env),
        reminderMinutes: parseInteger(env, "REMINDER_MINUTES", 60, 5, 1440, "number of minutes "),
        requestTimeoutMs: parseInteger(env, "SLACK_TIMEOUT_MS", 3000, 100, 30_000, "number of milliseconds "),
        maxAttempts: parseInteger(env, "SLACK_MAX_ATTEMPTS", 5, 1, 10, ""),
        concurrency: parseInteger(env, "CONCURRENCY", 4, 1, 16, ""),
        webhookCacheSeconds: parseInteger(env, "WEBHOOK_CACHE_SECONDS", 300, 0, 3600, "number of seconds "),
        ...(region === undefined ? {} : { region }),
    });
}
