/**
 * Alarms nobody handled: every metric alarm under the name prefix that is in ALARM, read page by
 * page from DescribeAlarms so that no more than one page (at most 100 alarms) is held at a time.
 *
 * Composite alarms are left out. Their children are metric alarms under the same prefix, which are
 * reminded of already; and DescribeAlarms returns composite alarms only to a caller whose
 * permission is scoped to `*` (CloudWatch API reference, DescribeAlarms), while metric alarms alone
 * let the function's role be limited to the alarms under the prefix.
 */

import { DescribeAlarmsCommand, type CloudWatchClient, type MetricAlarm } from "@aws-sdk/client-cloudwatch";

import { accountIdOf, regionOfArn, type AlarmView } from "./alarm";

/**
 * An alarm whose every action is an Application Auto Scaling policy
 * (`arn:aws:autoscaling:<region>:<account>:scalingPolicy:...`) starts or stops tasks, as the target
 * tracking alarms AWS creates do: a queue worker's wake and idle alarms sit in ALARM for as long as
 * its queue is empty, which is nothing to remind anyone of.
 */
export function isScalingTrigger(alarm: Pick<MetricAlarm, "AlarmActions">): boolean {
    const actions = alarm.AlarmActions ?? [];
    return actions.length > 0 && actions.every((a) => /^arn:aws[a-z-]*:autoscaling:[^:]*:\d*:scalingPolicy:/.test(a));
}

/** The largest page DescribeAlarms returns. */
export const PAGE_SIZE = 100;

export async function* alarmsInAlarm(client: CloudWatchClient, prefix: string): AsyncGenerator<MetricAlarm> {
    let token: string | undefined;
    do {
        const page = await client.send(
            new DescribeAlarmsCommand({ StateValue: "ALARM", AlarmNamePrefix: prefix, AlarmTypes: ["MetricAlarm"], MaxRecords: PAGE_SIZE, NextToken: token }),
        );
        yield* (page.MetricAlarms ?? []).filter((a) => !isScalingTrigger(a));
        token = page.NextToken;
    } while (token);
}

/**
 * The alarm as a message shows it, or undefined without a name or a time. The time is when the
 * state last changed (StateTransitionedTimestamp); StateUpdatedTimestamp also moves when only the
 * evaluation state changes, so it is the fallback.
 */
export function alarmView(alarm: MetricAlarm): AlarmView | undefined {
    const changedAt = (alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp)?.getTime();
    if (alarm.AlarmName === undefined || changedAt === undefined || !Number.isFinite(changedAt)) return undefined;
    return {
        name: alarm.AlarmName,
        description: alarm.AlarmDescription || undefined,
        state: "ALARM",
        reason: alarm.StateReason ?? "",
        changedAt,
        region: regionOfArn(alarm.AlarmArn),
        accountId: accountIdOf(alarm.AlarmArn?.split(":")[4]),
        condition: {
            namespace: alarm.Namespace,
            metricName: alarm.MetricName,
            statistic: alarm.ExtendedStatistic ?? alarm.Statistic,
            dimensions: (alarm.Dimensions ?? []).map((d) => ({ name: d.Name ?? "", value: d.Value ?? "" })),
            period: alarm.Period,
            evaluationPeriods: alarm.EvaluationPeriods,
            datapointsToAlarm: alarm.DatapointsToAlarm,
            comparisonOperator: alarm.ComparisonOperator,
            threshold: alarm.Threshold,
            metrics: (alarm.Metrics ?? []).map((m) => ({
                id: m.Id,
                expression: m.Expression,
                label: m.Label,
                returnData: m.ReturnData !== false,
                namespace: m.MetricStat?.Metric?.Namespace,
                metricName: m.MetricStat?.Metric?.MetricName,
            })),
        },
    };
}
