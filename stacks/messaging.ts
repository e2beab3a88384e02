/**
 * A service's messaging and scheduling settings (issue 18): the SNS topics it publishes
 * (`publish`), a worker's subscription (`subscribe`: topics, filters, its SQS queue), a worker's
 * scaling on backlog (`scaling.backlog`), and a job's schedule (`schedule`, `timeoutMinutes`,
 * `retries`). Pure: reports every problem through `fail` in the settings' format (stack, key,
 * value, what is allowed). The cross-checks between services (a subscription to a topic nobody
 * publishes) are in {@link checkSubscriptions}.
 */
import type { Fail } from "./problems";

/** One SNS topic a service publishes to. */
export interface TopicSettings {
    /** 2-40 lowercase letters, digits or hyphens; the topic is `<app>-<env>-<service>-<name>` (`.fifo` added for FIFO). */
    readonly name: string;
    /** A FIFO topic (ordered, deduplicated): only FIFO queues may subscribe. @default false */
    readonly fifo: boolean;
}

/** One topic a worker's queue subscribes to. */
export interface SubscriptionSettings {
    /** The publishing service. */
    readonly service: string;
    readonly topic: string;
    /** SNS filter policy on message attributes: attribute name to allowed values. @default none (every message) */
    readonly filter?: Readonly<Record<string, readonly unknown[]>>;
}

/** A worker's SQS queue and the topics that feed it. */
export interface QueueSettings {
    readonly topics: readonly SubscriptionSettings[];
    /** Seconds a received message stays hidden from other consumers (0-43200). @default 30 (SQS's default) */
    readonly visibilitySeconds: number;
    /** Receives after which a message moves to the dead-letter queue (1-1000). @default 10 */
    readonly maxReceives: number;
    /** A FIFO queue (needs FIFO topics). @default false */
    readonly fifo: boolean;
    /** Seconds SQS keeps a message (60-1209600). @default 345600 (4 days, SQS's default) */
    readonly retentionSeconds: number;
}

/** Target tracking on backlog per task (AWS's guidance for scaling on SQS). */
export interface BacklogScaling {
    /** Seconds a message may wait before it is processed. */
    readonly acceptableLatencySeconds: number;
    /** Seconds one task takes per message. */
    readonly secondsPerMessage: number;
    /** Messages per task the scaling keeps: acceptableLatencySeconds / secondsPerMessage, rounded down. */
    readonly messagesPerTask: number;
}

/** A scheduled job: when it runs, how long it may take, how often it is retried. */
export interface JobSettings {
    /** The schedule as the stack file says it (`@daily`, `cron(...)`, `rate(...)`). */
    readonly schedule: string;
    /** What EventBridge Scheduler is given: shorthands expanded to `cron(...)`. */
    readonly scheduleExpression: string;
    /** Minutes after which a run's task is stopped and the attempt fails. @default 60 */
    readonly timeoutMinutes: number;
    /** Attempts after the first when a run fails (non-zero exit, timeout, failing to start). @default 0 */
    readonly retries: number;
}

/** The messaging settings of one service, as `parseMessaging` returns them. */
export interface MessagingSettings {
    /** @default [] */
    readonly publish: readonly TopicSettings[];
    /** Workers only. @default none */
    readonly queue?: QueueSettings;
    /** Workers with a queue only. @default none (CPU and memory target tracking) */
    readonly backlog?: BacklogScaling;
    /** Jobs only. */
    readonly job?: JobSettings;
}

const TOPIC_NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;
/** SQS's default retention, and its bounds (SQS API Reference, SetQueueAttributes MessageRetentionPeriod). */
export const DEFAULT_RETENTION_SECONDS = 345600;
export const RETENTION_RANGE = [60, 1209600] as const;
/** What a queue takes when the stack file does not say: SQS's own visibility timeout, and 10 receives before the dead-letter queue. */
export const DEFAULT_VISIBILITY_SECONDS = 30;
export const DEFAULT_MAX_RECEIVES = 10;
/** A job's timeout when the stack file sets none: a run never hangs for ever. */
export const DEFAULT_TIMEOUT_MINUTES = 60;
/** SQS VisibilityTimeout bounds (0 to 12 hours). */
export const VISIBILITY_RANGE = [0, 43200] as const;
/** SQS redrive policy maxReceiveCount bounds. */
export const MAX_RECEIVES_RANGE = [1, 1000] as const;
/** SNS filter policy limits: 5 attribute names (keys), 150 combinations of values (SNS developer guide, "Filter policy constraints"). */
export const FILTER_MAX_KEYS = 5;
export const FILTER_MAX_COMBINATIONS = 150;
/** Retries of a job's run: Step Functions accepts far more, but a job failing 10 times in a row needs a person. */
export const MAX_RETRIES = 10;
/**
 * A Step Functions standard workflow's execution lasts at most one year (Step Functions developer
 * guide, "Service quotas": maximum execution time), and one execution holds every attempt of a run.
 */
