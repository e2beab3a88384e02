/** Alarms, their Slack notifications and reminders, endpoint checks and tracing. */
import * as pulumi from "@pulumi/pulumi";
import { Fail, inRange } from "./problems";
import { KeyValues, UNDECRYPTED } from "./raw";

export const ALARM_TOPIC_KEYS = ["bootstrap", "create"] as const;

/** Alarms, their Slack notifications, endpoint checks and tracing; see `stacks/keys.ts`. */
export interface MonitoringSettings {
    /** Alarm when more than this percent of a service's responses are 5xx. @default 2 in the production tier, 5 in staging, 10 in development and preview */
    readonly alarm5xxPercent: number;
    /** Alarm when a service's p99 target response time exceeds this, in ms. @default 1000 in the production tier, 2000 in staging, 3000 in development and preview */
    readonly alarmP99LatencyMs: number;
    /** Alarm when a service's average CPU exceeds this percent. @default 85 */
    readonly alarmCpuPercent: number;
    /** Alarm when a service's average memory exceeds this percent. @default 85 */
    readonly alarmMemoryPercent: number;
    /** Minutes between reminders of alarms still firing. @default 30 in the production tier, 120 in staging, 240 in development and preview */
    readonly reminderMinutes: number;
    /** Minutes between endpoint checks. @default 1 in the production and staging tiers, 5 in development and preview */
    readonly endpointCheckMinutes: number;
    /** The Slack incoming webhook, secret; absent: alarms reach the topic but nobody is told. */
    readonly slackWebhookUrl?: pulumi.Output<string>;
    /** An OpenTelemetry collector sidecar sending traces to X-Ray. @default on in the production tier only */
    readonly tracing: boolean;
    /** The alarm topic's key alias (the bootstrap's), or undefined: the stack creates its own. @default the bootstrap's alias/<app>-<env>-alarms */
    readonly alarmTopicKeyAlias?: string;
}

type MonitoringKeys = Pick<
    KeyValues,
    | "alarm5xxPercent"
    | "alarmP99LatencyMs"
    | "alarmCpuPercent"
    | "alarmMemoryPercent"
    | "reminderMinutes"
    | "endpointCheckMinutes"
    | "alarmTopicKey"
    | "slackWebhookUrl"
    | "tracing"
>;

/** Checks the monitoring keys; the Slack webhook is never quoted in a problem. */
export function parseMonitoring(v: MonitoringKeys, target: { readonly app: string; readonly env: string }, fail: Fail): MonitoringSettings {
    for (const [key, low, high, unit] of [
        ["alarm5xxPercent", 1, 100, "percent"],
        ["alarmP99LatencyMs", 10, 60000, "ms"],
        ["alarmCpuPercent", 1, 100, "percent"],
        ["alarmMemoryPercent", 1, 100, "percent"],
        ["reminderMinutes", 5, 1440, "minutes"],
        ["endpointCheckMinutes", 1, 5, "minutes (the issue asks for a check at least every 5 minutes)"],
    ] as const) {
        if (!inRange(v[key], low, high)) fail(key, v[key], `allowed: ${low} to ${high} ${unit}`);
    }
    if (!(ALARM_TOPIC_KEYS as readonly string[]).includes(v.alarmTopicKey)) fail("alarmTopicKey", v.alarmTopicKey, `allowed: ${ALARM_TOPIC_KEYS.join(", ")}`);
    if (v.slackWebhookUrl !== "" && !/^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+$/.test(v.slackWebhookUrl) && v.slackWebhookUrl !== UNDECRYPTED)
        fail("slackWebhookUrl", "[secret]", "must be a Slack incoming webhook URL, https://hooks.slack.com/services/...");
    return {
        alarm5xxPercent: v.alarm5xxPercent,
        alarmP99LatencyMs: v.alarmP99LatencyMs,
        alarmCpuPercent: v.alarmCpuPercent,
        alarmMemoryPercent: v.alarmMemoryPercent,
        reminderMinutes: v.reminderMinutes,
        endpointCheckMinutes: v.endpointCheckMinutes,
        slackWebhookUrl: v.slackWebhookUrl === "" ? undefined : pulumi.secret(v.slackWebhookUrl),
        tracing: v.tracing,
        alarmTopicKeyAlias: v.alarmTopicKey === "bootstrap" ? `alias/${target.app}-${target.env}-alarms` : undefined,
    };
}
