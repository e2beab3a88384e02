/**
 * Did ECS really roll out the task definition that `pulumi up` just registered?
 *
 * `pulumi up` waits for the service to be stable (waitForSteadyState), but a service that the
 * deployment circuit breaker or a CloudWatch alarm rolled back is stable too: on the OLD task
 * definition. So after every deploy we ask ECS what became of the deployment.
 *
 * Source of truth: ECS service deployments (`describe-services` -> `currentServiceDeployment`,
 * `describe-service-deployments`, `describe-service-revisions`). AWS documents them for rolling
 * and ECS-native blue/green deployments alike (lifecycle stages from RECONCILE_SERVICE through
 * TEST_TRAFFIC_SHIFT and BAKE_TIME to CLEAN_UP), and a rollback is recorded on the deployment
 * itself (status ROLLBACK_SUCCESSFUL, `rollback.reason`, the circuit breaker's failure count, the
 * alarms that fired) instead of by the failed entry disappearing from `deployments[]`. The older
 * `deployments[]`/`rolloutState` of describe-services is only documented for rolling updates, so it
 * is the fallback for services that have no `currentServiceDeployment` (created before service
 * deployments existed, or in a partition without them).
 *
 * Everything that decides is a pure function over the JSON the AWS CLI prints; the poll loop takes
 * its clock and its AWS runner as arguments.
 */
import { EXIT } from "./errors";
import { Runner, runAws } from "./runner";

// ---- The API shapes we read (subsets of the ECS API reference, field names unchanged) ----

/** ECS `ServiceRevisionSummary`. */
export interface ServiceRevisionSummary {
    readonly arn?: string;
    readonly requestedTaskCount?: number;
    readonly runningTaskCount?: number;
    readonly pendingTaskCount?: number;
}

/** ECS `ServiceDeployment` (describe-service-deployments). */
export interface ServiceDeployment {
    readonly serviceDeploymentArn?: string;
    readonly status?: string;
    readonly statusReason?: string;
    readonly lifecycleStage?: string;
    readonly targetServiceRevision?: ServiceRevisionSummary;
    readonly sourceServiceRevisions?: readonly ServiceRevisionSummary[];
    readonly rollback?: { readonly reason?: string; readonly serviceRevisionArn?: string };
    readonly deploymentCircuitBreaker?: { readonly status?: string; readonly failureCount?: number; readonly threshold?: number };
    readonly alarms?: { readonly status?: string; readonly alarmNames?: readonly string[]; readonly triggeredAlarmNames?: readonly string[] };
    readonly deploymentConfiguration?: { readonly strategy?: string };
}

/** ECS `Deployment` (the classic `deployments[]` of describe-services). */
export interface ClassicDeployment {
    readonly id?: string;
    readonly status?: string;
    readonly taskDefinition?: string;
    readonly desiredCount?: number;
    readonly runningCount?: number;
    readonly failedTasks?: number;
    readonly rolloutState?: string;
    readonly rolloutStateReason?: string;
}

/** ECS `Service` (describe-services). */
export interface EcsService {
    readonly serviceName?: string;
    readonly status?: string;
    readonly taskDefinition?: string;
    readonly currentServiceDeployment?: string;
    readonly deployments?: readonly ClassicDeployment[];
}

interface Failure {
    readonly arn?: string;
    readonly reason?: string;
    readonly detail?: string;
}

export interface DescribeServicesOutput {
    readonly services?: readonly EcsService[];
    readonly failures?: readonly Failure[];
}
export interface DescribeServiceDeploymentsOutput {
    readonly serviceDeployments?: readonly ServiceDeployment[];
    readonly failures?: readonly Failure[];
}
export interface DescribeServiceRevisionsOutput {
    readonly serviceRevisions?: readonly { readonly serviceRevisionArn?: string; readonly taskDefinition?: string }[];
    readonly failures?: readonly Failure[];
}

/** What one poll saw: the three answers, exactly as the AWS CLI printed them. */
export interface RolloutSnapshot {
    readonly services: DescribeServicesOutput;
    /** Absent when the service has no `currentServiceDeployment`. */
    readonly deployments?: DescribeServiceDeploymentsOutput;
    readonly revisions?: DescribeServiceRevisionsOutput;
}