export const MAX_EXECUTION_MINUTES = 525600;
/** Seconds between a failed attempt and the next, doubled each time (the state machine's Retry). */
export const RETRY_INTERVAL_SECONDS = 60;
export const RETRY_BACKOFF = 2;

/** The schedule shorthands and the cron expressions they stand for (UTC). */
export const SCHEDULE_SHORTHANDS: Readonly<Record<string, string>> = {
    "@hourly": "cron(0 * * * ? *)",
    "@daily": "cron(0 0 * * ? *)",
    "@weekly": "cron(0 0 ? * SUN *)",
    "@monthly": "cron(0 0 1 * ? *)",
    "@yearly": "cron(0 0 1 1 ? *)",
};

/** Minutes a run may take in all: every attempt at its timeout plus the waits between them. */
export function worstCaseMinutes(timeoutMinutes: number, retries: number): number {
    let waits = 0;
    for (let i = 0; i < retries; i++) waits += RETRY_INTERVAL_SECONDS * RETRY_BACKOFF ** i;
    return timeoutMinutes * (retries + 1) + Math.ceil(waits / 60);
}

/**
 * Why EventBridge Scheduler would refuse `expression`, or undefined. Scheduler takes
 * `rate(value unit)` (value a positive whole number, unit minute(s)/hour(s)/day(s), singular for 1)
 * and `cron(minutes hours day-of-month month day-of-week year)`, where one of day-of-month and
 * day-of-week must be `?` (EventBridge Scheduler user guide, "Schedule types").
 */
export function scheduleProblem(expression: string): string | undefined {
    const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
    if (rate) {
        const n = Number(rate[1]);
        if (n < 1) return "a rate's value is a whole number of 1 or more";
        if ((n === 1) !== !rate[2].endsWith("s"))
            return `say rate(1 ${rate[2].replace(/s$/, "")}) for one and rate(${Math.max(n, 2)} ${rate[2].replace(/s?$/, "s")}) for more`;
        return undefined;
    }
    if (expression.startsWith("rate(")) return "rate(<value> <unit>) with a whole number and minute(s), hour(s) or day(s), e.g. rate(5 minutes)";
    const cron = /^cron\((.*)\)$/.exec(expression);
    if (!cron) return `cron(...), rate(...) or one of ${Object.keys(SCHEDULE_SHORTHANDS).join(", ")}`;
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6)
        return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), not ${fields.length}, e.g. cron(0 3 * * ? *)`;
    const [minutes, hours, dom, month, dow, year] = fields;
    const MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC";
    const DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT";
    const checks: [string, string, RegExp, number, number][] = [
        ["minutes", minutes, /^[\d,\-*/]+$/, 0, 59],
        ["hours", hours, /^[\d,\-*/]+$/, 0, 23],
        ["day-of-month", dom, /^([\d,\-*/?LW]+)$/, 1, 31],
        ["month", month, new RegExp(`^([\\d,\\-*/]|${MONTHS})+$`), 1, 12],
        ["day-of-week", dow, new RegExp(`^([\\d,\\-*/?L#]|${DAYS})+$`), 1, 7],
        ["year", year, /^[\d,\-*/]+$/, 1970, 2199],
    ];
    for (const [name, value, pattern, lo, hi] of checks) {
        if (!pattern.test(value)) return `the ${name} field "${value}" is not one EventBridge accepts`;
        for (const n of value.match(/\d+/g) ?? []) {
            const num = Number(n);
            // Steps (`*/15`) and nth weekday (`2#3`) carry numbers of their own: only bounds apply to values.
            const inStep = new RegExp(`[/#]${n}(?!\\d)`).test(value);
            if (!inStep && (num < lo || num > hi)) return `the ${name} field "${value}" holds ${num}; allowed: ${lo} to ${hi}`;
        }
    }
    if ((dom === "?") === (dow === "?")) return "exactly one of day-of-month and day-of-week is ?, e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON *)";
    return undefined;
}

