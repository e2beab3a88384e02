/**
 * What the notifier knows about one alarm, whichever way it learnt it: from the state-change
 * notification CloudWatch publishes to SNS, or from DescribeAlarms when it sends reminders.
 *
 * The SNS notification is a JSON document in the record's `Message` (the shape AWS publishes,
 * e.g. the fixtures in aws/aws-lambda-go `events/testdata/cloudwatch-alarm-sns-payload-*.json`):
 * AlarmName, AlarmDescription, AWSAccountId, NewStateValue, NewStateReason, StateChangeTime
 * (`2015-06-03T17:43:27.123+0000`), Region (a display name that has changed over the years:
 * "US - N. Virginia" in 2012, "EU - Ireland" in 2017, "EU (Ireland)" since, so it is never parsed),
 * AlarmArn, OldStateValue and Trigger (a single metric, or `Metrics` for a metric-math alarm).
 */

export const ALARM_STATES = ["ALARM", "OK", "INSUFFICIENT_DATA"] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** One metric or expression of a metric-math alarm. */
export interface MetricQuery {
    readonly id?: string;
    readonly expression?: string;
    readonly label?: string;
    readonly returnData?: boolean;
    readonly namespace?: string;
    readonly metricName?: string;
}

/** The alarm's condition, from the SNS `Trigger` or from a DescribeAlarms `MetricAlarm`. */
export interface Condition {
    readonly namespace?: string;
    readonly metricName?: string;
    readonly statistic?: string;
    readonly dimensions: ReadonlyArray<{ readonly name: string; readonly value: string }>;
    readonly period?: number;
    readonly evaluationPeriods?: number;
    readonly datapointsToAlarm?: number;
    readonly comparisonOperator?: string;
    readonly threshold?: number;
    readonly metrics: readonly MetricQuery[];
}

