/**
 * The handler: CloudWatch alarm notifications from SNS, and reminders on a schedule, to Slack.
 *
 * - SNS event (`Records[].Sns`): each record is one alarm state change. ALARM is always posted;
 *   OK and INSUFFICIENT_DATA only when the alarm leaves ALARM (a recovery, or an alarm that stopped
 *   getting data while firing). Every new alarm starts in INSUFFICIENT_DATA and moves to OK, and
 *   posting that would announce each deploy's new alarms as "OK".
 * - `{"action":"remind"}` (EventBridge Scheduler): every metric alarm under the prefix that has been
 *   in ALARM for longer than REMINDER_MINUTES is posted again, at most once per REMINDER_MINUTES.
 *
 * Records are handled at most `concurrency` at a time by a fixed set of workers pulling from an
 * iterator, so memory does not grow with the size of a burst. A message that cannot be read is
 * dropped with one log line (retrying it cannot help); a message that could not be delivered
 * makes the invocation fail at the end, after all the others were handled, so Lambda retries it
 * and finally hands it to the dead-letter queue. Deduplication keeps the retry from posting the
 * messages that did get through.
 */

import { CloudWatchClient, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

import { excerpt } from "../lib/log";
import { parseAlarmMessage, parseAlarmName, regionOfArn, type AlarmView } from "./alarm";
import type { NotifierConfig } from "./config";
import { DedupeStore } from "./dedupe";
import { createLog, Redactor, type Log, type LogSink } from "./log";
import { alarmsInAlarm, alarmView } from "./reminders";
import { parseDiagnosisMessage } from "./diagnosis";
import { diagnosisMessage, reminderMessage, transitionMessage, type Placement, type SlackMessage } from "./slack";
import { post, SLACK_WEBHOOK_ORIGIN, WebhookSource, type PostResult } from "./webhook";

/** Time kept back from the Lambda's remaining time to release claims, log the result and return. */
export const BUDGET_RESERVE_MS = 1000;
/** Without a Lambda context (tests, the benchmark): the longest a Lambda function can run. */
export const NO_CONTEXT_BUDGET_MS = 15 * 60_000;

/** The part of the Lambda context the handler uses. */
export interface LambdaContext {
    getRemainingTimeInMillis(): number;
}

export interface HandlerOptions {
    readonly secretsManager?: SecretsManagerClient;
    readonly dynamodb?: DynamoDBClient;
    readonly cloudwatch?: CloudWatchClient;
    /** @default process.stdout */
    readonly logSink?: LogSink;
    /** Epoch ms. @default Date.now */
    readonly now?: () => number;
    /** Waits between retries. @default setTimeout */
    readonly sleep?: (ms: number) => Promise<void>;
    /** Jitter source in [0, 1). @default Math.random */
    readonly random?: () => number;
    /**
     * The origin webhook URLs must have. Only tests and the benchmark set this (to a server on
     * 127.0.0.1); handler.ts never does, so in Lambda only https://hooks.slack.com is accepted,
     * whatever the secret or the environment say.
     * @default "https://hooks.slack.com"
     */
    readonly webhookOrigin?: string;
}

export interface InvocationResult {
    readonly trigger: "sns" | "remind";
    /** Records (SNS) or alarms in ALARM (reminders) looked at. */
    readonly received: number;
    readonly posted: number;
    /** Not meant to be posted: OK or INSUFFICIENT_DATA not coming from ALARM; reminders not due yet. */
    readonly skipped: number;
    /** Already posted (or being posted) by another invocation. */
    readonly duplicates: number;
    /** Unreadable: not JSON, not an alarm notification, fields missing. */
    readonly dropped: number;
    readonly failed: number;
    /** Requests to Slack beyond the first of each message. */
    readonly retries: number;
}

export type Handler = (event: unknown, context?: LambdaContext) => Promise<InvocationResult>;

/** Thrown at the end of an invocation in which some message could not be delivered, so Lambda retries it. */
export class DeliveryError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DeliveryError";
    }
}

type Counts = { -readonly [K in Exclude<keyof InvocationResult, "trigger">]: number };

interface Run {
    readonly deadline: number;
    /** When the invocation can no longer be running: how long a claim holds. */
    readonly leaseUntil: number;
    readonly counts: Counts;
}