type Raw = Record<string, unknown>;
const isMap = (x: unknown): x is Raw => typeof x === "object" && x !== null && !Array.isArray(x);
const whole = (x: unknown, lo: number, hi: number) => typeof x === "number" && Number.isInteger(x) && x >= lo && x <= hi;

/**
 * Parses the messaging and scheduling fields of one service (`key` makes a field's key, e.g.
 * `services.mailer.subscribe`). `exposure` decides which fields exist; `services.ts` has already
 * refused fields that are not its exposure's.
 */
export function parseMessaging(s: Raw, exposure: string, key: (field?: string) => string, fail: Fail): MessagingSettings {
    const publish: TopicSettings[] = [];
    if (s.publish !== undefined) {
        if (!Array.isArray(s.publish)) fail(key("publish"), s.publish, "a list of topic names, e.g. [order-events], or { name, fifo: true } for a FIFO topic");
        else
            for (const t of s.publish as unknown[]) {
                const name = typeof t === "string" ? t : isMap(t) ? t.name : undefined;
                const fifo = isMap(t) ? (t.fifo ?? false) : false;
                if (typeof name !== "string" || !TOPIC_NAME.test(name))
                    fail(key("publish"), t, "a topic name is 2-40 lowercase letters, digits or hyphens, starting with a letter (or { name, fifo: true })");
                else if (typeof fifo !== "boolean") fail(key("publish"), t, "fifo is true or false");
                else if (isMap(t) && Object.keys(t).some((k) => k !== "name" && k !== "fifo"))
                    fail(key("publish"), t, "a topic entry holds name and fifo only");
                else if (publish.some((p) => p.name === name)) fail(key("publish"), name, "named twice");
                else publish.push({ name, fifo });
            }
    }
    const queue = exposure === "worker" && s.subscribe !== undefined ? parseSubscribe(s.subscribe, key, fail) : undefined;
    let backlog: BacklogScaling | undefined;
    if (s.scaling !== undefined) {
        const b = isMap(s.scaling) ? s.scaling.backlog : undefined;
        if (!isMap(s.scaling) || !isMap(b) || Object.keys(s.scaling).length !== 1)
            fail(key("scaling"), s.scaling, "{ backlog: { acceptableLatencySeconds, secondsPerMessage } }");
        else if (!queue) fail(key("scaling"), s.scaling, "scaling on backlog needs a queue: set subscribe on this worker");
        else {
            const latency = b.acceptableLatencySeconds as number;
            const perMessage = b.secondsPerMessage;
            if (!whole(latency, 1, 86400))
                fail(key("scaling.backlog.acceptableLatencySeconds"), latency ?? "(missing)", "seconds a message may wait: a whole number from 1 to 86400");
            else if (typeof perMessage !== "number" || !(perMessage > 0) || perMessage > latency)
                fail(
                    key("scaling.backlog.secondsPerMessage"),
                    perMessage ?? "(missing)",
                    `seconds one task takes per message: a number above 0 and at most acceptableLatencySeconds (${latency})`,
                );
            else if (Object.keys(b).some((k) => k !== "acceptableLatencySeconds" && k !== "secondsPerMessage"))
                fail(key("scaling.backlog"), b, "allowed: acceptableLatencySeconds, secondsPerMessage");
            else backlog = { acceptableLatencySeconds: latency, secondsPerMessage: perMessage, messagesPerTask: Math.floor(latency / perMessage) };
        }
    }
    const job = exposure === "job" ? parseJob(s, key, fail) : undefined;
    return { publish, queue, backlog, job };
}