export interface AlarmView {
    readonly name: string;
    readonly description?: string;
    readonly state: AlarmState;
    readonly previousState?: AlarmState;
    readonly reason: string;
    /** When the alarm entered `state`, epoch milliseconds. */
    readonly changedAt: number;
    /** Region code, e.g. eu-west-1, from the alarm's ARN. */
    readonly region?: string;
    readonly accountId?: string;
    readonly condition: Condition;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
const state = (value: unknown): AlarmState | undefined => ((ALARM_STATES as readonly unknown[]).includes(value) ? (value as AlarmState) : undefined);

/** `2015-06-03T17:43:27.123+0000` (no colon in the offset, which not every parser accepts) to epoch ms. */
export function parseAwsTime(value: unknown): number | undefined {
    if (typeof value !== "string") return undefined;
    const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
    return Number.isFinite(ms) ? ms : undefined;
}

/** A 12-digit account ID, or undefined (AWS's own examples say `EXAMPLE`). */
export function accountIdOf(value: unknown): string | undefined {
    return typeof value === "string" && /^\d{12}$/.test(value) ? value : undefined;
}

/** The region code in an ARN (`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x` -> eu-west-1). */
export function regionOfArn(arn: unknown): string | undefined {
    const region = typeof arn === "string" && arn.startsWith("arn:") ? arn.split(":")[3] : undefined;
    return region !== undefined && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? region : undefined;
}

function snsCondition(trigger: Json): Condition {
    const dimensions = (Array.isArray(trigger.Dimensions) ? trigger.Dimensions : [])
        .filter(isObject)
        .map((d) => ({ name: String(d.name), value: String(d.value) }));
    const metrics = (Array.isArray(trigger.Metrics) ? trigger.Metrics : []).filter(isObject).map((m): MetricQuery => {
        const metric = isObject(m.MetricStat) && isObject(m.MetricStat.Metric) ? m.MetricStat.Metric : {};
        return {
            id: str(m.Id),
            expression: str(m.Expression),
            label: str(m.Label),
            returnData: m.ReturnData !== false,
            namespace: str(metric.Namespace),
            metricName: str(metric.MetricName),
        };
    });
    return {
        namespace: str(trigger.Namespace),
        metricName: str(trigger.MetricName),
        statistic: str(trigger.ExtendedStatistic) ?? str(trigger.Statistic),
        dimensions,
        period: num(trigger.Period),
        evaluationPeriods: num(trigger.EvaluationPeriods),
        datapointsToAlarm: num(trigger.DatapointsToAlarm),
        comparisonOperator: str(trigger.ComparisonOperator),
        threshold: num(trigger.Threshold),
        metrics,
    };
}

/** Reads an SNS `Message` as a CloudWatch alarm notification; the reason of a failure never quotes the message. */
export function parseAlarmMessage(message: string): Parsed<AlarmView> {
    let doc: unknown;
    try {
        doc = JSON.parse(message);
    } catch {
        return { ok: false, reason: "message is not JSON" };
    }
    if (!isObject(doc)) return { ok: false, reason: "message is not a JSON object" };
    const name = str(doc.AlarmName);
    if (name === undefined || name.length > 255) return { ok: false, reason: "not a CloudWatch alarm notification: no AlarmName" };
    const newState = state(doc.NewStateValue);
    if (newState === undefined) return { ok: false, reason: `NewStateValue is not one of ${ALARM_STATES.join(", ")}` };
    const changedAt = parseAwsTime(doc.StateChangeTime);
    if (changedAt === undefined) return { ok: false, reason: "StateChangeTime is not a timestamp" };
    const reason = typeof doc.NewStateReason === "string" ? doc.NewStateReason : undefined;
    if (reason === undefined) return { ok: false, reason: "NewStateReason is missing" };
    return {
        ok: true,
        value: {
            name,
            description: str(doc.AlarmDescription),
            state: newState,
            previousState: state(doc.OldStateValue),
            reason,
            changedAt,
            region: regionOfArn(doc.AlarmArn),
            accountId: accountIdOf(doc.AWSAccountId),
            condition: snsCondition(isObject(doc.Trigger) ? doc.Trigger : {}),
        },
    };
}

export interface AlarmOwner {
    readonly service: string;
    /** What the alarm watches, e.g. `5xx`, `deploy-p99`. */
    readonly what: string;
}

/**
 * Splits `<app>-<env>-<service>-<what>` (e.g. `demo-live-web-deploy-5xx`: service `web`, what
 * `deploy-5xx`). App and environment are known, so they are matched, not guessed; a service with a
 * hyphen in its name is recognised when it is listed in `serviceNames`. Undefined when the name
 * does not follow the pattern: such an alarm is still posted, under its raw name.
 */
export function parseAlarmName(name: string, appName: string, environment: string, serviceNames: readonly string[]): AlarmOwner | undefined {
    const prefix = `${appName}-${environment}-`;
    if (!name.startsWith(prefix)) return undefined;
    const rest = name.slice(prefix.length);
    const known = serviceNames.find((s) => rest.startsWith(`${s}-`) && rest.length > s.length + 1);
    const cut = known !== undefined ? known.length : rest.indexOf("-");
    if (cut <= 0 || cut >= rest.length - 1) return undefined;
    return { service: rest.slice(0, cut), what: rest.slice(cut + 1) };
}

/** The alarm's page in the CloudWatch console. */
export function consoleUrl(region: string, alarmName: string): string {
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

const OPERATORS: Readonly<Record<string, string>> = {
    GreaterThanThreshold: ">",
    GreaterThanOrEqualToThreshold: ">=",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
    LessThanLowerOrGreaterThanUpperThreshold: "outside the anomaly band",
    LessThanLowerThreshold: "below the anomaly band",
    GreaterThanUpperThreshold: "above the anomaly band",
};

/** `AVERAGE` (as SNS spells it) -> `Average`, `SAMPLE_COUNT` -> `SampleCount`; `p99` stays. */
function statisticName(stat: string): string {
    return /^[A-Z_]+$/.test(stat) ? stat.toLowerCase().replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase()) : stat;
}

/** `, over 3 periods of 60 s`; SNS notifications carry no DatapointsToAlarm, so "M of N" only when it is known. */
function evaluation(c: Condition): string {
    const of = c.period === undefined ? "" : ` of ${c.period} s`;
    if (c.evaluationPeriods === undefined) return of === "" ? "" : `, period ${c.period} s`;
    const n = c.evaluationPeriods;
    return `, ${c.datapointsToAlarm === undefined ? "over" : `${c.datapointsToAlarm} of`} ${n} period${n === 1 ? "" : "s"}${of}`;
}

/** One line saying what the alarm watches and when it fires, e.g. `AWS/EC2 NetworkOut (InstanceId=i-1): Average > 0, 1 of 1 periods of 60 s`. */
export function describeCondition(c: Condition): string {
    const op = c.comparisonOperator === undefined ? undefined : (OPERATORS[c.comparisonOperator] ?? c.comparisonOperator);
    const when = op === undefined ? "" : op.includes("band") || c.threshold === undefined ? ` ${op}` : ` ${op} ${c.threshold}`;
    const tail = `${when}${evaluation(c)}`;
    if (c.metrics.length > 0) {
        const result = c.metrics.find((m) => m.returnData) ?? c.metrics[0];
        const title = result.label ?? result.expression ?? result.metricName ?? result.id ?? "metric math";
        const formula = result.label !== undefined && result.expression !== undefined ? ` = ${result.expression}` : "";
        const inputs = [...new Set(c.metrics.filter((m) => m.metricName !== undefined).map((m) => `${m.namespace ?? ""} ${m.metricName}`.trim()))];
        return `${title}${formula}${tail}${inputs.length > 0 ? ` (from ${inputs.join(", ")})` : ""}`;
    }
    const dims = c.dimensions.length > 0 ? ` (${c.dimensions.map((d) => `${d.name}=${d.value}`).join(", ")})` : "";
    const metric = [c.namespace, c.metricName].filter((p) => p !== undefined).join(" ") || "unknown metric";
    const how = `${c.statistic === undefined ? "" : ` ${statisticName(c.statistic)}`}${tail}`;
    return how === "" ? `${metric}${dims}` : `${metric}${dims}:${how}`;
}
