/**
 * Replays a queue worker's scaling (components/containerService.ts, backlogScaling) on per-minute
 * data, from the recorded policies and alarms only: every value comes from the metric math
 * evaluator (./metricMath.ts) on the recorded expressions, so a wrong expression, threshold, step
 * or target shows as a wrong task count.
 *
 * What it models of AWS (Application Auto Scaling user guide): a step scaling alarm fires when its
 * last `datapointsToAlarm` values breach (a missing value counts as the alarm's treatMissingData
 * says) and sets the capacity of the step whose interval holds value - threshold (lower bound
 * inclusive, upper exclusive), clamped to min and max; target tracking sets
 * ceil(capacity x metric / target) when tasks run, scaling out at once and in after its
 * scale-in alarm's 15 consecutive minutes below the target, never below one task (it cannot
 * reach zero from a running count's ratio: the idle policy does).
 */
import { Recorded } from "../../offline/graph";
import { evaluate } from "./metricMath";

type Minute = Readonly<Record<string, number>>;

interface StepAlarm {
    readonly expression: string;
    readonly threshold: number;
    readonly comparison: string;
    readonly datapoints: number;
    readonly missing: string;
    readonly steps: readonly { lower?: number; upper?: number; capacity: number }[];
}

export class ScalingReplay {
    capacity: number;
    private readonly min: number;
    private readonly max: number;
    private readonly alarms: StepAlarm[];
    private readonly history = new Map<StepAlarm, (number | undefined)[]>();
    private readonly target: { expression: string; value: number };
    private below = 0;

    /** `target` is the scalable target, `policies` its policies, `alarms` the alarms whose actions name them. */
    constructor(target: Recorded, policies: readonly Recorded[], alarms: readonly Recorded[], capacity: number) {
        this.capacity = capacity;
        this.min = target.inputs.minCapacity as number;
        this.max = target.inputs.maxCapacity as number;
        const tracking = policies.find((p) => p.inputs.policyType === "TargetTrackingScaling");
        if (!tracking) throw new Error("no target tracking policy");
        const cfg = tracking.inputs.targetTrackingScalingPolicyConfiguration as {
            targetValue: number;
            customizedMetricSpecification: { metrics: { expression?: string; returnData?: boolean }[] };
        };
        const returned = cfg.customizedMetricSpecification.metrics.filter((m) => m.returnData);
        if (returned.length !== 1 || !returned[0].expression) throw new Error("target tracking returns one expression");
        this.target = { expression: returned[0].expression, value: cfg.targetValue };
        this.alarms = alarms.map((a) => {
            const actions = a.inputs.alarmActions as string[];
            const policy = policies.find((p) => actions.includes(p.outputs.arn as string));
            if (!policy) throw new Error(`${a.name} names no policy of the target`);
            const step = policy.inputs.stepScalingPolicyConfiguration as {
                adjustmentType: string;
                stepAdjustments: { metricIntervalLowerBound?: string; metricIntervalUpperBound?: string; scalingAdjustment: number }[];
            };
            if (step.adjustmentType !== "ExactCapacity") throw new Error(`${policy.name}: ${step.adjustmentType}`);
            const queries = a.inputs.metricQueries as { expression?: string; returnData?: boolean }[];
            return {
                expression: queries.find((q) => q.returnData)?.expression as string,
                threshold: a.inputs.threshold as number,
                comparison: a.inputs.comparisonOperator as string,
                datapoints: a.inputs.datapointsToAlarm as number,
                missing: a.inputs.treatMissingData as string,
                steps: step.stepAdjustments.map((s) => ({
                    lower: s.metricIntervalLowerBound === undefined ? undefined : Number(s.metricIntervalLowerBound),
                    upper: s.metricIntervalUpperBound === undefined ? undefined : Number(s.metricIntervalUpperBound),
                    capacity: s.scalingAdjustment,
                })),
            };
        });
    }

    /** One minute in which `visible` messages wait and `inflight` are being worked on, with the tasks the last minute left running. */
    queue(visible: number, inflight = 0): number {
        return this.minute({ visible, inflight, running: this.capacity });
    }

    /** One minute of data (metric ids `visible`, `inflight`, `running`; an absent id has no datapoint). Returns the capacity after it. */
    minute(data: Minute): number {
        for (const alarm of this.alarms) {
            const values = [...(this.history.get(alarm) ?? []), evaluate(alarm.expression, data)];
            this.history.set(alarm, values);
            const last = values.slice(-alarm.datapoints);
            const breach = (v: number | undefined) =>
                v === undefined
                    ? alarm.missing === "breaching"
                    : alarm.comparison === "GreaterThanThreshold"
                      ? v > alarm.threshold
                      : alarm.comparison === "LessThanThreshold"
                        ? v < alarm.threshold
                        : false;
            if (last.length < alarm.datapoints || !last.every(breach)) continue;
            const v = last[last.length - 1];
            const delta = (v ?? alarm.threshold) - alarm.threshold;
            const step = alarm.steps.find((s) => (s.lower === undefined || delta >= s.lower) && (s.upper === undefined || delta < s.upper));
            if (step) this.capacity = Math.min(this.max, Math.max(this.min, step.capacity));
        }
        const metric = evaluate(this.target.expression, data);
        // Target tracking acts on a running count: with no task running, the wake policy does.
        if (this.capacity > 0 && (data.running ?? 0) > 0 && metric !== undefined && Number.isFinite(metric)) {
            const wanted = Math.min(this.max, Math.max(1, this.min, Math.ceil((this.capacity * metric) / this.target.value)));
            this.below = metric < this.target.value * 0.9 ? this.below + 1 : 0;
            if (wanted > this.capacity) this.capacity = wanted;
            else if (wanted < this.capacity && this.below >= 15) this.capacity = wanted;
        }
        return this.capacity;
    }
}