function parseSubscribe(raw: unknown, key: (field?: string) => string, fail: Fail): QueueSettings | undefined {
    const example = "{ topics: [{ topic: <service>.<topic>, filter: {...} }], queue: { visibilitySeconds, maxReceives, fifo } }";
    if (!isMap(raw) || !Array.isArray(raw.topics) || raw.topics.length === 0) {
        fail(key("subscribe"), raw, `at least one topic: ${example}`);
        return undefined;
    }
    const extra = Object.keys(raw).filter((k) => k !== "topics" && k !== "queue");
    if (extra.length > 0) fail(key(`subscribe.${extra[0]}`), raw[extra[0]], "allowed in subscribe: topics, queue");
    const topics: SubscriptionSettings[] = [];
    (raw.topics as unknown[]).forEach((t, i) => {
        const k = key(`subscribe.topics[${i}]`);
        const ref = isMap(t) ? t.topic : undefined;
        const m = typeof ref === "string" ? /^([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)$/.exec(ref) : null;
        if (!isMap(t) || !m) return fail(`${k}.topic`, ref ?? t, "<service>.<topic>, e.g. orders.order-events");
        if (Object.keys(t).some((x) => x !== "topic" && x !== "filter")) return fail(k, t, "a subscription holds topic and filter only");
        let filter: Record<string, unknown[]> | undefined;
        if (t.filter !== undefined) {
            const f = t.filter;
            const lists = isMap(f) ? Object.values(f) : [];
            const combinations = lists.reduce<number>((n, v) => n * (Array.isArray(v) ? v.length : 1), 1);
            if (!isMap(f) || Object.keys(f).length === 0 || !lists.every((v) => Array.isArray(v) && v.length > 0))
                return fail(`${k}.filter`, f, "a map of message attribute to its allowed values, e.g. { type: [order-placed] }");
            if (Object.keys(f).length > FILTER_MAX_KEYS)
                return fail(`${k}.filter`, f, `at most ${FILTER_MAX_KEYS} attributes (SNS's limit for a filter policy)`);
            if (combinations > FILTER_MAX_COMBINATIONS)
                return fail(
                    `${k}.filter`,
                    f,
                    `${combinations} combinations of values; allowed: at most ${FILTER_MAX_COMBINATIONS} (SNS's limit for a filter policy)`,
                );
            filter = f as Record<string, unknown[]>;
        }
        if (topics.some((x) => x.service === m[1] && x.topic === m[2])) return fail(`${k}.topic`, ref, "subscribed twice");
        topics.push({ service: m[1], topic: m[2], ...(filter ? { filter } : {}) });
    });
    const q = raw.queue === undefined ? {} : raw.queue;
    if (!isMap(q)) {
        fail(key("subscribe.queue"), q, "{ visibilitySeconds, maxReceives, fifo, retentionSeconds }");
        return undefined;
    }
    for (const k of Object.keys(q))
        if (!["visibilitySeconds", "maxReceives", "fifo", "retentionSeconds"].includes(k))
            fail(key(`subscribe.queue.${k}`), q[k], "allowed: visibilitySeconds, maxReceives, fifo, retentionSeconds");
    const int = (field: string, range: readonly [number, number], fallback: number | undefined, what: string): number => {
        const v = q[field] ?? fallback;
        if (!whole(v, range[0], range[1])) {
            fail(key(`subscribe.queue.${field}`), v ?? "(missing)", `${what}: a whole number from ${range[0]} to ${range[1]}`);
            return range[0];
        }
        return v as number;
    };
    const visibilitySeconds = int(
        "visibilitySeconds",
        VISIBILITY_RANGE,
        DEFAULT_VISIBILITY_SECONDS,
        "seconds a received message stays hidden (longer than a message takes)",
    );
    const maxReceives = int("maxReceives", MAX_RECEIVES_RANGE, DEFAULT_MAX_RECEIVES, "receives before a message moves to the dead-letter queue");
    const retentionSeconds = int("retentionSeconds", RETENTION_RANGE, DEFAULT_RETENTION_SECONDS, "seconds SQS keeps a message");
    const fifo = q.fifo ?? false;
    if (typeof fifo !== "boolean") fail(key("subscribe.queue.fifo"), fifo, "true or false");
    return { topics, visibilitySeconds, maxReceives, retentionSeconds, fifo: fifo === true };
}

function parseJob(s: Raw, key: (field?: string) => string, fail: Fail): JobSettings | undefined {
    const schedule = s.schedule;
    let scheduleExpression = "";
    if (typeof schedule !== "string")
        fail(key("schedule"), schedule ?? "(missing)", `cron(...), rate(...) or one of ${Object.keys(SCHEDULE_SHORTHANDS).join(", ")}`);
    else {
        scheduleExpression = SCHEDULE_SHORTHANDS[schedule] ?? schedule;
        const problem =
            schedule.startsWith("@") && !SCHEDULE_SHORTHANDS[schedule]
                ? `shorthands allowed: ${Object.keys(SCHEDULE_SHORTHANDS).join(", ")}`
                : scheduleProblem(scheduleExpression);
        if (problem) fail(key("schedule"), schedule, `EventBridge Scheduler would refuse it: ${problem}`);
    }
    const retries = s.retries ?? 0;
    if (!whole(retries, 0, MAX_RETRIES)) fail(key("retries"), retries, `attempts after a failed one: a whole number from 0 to ${MAX_RETRIES}`);
    const timeoutMinutes = s.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
    const r = whole(retries, 0, MAX_RETRIES) ? (retries as number) : 0;
    if (!whole(timeoutMinutes, 1, MAX_EXECUTION_MINUTES))
        fail(
            key("timeoutMinutes"),
            timeoutMinutes ?? "(missing)",
            `minutes a run may take before its task is stopped: a whole number from 1 to ${MAX_EXECUTION_MINUTES}`,
        );
    else if (worstCaseMinutes(timeoutMinutes as number, r) > MAX_EXECUTION_MINUTES)
        fail(
            key("timeoutMinutes"),
            timeoutMinutes,
            `with ${r} retries a run may take ${worstCaseMinutes(timeoutMinutes as number, r)} minutes, and a Step Functions standard execution lasts at most one year (${MAX_EXECUTION_MINUTES} minutes); allowed with ${r} retries: at most ${Math.floor((MAX_EXECUTION_MINUTES - worstCaseMinutes(0, r)) / (r + 1))}`,
        );
    if (typeof schedule !== "string" || !whole(timeoutMinutes, 1, MAX_EXECUTION_MINUTES) || !whole(retries, 0, MAX_RETRIES)) return undefined;
    return { schedule, scheduleExpression, timeoutMinutes: timeoutMinutes as number, retries: retries as number };
}

/** A topic by its `<service>.<topic>` reference, among the services' declared topics. */
export function checkSubscriptions(
    services: readonly { readonly name: string; readonly exposure: string; readonly messaging: MessagingSettings }[],
    fail: Fail,
): void {
    const byName = new Map(services.map((s) => [s.name, s]));
    const published = services.flatMap((s) => s.messaging.publish.map((t) => `${s.name}.${t.name}`));
    for (const s of services) {
        const q = s.messaging.queue;
        if (!q) continue;
        q.topics.forEach((t, i) => {
            const k = `services.${s.name}.subscribe.topics[${i}].topic`;
            const ref = `${t.service}.${t.topic}`;
            const publisher = byName.get(t.service);
            const topic = publisher?.messaging.publish.find((p) => p.name === t.topic);
            if (!publisher) fail(k, ref, `unknown service ${t.service}; the stack's services are ${services.map((x) => x.name).join(", ")}`);
            else if (!topic)
                fail(
                    k,
                    ref,
                    `${t.service} does not publish ${t.topic}; the topics published in this stack are ${published.length > 0 ? published.join(", ") : "none"} (a topic is declared by its publisher's publish list)`,
                );
            else if (q.fifo && !topic.fifo)
                fail(
                    k,
                    ref,
                    `a FIFO queue receives from FIFO topics only (SNS delivers a standard topic's messages unordered); make the queue fifo: false or publish ${t.topic} as { name: ${t.topic}, fifo: true }`,
                );
            else if (!q.fifo && topic.fifo) fail(k, ref, `${ref} is a FIFO topic: subscribe with a FIFO queue (queue: { fifo: true }) to keep its order`);
        });
    }
}

/** The environment variable a topic's ARN reaches its publisher's container in: `TOPIC_<NAME>_ARN`, e.g. TOPIC_ORDER_EVENTS_ARN. */
export function topicVariable(topic: string): string {
    return `TOPIC_${topic.toUpperCase().replace(/-/g, "_")}_ARN`;
}

/** The variable a worker's container finds its queue's URL in. */
export const QUEUE_URL_VARIABLE = "QUEUE_URL";

/** The variables the platform sets for a service's messaging: TOPIC_<NAME>_ARN per topic it publishes, QUEUE_URL for a worker's queue. */
export function messagingVariables(m: MessagingSettings): string[] {
    return [...m.publish.map((t) => topicVariable(t.name)), ...(m.queue ? [QUEUE_URL_VARIABLE] : [])];
}