export type RolloutState = "succeeded" | "in-progress" | "rolled-back" | "failed";

export interface Judgement {
    readonly state: RolloutState;
    readonly message: string;
}

/** Exit code of `release.ts verify-rollout` for a final judgement. */
export function exitCodeOf(state: RolloutState): number {
    return state === "succeeded" ? EXIT.OK : state === "rolled-back" ? EXIT.ROLLED_BACK : EXIT.FAILED;
}

// ---- Judgement ----

/** `arn:aws:ecs:...:task-definition/demo-alpha-web:42` -> `demo-alpha-web:42`, for messages. */
export function shortTaskDefinition(arn: string | undefined): string {
    if (!arn) return "an unknown task definition";
    return arn.includes("task-definition/") ? arn.slice(arn.indexOf("task-definition/") + "task-definition/".length) : arn;
}

function lastPart(arn: string | undefined): string {
    return arn ? arn.slice(arn.lastIndexOf("/") + 1) : "?";
}

/** The evidence ECS gives for a failure: circuit breaker counts and the alarms in ALARM. */
function evidence(d: ServiceDeployment): string {
    const parts: string[] = [];
    const cb = d.deploymentCircuitBreaker;
    if (cb?.status === "TRIGGERED" || (cb?.failureCount ?? 0) > 0) {
        parts.push(`circuit breaker ${cb?.status ?? "?"} after ${cb?.failureCount ?? "?"} failed tasks (threshold ${cb?.threshold ?? "?"})`);
    }
    const alarms = d.alarms?.triggeredAlarmNames ?? [];
    if (d.alarms?.status === "TRIGGERED" || alarms.length > 0) parts.push(`alarms in ALARM: ${alarms.length > 0 ? alarms.join(", ") : "?"}`);
    return parts.length > 0 ? `; ${parts.join("; ")}` : "";
}

function progress(d: ServiceDeployment): string {
    const t = d.targetServiceRevision;
    const tasks = t?.requestedTaskCount !== undefined ? `, ${t.runningTaskCount ?? 0}/${t.requestedTaskCount} tasks running` : "";
    return `${d.lifecycleStage ? `stage ${d.lifecycleStage}` : "no stage yet"}${tasks}`;
}

const SEE_EVENTS = "see the service's events (aws ecs describe-services) and the stopped tasks' reasons";

/** Judges the service's current ECS service deployment. */
function judgeServiceDeployment(
    service: EcsService,
    d: ServiceDeployment,
    revisions: DescribeServiceRevisionsOutput | undefined,
    taskDefinitionArn: string,
): Judgement {
    const td = shortTaskDefinition(taskDefinitionArn);
    const taskDefinitionOf = (revisionArn: string | undefined) =>
        revisions?.serviceRevisions?.find((r) => r.serviceRevisionArn === revisionArn)?.taskDefinition;
    const id = `deployment ${lastPart(d.serviceDeploymentArn)}`;
    const target = taskDefinitionOf(d.targetServiceRevision?.arn);
    if (!target) {
        return { state: "in-progress", message: `${id}: waiting for ECS to describe its target revision ${d.targetServiceRevision?.arn ?? "(none yet)"}` };
    }
    if (target !== taskDefinitionArn) {
        return {
            state: "failed",
            message: `service ${service.serviceName}'s current ${id} targets ${shortTaskDefinition(target)} (${d.status}), not ${td}: this release is not what runs; another deployment replaced it, or ECS rolled it back; ${SEE_EVENTS}`,
        };
    }
    const strategy = d.deploymentConfiguration?.strategy ? ` (${d.deploymentConfiguration.strategy})` : "";
    const reason = d.statusReason ? `: ${d.statusReason}` : "";
    switch (d.status) {
        case "PENDING":
        case "IN_PROGRESS":
            return { state: "in-progress", message: `${id}${strategy} of ${td} is ${d.status}, ${progress(d)}` };
        case "STOP_REQUESTED":
            return { state: "in-progress", message: `${id} of ${td}: a stop was requested${reason}` };
        case "ROLLBACK_REQUESTED":
        case "ROLLBACK_IN_PROGRESS":
            return { state: "in-progress", message: `${id} of ${td} failed and ECS is rolling back (${d.status})${reason}${evidence(d)}` };
        case "SUCCESSFUL": {
            const t = d.targetServiceRevision;
            const tasks = t?.requestedTaskCount !== undefined ? `: ${t.runningTaskCount ?? 0}/${t.requestedTaskCount} tasks running` : "";
            return { state: "succeeded", message: `${id}${strategy} of ${td} completed${tasks}` };
        }
        case "ROLLBACK_SUCCESSFUL": {
            const back = d.rollback?.serviceRevisionArn;
            const old = taskDefinitionOf(back) ?? taskDefinitionOf(d.sourceServiceRevisions?.[0]?.arn);
            const to = old ? shortTaskDefinition(old) : (back ?? "the previous revision");
            return {
                state: "rolled-back",
                message: `ECS rolled back ${id} of ${td}: ${d.rollback?.reason ?? d.statusReason ?? "no reason given"}${evidence(d)}; the service runs ${to} again. This release did not go out; ${SEE_EVENTS}`,
            };
        }
        case "ROLLBACK_FAILED":
            return {
                state: "failed",
                message: `${id} of ${td} failed and so did ECS's rollback${reason}${evidence(d)}; the service may be running neither revision: act now, ${SEE_EVENTS}`,
            };
        case "STOPPED":
            return { state: "failed", message: `${id} of ${td} was stopped before it completed${reason}${evidence(d)}` };
        default:
            return { state: "failed", message: `${id} of ${td} has a status this tool does not know: ${d.status ?? "(none)"}${reason}` };
    }
}