type Fields = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Runs `work` on every item, at most `limit` at a time; waits for all, then rethrows the first failure of the iterator itself. */
export async function forEachLimited<T>(items: Iterable<T> | AsyncIterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
    const it = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
    const worker = async (): Promise<void> => {
        for (let next = await it.next(); next.done !== true; next = await it.next()) await work(next.value);
    };
    const results = await Promise.allSettled(Array.from({ length: limit }, worker));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure !== undefined) throw failure.reason;
}

function errorText(err: unknown): string {
    return excerpt(err instanceof Error ? `${err.name}: ${err.message}` : String(err), 300);
}

export function createHandler(config: NotifierConfig, options: HandlerOptions = {}): Handler {
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const random = options.random ?? Math.random;
    const redactor = new Redactor();
    const log: Log = createLog(options.logSink ?? process.stdout, redactor, now);
    const dedupe = new DedupeStore(options.dynamodb ?? new DynamoDBClient({}), config.dedupeTable, now);
    const cloudwatch = options.cloudwatch ?? new CloudWatchClient({});
    const webhook = new WebhookSource(
        options.secretsManager ?? new SecretsManagerClient({}),
        config.webhookSecretArn,
        config.webhookCacheSeconds * 1000,
        options.webhookOrigin ?? SLACK_WEBHOOK_ORIGIN,
        redactor,
        now,
    );
    const reminderMs = config.reminderMinutes * 60_000;

    function placement(alarm: AlarmView, topicRegion?: string): Placement {
        const owner = parseAlarmName(alarm.name, config.appName, config.environment, config.serviceNames);
        return { environment: config.environment, service: owner?.service, region: alarm.region ?? topicRegion ?? config.region };
    }

    async function send(message: SlackMessage, fields: Fields, run: Run): Promise<PostResult> {
        try {
            const url = await webhook.get();
            return await post(url, JSON.stringify(message), {
                timeoutMs: config.requestTimeoutMs,
                maxAttempts: config.maxAttempts,
                deadline: run.deadline,
                now,
                sleep,
                random,
                onRetry: (attempt, reason, waitMs) => {
                    run.counts.retries++;
                    log("warn", "slack post retry", { ...fields, attempt, reason, waitMs });
                },
            });
        } catch (err) {
            return { ok: false, attempts: 0, reason: errorText(err), dead: false };
        }
    }

    /** Claim, post, then confirm or release: the one path every message takes. */
    async function deliver(id: string, message: SlackMessage, fields: Fields, run: Run): Promise<void> {
        try {
            if ((await dedupe.claim(id, run.leaseUntil)) === "duplicate") {
                run.counts.duplicates++;
                log("info", "notification skipped: already posted", { ...fields, dedupeId: id });
                return;
            }
        } catch (err) {
            run.counts.failed++;
            log("error", "notification failed", { ...fields, reason: `dedupe claim failed: ${errorText(err)}` });
            return;
        }
        const result = await send(message, fields, run);
        if (result.ok) {
            run.counts.posted++;
            log("info", "notification posted", { ...fields, attempts: result.attempts });
            // If this write fails, the claim still holds until its lease runs out.
            await dedupe.confirm(id).catch((err: unknown) => log("warn", "dedupe confirm failed", { ...fields, reason: errorText(err) }));
            return;
        }
        run.counts.failed++;
        if (result.dead) {
            // A new URL may be in the secret already: read it again on the next message.
            webhook.invalidate();
            log("error", "slack webhook is dead", {
                ...fields,
                status: result.status,
                reason: result.reason,
                fix: `create a new incoming webhook in Slack and store its URL as the SecretString of ${config.webhookSecretArn}`,
            });
        } else {
            log("error", "notification failed", { ...fields, attempts: result.attempts, status: result.status, reason: result.reason });
        }
        await dedupe.release(id).catch((err: unknown) => log("error", "dedupe release failed", { ...fields, reason: errorText(err) }));
    }

    async function onRecord(record: unknown, run: Run): Promise<void> {
        const sns = isObject(record) && isObject(record.Sns) ? record.Sns : undefined;
        const messageId = typeof sns?.MessageId === "string" && sns.MessageId !== "" ? sns.MessageId : undefined;
        if (sns === undefined || messageId === undefined || typeof sns.Message !== "string") {
            run.counts.dropped++;
            log("warn", "message dropped", { reason: "record is not an SNS notification with a MessageId and a Message" });
            return;
        }
        const diagnosis = parseDiagnosisMessage(sns.Message);
        if (diagnosis !== undefined) {
            if (!diagnosis.ok) {
                run.counts.dropped++;
                log("warn", "message dropped", { messageId, reason: diagnosis.reason });
                return;
            }
            const d = diagnosis.value;
            await deliver(`sns:${messageId}`, diagnosisMessage(d), { messageId, environment: d.environment, service: d.service, state: d.state }, run);
            return;
        }
        const parsed = parseAlarmMessage(sns.Message);
        if (!parsed.ok) {
            run.counts.dropped++;
            log("warn", "message dropped", { messageId, reason: parsed.reason });
            return;
        }
        const alarm = parsed.value;
        const fields = { messageId, alarmName: alarm.name, state: alarm.state, previousState: alarm.previousState };
        if (alarm.state !== "ALARM" && alarm.previousState !== "ALARM") {
            run.counts.skipped++;
            log("info", "notification skipped", { ...fields, reason: `${alarm.previousState ?? "unknown"} -> ${alarm.state} is not a change out of ALARM` });
            return;
        }
        await deliver(`sns:${messageId}`, transitionMessage(alarm, placement(alarm, regionOfArn(sns.TopicArn)), now()), fields, run);
    }

    async function onAlarm(raw: MetricAlarm, run: Run): Promise<void> {
        const alarm = alarmView(raw);
        if (alarm === undefined) {
            run.counts.dropped++;
            log("warn", "alarm dropped", { alarmName: raw.AlarmName, reason: "DescribeAlarms returned it without a name or a state timestamp" });
            return;
        }
        const at = now();
        const fields = { alarmName: alarm.name, firingMinutes: Math.floor((at - alarm.changedAt) / 60_000) };
        if (at - alarm.changedAt < reminderMs) {
            run.counts.skipped++;
            return;
        }
        // One reminder per alarm, per time it entered ALARM, per REMINDER_MINUTES window.
        const id = `remind:${alarm.name}:${alarm.changedAt}:${Math.floor(at / reminderMs)}`;
        await deliver(id, reminderMessage(alarm, placement(alarm), at), fields, run);
    }

    return async (event, context) => {
        const started = now();
        const budget = context?.getRemainingTimeInMillis() ?? NO_CONTEXT_BUDGET_MS;
        const run: Run = {
            deadline: started + budget - BUDGET_RESERVE_MS,
            leaseUntil: started + budget,
            counts: { received: 0, posted: 0, skipped: 0, duplicates: 0, dropped: 0, failed: 0, retries: 0 },
        };
        let trigger: InvocationResult["trigger"];
        let failure: unknown;
        if (isObject(event) && Array.isArray(event.Records)) {
            trigger = "sns";
            run.counts.received = event.Records.length;
            await forEachLimited(event.Records as unknown[], config.concurrency, (record) => onRecord(record, run));
        } else if (isObject(event) && event.action === "remind") {
            trigger = "remind";
            const counted = async function* (alarms: AsyncIterable<MetricAlarm>) {
                for await (const alarm of alarms) {
                    run.counts.received++;
                    yield alarm;
                }
            };
            await forEachLimited(counted(alarmsInAlarm(cloudwatch, config.alarmNamePrefix)), config.concurrency, (alarm) => onAlarm(alarm, run)).catch(
                (err: unknown) => (failure = err),
            );
        } else {
            log("error", "unrecognised event", { reason: 'expected an SNS event (Records[].Sns) or {"action":"remind"}' });
            throw new Error('unrecognised event: expected an SNS event (Records[].Sns) or {"action":"remind"}');
        }
        const result: InvocationResult = { trigger, ...run.counts };
        const bad = run.counts.failed > 0 || failure !== undefined;
        log(bad ? "error" : "info", "invocation result", {
            ...result,
            durationMs: now() - started,
            ...(failure === undefined ? {} : { reason: `DescribeAlarms failed: ${errorText(failure)}` }),
        });
        if (failure !== undefined) throw failure;
        if (run.counts.failed > 0)
            throw new DeliveryError(
                `${run.counts.failed} of ${run.counts.received} notifications could not be delivered; they are not marked as posted, so a retry of this event posts them`,
            );
        return result;
    };
}
