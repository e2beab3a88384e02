/**
 * The contract between Amazon ECS and a Lambda lifecycle hook, as documented in "Lambda hooks for
 * Amazon ECS service deployments" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html):
 * the event ECS sends, the answer it expects, and a validator for the event.
 *
 * The validator is strict about the documented fields and ignores any others, so a field AWS adds
 * later does not block deployments, while a payload we cannot read is never taken as a green light.
 */

/** Every stage a Lambda hook can be registered at ("Supported lifecycle stages" on the same page). */
export const LIFECYCLE_STAGES = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Service revision ARN -> traffic weight in percent. */
export type TrafficWeights = Readonly<Record<string, number>>;

export interface LifecycleHookEvent {
    readonly executionId: string;
    readonly lifecycleStage: LifecycleStage;
    readonly resourceArn: string;
    readonly executionDetails: {
        readonly serviceArn: string;
        readonly targetServiceRevisionArn: string;
        readonly testTrafficWeights: TrafficWeights;
        readonly productionTrafficWeights: TrafficWeights;
    };
    /** Set on the service's hook configuration and/or returned with an earlier IN_PROGRESS; ECS merges both. */
    readonly hookDetails?: Readonly<Record<string, unknown>>;
}

export type HookResponse =
    | { readonly hookStatus: "SUCCEEDED" }
    | { readonly hookStatus: "FAILED" }
    /** ECS invokes the function again after callBackDelay seconds (30 when omitted) with hookDetails merged into the event. */
    | { readonly hookStatus: "IN_PROGRESS"; readonly callBackDelay: number; readonly hookDetails: Readonly<Record<string, unknown>> };

export class InvalidEventError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InvalidEventError";
    }
}

/** Documented execution IDs are UUIDs; this also keeps the value safe to send as a header and to log. */
const EXECUTION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ARN = /^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S{1,1024}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function arn(value: unknown, field: string): string {
    if (typeof value !== "string" || !ARN.test(value)) throw new InvalidEventError(`${field} is not an ARN`);
    return value;
}

function weights(value: unknown, field: string): TrafficWeights {
    if (!isRecord(value)) throw new InvalidEventError(`${field} is not an object`);
    for (const [revision, weight] of Object.entries(value)) {
        if (!ARN.test(revision)) throw new InvalidEventError(`${field} has a key that is not an ARN`);
        if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0 || weight > 100)
            throw new InvalidEventError(`${field} has a weight that is not a number from 0 to 100`);
    }
    return value as TrafficWeights;
}

/** Returns the event typed, or throws InvalidEventError naming the first field that is wrong (never echoing its value). */
export function parseEvent(event: unknown): LifecycleHookEvent {
    if (!isRecord(event)) throw new InvalidEventError("event is not an object");
    const { executionId, lifecycleStage, resourceArn, executionDetails, hookDetails } = event;
    if (typeof executionId !== "string" || !EXECUTION_ID.test(executionId))
        throw new InvalidEventError("executionId is not an identifier of 1 to 128 letters, digits and . _ : -");
    if (typeof lifecycleStage !== "string" || !(LIFECYCLE_STAGES as readonly string[]).includes(lifecycleStage))
        throw new InvalidEventError(`lifecycleStage is not one of ${LIFECYCLE_STAGES.join(", ")}`);
    if (!isRecord(executionDetails)) throw new InvalidEventError("executionDetails is not an object");
    if (hookDetails !== undefined && hookDetails !== null && !isRecord(hookDetails)) throw new InvalidEventError("hookDetails is not an object");
    return {
        executionId,
        lifecycleStage: lifecycleStage as LifecycleStage,
        resourceArn: arn(resourceArn, "resourceArn"),
        executionDetails: {
            serviceArn: arn(executionDetails.serviceArn, "executionDetails.serviceArn"),
            targetServiceRevisionArn: arn(executionDetails.targetServiceRevisionArn, "executionDetails.targetServiceRevisionArn"),
            testTrafficWeights: weights(executionDetails.testTrafficWeights, "executionDetails.testTrafficWeights"),
            productionTrafficWeights: weights(executionDetails.productionTrafficWeights, "executionDetails.productionTrafficWeights"),
        },
        ...(isRecord(hookDetails) ? { hookDetails } : {}),
    };
}