/**
 * Fallback for services without service deployments: the classic `deployments[]`. After a circuit
 * breaker rollback it holds a new PRIMARY deployment on the old task definition (and, for a while,
 * the FAILED one); once the rollback completed, only the old one is left.
 */
function judgeClassicDeployments(service: EcsService, taskDefinitionArn: string): Judgement {
    const td = shortTaskDefinition(taskDefinitionArn);
    const deployments = service.deployments ?? [];
    const primary = deployments.find((d) => d.status === "PRIMARY");
    const ours = deployments.find((d) => d.taskDefinition === taskDefinitionArn);
    if (!primary) return { state: "in-progress", message: `service ${service.serviceName} has no PRIMARY deployment yet` };
    if (primary.taskDefinition !== taskDefinitionArn) {
        const runs = shortTaskDefinition(primary.taskDefinition);
        if (!ours || ours.rolloutState === "FAILED") {
            const why = ours?.rolloutStateReason ? `: ${ours.rolloutStateReason}` : "";
            return {
                state: "rolled-back",
                message: `ECS rolled back the deployment of ${td}${why}; the PRIMARY deployment runs ${runs} (${primary.rolloutState ?? primary.status}). This release did not go out; ${SEE_EVENTS}`,
            };
        }
        return {
            state: "failed",
            message: `a newer deployment of ${runs} replaced the deployment of ${td} before it completed; this release is not what runs`,
        };
    }
    const counts = `${primary.runningCount ?? 0}/${primary.desiredCount ?? "?"} tasks running`;
    if (primary.rolloutState === "FAILED") {
        return { state: "failed", message: `the deployment of ${td} failed: ${primary.rolloutStateReason ?? "no reason given"}; ${counts}` };
    }
    const stable = primary.rolloutState ? primary.rolloutState === "COMPLETED" : deployments.length === 1;
    if (stable && primary.runningCount === primary.desiredCount) {
        return { state: "succeeded", message: `the deployment of ${td} completed: ${counts}` };
    }
    return {
        state: "in-progress",
        message: `the deployment of ${td} is ${primary.rolloutState ?? "rolling out"}: ${counts}, ${deployments.length - 1} older deployment(s) still draining`,
    };
}

