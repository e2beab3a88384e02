/**
 * The metrics of one check, as a CloudWatch embedded metric format (EMF) document: a JSON log
 * line that CloudWatch Logs turns into metrics when Lambda ships it from stdout. No API call, no
 * SDK, no IAM permission beyond writing the function's own logs.
 *
 * Specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * - `_aws.Timestamp`: epoch milliseconds the datapoints are filed under;
 * - `_aws.CloudWatchMetrics[]`: directives with `Namespace`, `Dimensions` (arrays of dimension
 *   keys) and `Metrics` (`Name`, `Unit`), each name referring to a member of the root;
 * - the dimension values and metric values as root members; any other root member is kept in the
 *   log (searchable in Logs Insights) and not extracted.
 */

/** 1 when the endpoint answered as expected, else 0. Alarm on `Minimum < 1`. */
export const SUCCESS_METRIC = "Success";
/** Milliseconds from sending the request to the last byte of the body; published only with `Success` 1. */
export const LATENCY_METRIC = "Latency";
/** The one dimension set every datapoint carries, in this order. */
export const DIMENSIONS = ["Environment", "Endpoint"] as const;

export interface CheckMetrics {
    readonly namespace: string;
    /** Epoch milliseconds. */
    readonly timestamp: number;
    readonly environment: string;
    readonly endpoint: string;
    readonly success: boolean;
    /** Set only with success: a failed request's duration is a timeout or a refusal, not the endpoint's latency. */
    readonly latencyMs?: number;
}

/** The EMF document of one check. Callers may add other members for the log; they must not reuse these names. */
export function metricsDocument(m: CheckMetrics): Readonly<Record<string, unknown>> {
    const latency = m.success && m.latencyMs !== undefined;
    return {
        _aws: {
            Timestamp: m.timestamp,
            CloudWatchMetrics: [
                {
                    Namespace: m.namespace,
                    Dimensions: [[...DIMENSIONS]],
                    Metrics: [{ Name: SUCCESS_METRIC, Unit: "Count" }, ...(latency ? [{ Name: LATENCY_METRIC, Unit: "Milliseconds" }] : [])],
                },
            ],
        },
        Environment: m.environment,
        Endpoint: m.endpoint,
        [SUCCESS_METRIC]: m.success ? 1 : 0,
        ...(latency ? { [LATENCY_METRIC]: m.latencyMs } : {}),
    };
}
