/**
 * The decision: given an ECS lifecycle event, answer SUCCEEDED only when every smoke check passed
 * in `attempts` consecutive rounds against the test listener; FAILED (ECS rolls back) on any
 * failure or on an event that cannot be trusted; IN_PROGRESS (ECS calls again) only while the
 * revision has not been judged yet, a bounded number of times.
 */

import { runRounds, type RoundsOutcome } from "./checks";
import type { SmokeConfig } from "./config";
import { InvalidEventError, parseEvent, type HookResponse, type LifecycleHookEvent } from "./event";
import { createLog, type Log } from "../lib/log";

/**
 * The one stage this hook runs at. Per the ECS docs it comes once per deployment, after the test
 * listener sends all its traffic to the green revision and before any production traffic moves,
 * and it is not invoked again during a rollback (only TEST_TRAFFIC_SHIFT and
 * PRODUCTION_TRAFFIC_SHIFT are).
 */
export const SMOKE_STAGE = "POST_TEST_TRAFFIC_SHIFT";

/** Seconds ECS waits before calling again after IN_PROGRESS: the documented default, stated explicitly. */
export const CALLBACK_DELAY_SECONDS = 30;
/** IN_PROGRESS answers per deployment before giving up with FAILED, so a stuck deployment rolls back within minutes, not hours. */
export const MAX_IN_PROGRESS = 5;
/** Key in hookDetails that counts our IN_PROGRESS answers; ECS passes it back on the next call. */
export const IN_PROGRESS_KEY = "smokeHookInProgressCount";
/** Time kept back from the Lambda's remaining time to log and return the answer. */
export const BUDGET_RESERVE_MS = 500;

/** The part of the Lambda context this hook uses. */
export interface LambdaContext {
    getRemainingTimeInMillis(): number;
}

export type Handler = (event: unknown, context?: LambdaContext) => Promise<HookResponse>;

export interface HandlerOptions {
    /** @default JSON lines on stdout */
    readonly log?: Log;
}

const SUCCEEDED: HookResponse = { hookStatus: "SUCCEEDED" };
const FAILED: HookResponse = { hookStatus: "FAILED" };

function inProgressCount(event: LifecycleHookEvent): number {
    const value = event.hookDetails?.[IN_PROGRESS_KEY];
    if (value === undefined) return 0;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
        throw new InvalidEventError(`hookDetails.${IN_PROGRESS_KEY} is not a non-negative integer`);
    return value;
}

/**
 * The docs show empty weights at POST_TEST_TRAFFIC_SHIFT ("the green service revision is
 * handling 100% of test traffic"). If ECS does send weights, they must give the green revision
 * all of the test traffic, or the test listener may still answer from blue.
 */
function testTrafficOnGreen(event: LifecycleHookEvent): boolean {
    const { testTrafficWeights, targetServiceRevisionArn } = event.executionDetails;
    return Object.keys(testTrafficWeights).length === 0 || testTrafficWeights[targetServiceRevisionArn] === 100;
}

export function createHandler(config: SmokeConfig, options: HandlerOptions = {}): Handler {
    const log = options.log ?? createLog();

    return async (rawEvent, context) => {
        const started = Date.now();
        let event: LifecycleHookEvent;
        let count: number;
        try {
            event = parseEvent(rawEvent);
            count = inProgressCount(event);
        } catch (err) {
            // A hook must never let an unverified revision through, so an unreadable event fails it.
            const problem = err instanceof InvalidEventError ? err.message : `unexpected error: ${String(err)}`;
            log("error", "smoke hook result", { hookStatus: "FAILED", reason: `invalid event: ${problem}` });
            return FAILED;
        }

        const fields = { executionId: event.executionId, lifecycleStage: event.lifecycleStage };
        const answer = (response: HookResponse, reason: string, extra: Readonly<Record<string, unknown>> = {}): HookResponse => {
            log(response.hookStatus === "FAILED" ? "error" : "info", "smoke hook result", {
                ...fields,
                targetServiceRevisionArn: event.executionDetails.targetServiceRevisionArn,
                hookStatus: response.hookStatus,
                reason,
                ...extra,
                durationMs: Date.now() - started,
            });
            return response;
        };
        /** Not judged yet: ask ECS to call again, unless we have asked too often already. */
        const notYet = (reason: string, extra: Readonly<Record<string, unknown>> = {}): HookResponse =>
            count >= MAX_IN_PROGRESS
                ? answer(FAILED, `${reason}; gave up after ${MAX_IN_PROGRESS} IN_PROGRESS answers`, extra)
                : answer({ hookStatus: "IN_PROGRESS", callBackDelay: CALLBACK_DELAY_SECONDS, hookDetails: { [IN_PROGRESS_KEY]: count + 1 } }, reason, extra);

        try {
            if (event.lifecycleStage !== SMOKE_STAGE)
                return answer(
                    FAILED,
                    `this hook must be registered at ${SMOKE_STAGE} only: at other stages the test listener may not route to the green revision`,
                );
            if (!testTrafficOnGreen(event)) return notYet("test traffic has not fully shifted to the target revision");

            const remaining = context?.getRemainingTimeInMillis();
            const deadline = remaining === undefined ? Number.POSITIVE_INFINITY : started + remaining - BUDGET_RESERVE_MS;
            const outcome: RoundsOutcome = await runRounds({
                config,
                // Lets the app's logs (and the ALB's) tell smoke traffic apart; the execution ID ties it to this deployment.
                headers: { "user-agent": "ecs-smoke-hook", "x-smoke-test": event.executionId },
                deadline,
                log,
                logFields: fields,
            });
            switch (outcome.kind) {
                case "passed":
                    return answer(SUCCEEDED, `every check passed in ${config.attempts} consecutive rounds`, { requests: outcome.requests });
                case "failed":
                    return answer(FAILED, `a check failed in round ${outcome.round}`, { requests: outcome.requests });
                case "outOfBudget":
                    return notYet(
                        outcome.requests === 0
                            ? `the Lambda's remaining time cannot cover one request of ${config.timeoutMs} ms: raise the function's timeout`
                            : `ran out of time after ${outcome.roundsPassed} passed rounds; all rounds run again on the next call`,
                        { requests: outcome.requests },
                    );
            }
        } catch (err) {
            // A bug here must not read as success either.
            return answer(FAILED, `unexpected error: ${err instanceof Error ? err.message : String(err)}`);
        }
    };
}