/** The judgement for one snapshot: has ECS rolled out `taskDefinitionArn`, is it still at it, or did it give up? */
export function judgeRollout(snapshot: RolloutSnapshot, taskDefinitionArn: string): Judgement {
    const service = snapshot.services.services?.[0];
    if (!service || service.status === "INACTIVE") {
        const failure = snapshot.services.failures?.[0];
        return { state: "failed", message: `ECS does not know the service${failure ? `: ${failure.reason ?? ""} ${failure.arn ?? ""}`.trimEnd() : ""}` };
    }
    if (!service.currentServiceDeployment) return judgeClassicDeployments(service, taskDefinitionArn);
    const current = snapshot.deployments?.serviceDeployments?.find((d) => d.serviceDeploymentArn === service.currentServiceDeployment);
    if (!current) {
        return { state: "in-progress", message: `waiting for ECS to describe the current deployment ${service.currentServiceDeployment}` };
    }
    return judgeServiceDeployment(service, current, snapshot.revisions, taskDefinitionArn);
}

// ---- Polling ----

/** Where and what to verify. */
export interface RolloutTarget {
    readonly cluster: string;
    readonly service: string;
    readonly taskDefinitionArn: string;
    /** Region of the cluster. @default the AWS CLI's (AWS_REGION) */
    readonly region?: string;
}

/** Reads one snapshot with the AWS CLI: describe-services, then the current deployment and its revisions. */
export async function fetchSnapshot(run: Runner, target: RolloutTarget): Promise<RolloutSnapshot> {
    const common = [...(target.region ? ["--region", target.region] : []), "--output", "json"];
    const services = (await runAws(run, [
        "ecs",
        "describe-services",
        "--cluster",
        target.cluster,
        "--services",
        target.service,
        ...common,
    ])) as DescribeServicesOutput;
    const current = services.services?.[0]?.currentServiceDeployment;
    if (!current) return { services };
    const deployments = (await runAws(run, [
        "ecs",
        "describe-service-deployments",
        "--service-deployment-arns",
        current,
        ...common,
    ])) as DescribeServiceDeploymentsOutput;
    const d = deployments.serviceDeployments?.[0];
    const arns = [
        ...new Set(
            [d?.targetServiceRevision?.arn, d?.rollback?.serviceRevisionArn, ...(d?.sourceServiceRevisions ?? []).map((s) => s.arn)].filter(
                (a): a is string => !!a,
            ),
        ),
    ].slice(0, 20); // the API's limit per call
    if (arns.length === 0) return { services, deployments };
    const revisions = (await runAws(run, [
        "ecs",
        "describe-service-revisions",
        "--service-revision-arns",
        ...arns,
        ...common,
    ])) as DescribeServiceRevisionsOutput;
    return { services, deployments, revisions };
}

/** Time, injected so that tests do not wait. */
export interface Clock {
    /** Milliseconds since some fixed point. */
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export interface VerifyOptions {
    readonly run: Runner;
    readonly clock: Clock;
    /** Give up after this long. @default 1800 (30 minutes: a blue/green bake time counts) */
    readonly timeoutSeconds?: number;
    /** Time between polls. @default 15 */
    readonly intervalSeconds?: number;
    /** Progress lines (each distinct judgement once). @default none */
    readonly log?: (line: string) => void;
}

/** Polls until the rollout of the target's task definition succeeded, was rolled back, failed or timed out. */
export async function verifyRollout(target: RolloutTarget, options: VerifyOptions): Promise<Judgement> {
    const timeoutMs = (options.timeoutSeconds ?? 1800) * 1000;
    const intervalMs = (options.intervalSeconds ?? 15) * 1000;
    const start = options.clock.now();
    let last = "";
    for (;;) {
        const judgement = judgeRollout(await fetchSnapshot(options.run, target), target.taskDefinitionArn);
        if (judgement.message !== last) options.log?.(`${judgement.state}: ${judgement.message}`);
        last = judgement.message;
        if (judgement.state !== "in-progress") return judgement;
        if (options.clock.now() - start + intervalMs > timeoutMs) {
            return {
                state: "failed",
                message: `timed out after ${Math.round((options.clock.now() - start) / 1000)} s waiting for ECS to roll out ${shortTaskDefinition(target.taskDefinitionArn)} on ${target.cluster}/${target.service}; last seen: ${judgement.message}`,
            };
        }
        await options.clock.sleep(intervalMs);
    }
}
