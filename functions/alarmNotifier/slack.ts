/**
 * The Slack messages, as Block Kit for an incoming webhook: a header (the state and the alarm),
 * one line saying what happened and when, fields for environment, service, metric and region,
 * the reason CloudWatch gave, and a link to the alarm in the console.
 *
 * Limits (Slack's Block Kit reference): header text 150 characters, section text 3000, at most 10
 * fields of 2000 characters each. Every text is cut to its limit, so a long alarm description or a
 * long metric-math expression can never make Slack reject the whole message with invalid_blocks.
 * The top-level `text` is what notifications and screen readers show.
 */

import { consoleUrl, describeCondition, type AlarmState, type AlarmView } from "./alarm";
import type { DiagnosisMessage } from "./diagnosis";

export interface TextObject {
    readonly type: "plain_text" | "mrkdwn";
    readonly text: string;
    readonly emoji?: boolean;
}

export type Block =
    | { readonly type: "header"; readonly text: TextObject }
    | { readonly type: "section"; readonly text: TextObject }
    | { readonly type: "section"; readonly fields: readonly TextObject[] }
    | { readonly type: "context"; readonly elements: readonly TextObject[] };

export interface SlackMessage {
    readonly text: string;
    readonly blocks: readonly Block[];
}

/** Where the alarm belongs, as far as the notifier can tell. */
export interface Placement {
    readonly environment: string;
    /** Undefined when the alarm name does not follow `<app>-<env>-<service>-<what>`. */
    readonly service?: string;
    /** Region code for the console link; undefined when no ARN and no AWS_REGION named one. */
    readonly region?: string;
}

export const HEADER_MAX = 150;
export const SECTION_MAX = 3000;
export const FIELD_MAX = 2000;

const STATE_LABEL: Readonly<Record<AlarmState, string>> = {
    ALARM: ":red_circle: ALARM",
    OK: ":large_green_circle: OK",
    INSUFFICIENT_DATA: ":white_circle: INSUFFICIENT_DATA",
};

/** `&`, `<` and `>` are control characters in Slack's mrkdwn (`<url|label>` links, `<!channel>`). */
export function escapeMrkdwn(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Cuts to `max` characters with an ellipsis, never in the middle of an `&amp;` entity. */
export function cut(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 1).replace(/&[a-z]*$/, "")}…`;
}

function plural(n: number, unit: string): string {
    return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** `47 minutes`, `3 hours 5 minutes`, `2 days 4 hours`. */
export function formatDuration(ms: number): string {
    const minutes = Math.floor(ms / 60_000);
    if (minutes < 1) return "less than a minute";
    if (minutes < 60) return plural(minutes, "minute");
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return minutes % 60 === 0 ? plural(hours, "hour") : `${plural(hours, "hour")} ${plural(minutes % 60, "minute")}`;
    const days = Math.floor(hours / 24);
    return hours % 24 === 0 ? plural(days, "day") : `${plural(days, "day")} ${plural(hours % 24, "hour")}`;
}

/** `2026-11-23 16:04 UTC`. */
export function formatUtc(ms: number): string {
    return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

const mrkdwn = (text: string, max: number): TextObject => ({ type: "mrkdwn", text: cut(text, max) });
const field = (label: string, value: string): TextObject => mrkdwn(`*${label}*\n${escapeMrkdwn(value)}`, FIELD_MAX);

function body(alarm: AlarmView, placement: Placement, title: string, summary: string): Block[] {
    const link =
        placement.region === undefined
            ? "No console link: the alarm's region is unknown"
            : `<${consoleUrl(placement.region, alarm.name)}|Open the alarm in the CloudWatch console>`;
    return [
        { type: "header", text: { type: "plain_text", text: cut(title, HEADER_MAX), emoji: true } },
        mrkdwnSection(alarm.description === undefined ? summary : `${summary}\n_${escapeMrkdwn(alarm.description)}_`),
        {
            type: "section",
            fields: [
                field("Environment", placement.environment),
                field("Service", placement.service ?? "unknown (alarm name is not <app>-<env>-<service>-<what>)"),
                field("Metric", describeCondition(alarm.condition)),
                field("Region", placement.region ?? "unknown"),
            ],
        },
        mrkdwnSection(`*Reason*\n${escapeMrkdwn(alarm.reason)}`),
        { type: "context", elements: [{ type: "mrkdwn", text: alarm.accountId === undefined ? link : `${link} · account ${alarm.accountId}` }] },
    ];
}

function mrkdwnSection(text: string): Block {
    return { type: "section", text: mrkdwn(text, SECTION_MAX) };
}

function where(placement: Placement): string {
    return placement.service === undefined ? placement.environment : `${placement.environment} / ${placement.service}`;
}

/** A state change, as CloudWatch published it to SNS. */
export function transitionMessage(alarm: AlarmView, placement: Placement, now: number): SlackMessage {
    const label = STATE_LABEL[alarm.state];
    const name = `*${escapeMrkdwn(alarm.name)}*`;
    const ago = now - alarm.changedAt < 60_000 ? "just now" : `${formatDuration(now - alarm.changedAt)} ago`;
    const summary =
        alarm.previousState === undefined
            ? `${name} is ${alarm.state} since ${formatUtc(alarm.changedAt)} (${ago}).`
            : `${name} changed from ${alarm.previousState} to ${alarm.state} at ${formatUtc(alarm.changedAt)} (${ago}).`;
    return {
        text: cut(`${label}: ${alarm.name} (${where(placement)})`, SECTION_MAX),
        blocks: body(alarm, placement, `${label}: ${alarm.name}`, summary),
    };
}

/** A reminder for an alarm that is still in ALARM. */
export function reminderMessage(alarm: AlarmView, placement: Placement, now: number): SlackMessage {
    const firing = formatDuration(now - alarm.changedAt);
    return {
        text: cut(`:alarm_clock: Still in ALARM for ${firing}: ${alarm.name} (${where(placement)})`, SECTION_MAX),
        blocks: body(
            alarm,
            placement,
            `:alarm_clock: Still in ALARM: ${alarm.name}`,
            `*${escapeMrkdwn(alarm.name)}* has been firing for ${firing} (since ${formatUtc(alarm.changedAt)}).`,
        ),
    };
}

/** A failed rollout's diagnosis: the cause(s) as the summary, the evidence as preformatted text. */
export function diagnosisMessage(d: DiagnosisMessage): SlackMessage {
    const title = `:rotating_light: Deployment ${d.state}: ${d.environment} / ${d.service}`;
    const evidence = d.text.split("\n").slice(1).join("\n").trimEnd();
    // Three backticks close a preformatted block early; the evidence quotes logs, which may hold some.
    const block = `\`\`\`${cut(escapeMrkdwn(evidence.replace(/```/g, "'''")), SECTION_MAX - 7)}\`\`\``;
    return {
        text: cut(`${title}: ${d.headline}`, SECTION_MAX),
        blocks: [
            { type: "header", text: { type: "plain_text", text: cut(title, HEADER_MAX), emoji: true } },
            mrkdwnSection(`*Cause*\n${escapeMrkdwn(d.headline)}`),
            { type: "section", fields: [field("Environment", d.environment), field("Service", `${d.service} (ECS service ${d.ecsService})`)] },
            ...(evidence === "" ? [] : [mrkdwnSection(`*Evidence*\n${block}`)]),
        ],
    };
}
