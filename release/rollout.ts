/**
 * Did ECS really roll out what `pulumi up` just deployed, for every service of the stack? Each
 * service is judged by the image the deploy set (the stack outputs name no task definition) or,
 * when named explicitly, by its task definition.
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
    /** Percent of production traffic ECS routes to this revision (blue/green, canary, linear). */
    readonly requestedProductionTrafficWeight?: number;
    readonly requestedTestTrafficWeight?: number;
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
    readonly deploymentConfiguration?: {
        readonly strategy?: string;
        readonly bakeTimeInMinutes?: number;
        readonly canaryConfiguration?: { readonly canaryPercent?: number; readonly canaryBakeTimeInMinutes?: number };
        readonly linearConfiguration?: { readonly stepPercent?: number; readonly stepBakeTimeInMinutes?: number };
        readonly alarms?: { readonly alarmNames?: readonly string[] };
    };
    readonly createdAt?: string;
    readonly startedAt?: string;
    readonly updatedAt?: string;
    readonly finishedAt?: string;
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

/** ECS `ContainerImage`: an image a service revision runs, with the digest ECS resolved for it. */
export interface ContainerImage {
    readonly containerName?: string;
    readonly image?: string;
    readonly imageDigest?: string;
}

/** ECS `ServiceRevision` (describe-service-revisions). */
export interface ServiceRevision {
    readonly serviceRevisionArn?: string;
    readonly taskDefinition?: string;
    readonly containerImages?: readonly ContainerImage[];
}

export interface DescribeServiceRevisionsOutput {
    readonly serviceRevisions?: readonly ServiceRevision[];
    readonly failures?: readonly Failure[];
}

/** describe-task-definition, as far as we read it: the images of the classic deployments' task definitions. */
export interface DescribeTaskDefinitionOutput {
    readonly taskDefinition?: {
        readonly taskDefinitionArn?: string;
        readonly containerDefinitions?: readonly { readonly name?: string; readonly image?: string }[];
    };
}

/** What one poll saw: the answers, exactly as the AWS CLI printed them. */
export interface RolloutSnapshot {
    readonly services: DescribeServicesOutput;
    /** Absent when the service has no `currentServiceDeployment`. */
    readonly deployments?: DescribeServiceDeploymentsOutput;
    readonly revisions?: DescribeServiceRevisionsOutput;
    /** The task definitions of the classic `deployments[]`, read only when the release is known by its image. */
    readonly taskDefinitions?: readonly DescribeTaskDefinitionOutput[];
}

/**
 * What the deploy put in place: the task definition revision it registered, or the image it set
 * (any revision whose containers run that image is the release: a deploy that changed nothing
 * else of the service, or nothing at all, is judged by the deployment that put the image there).
 */
export type Release = { readonly taskDefinitionArn: string; readonly image?: undefined } | { readonly image: string; readonly taskDefinitionArn?: undefined };

export type RolloutState = "succeeded" | "in-progress" | "rolled-back" | "failed";

export interface Judgement {
    readonly state: RolloutState;
    readonly message: string;
}

/** Exit code of `release.ts verify-rollout` for a final judgement. */
export function exitCodeOf(state: RolloutState): number {
    return state === "succeeded" ? EXIT.OK : state === "rolled-back" ? EXIT.ROLLED_BACK : EXIT.FAILED;
}

/**
 * Exit code for several services' final judgements: FAILED when any failed (that service's state
 * is unknown and needs someone now), else ROLLED_BACK when any rolled back (the release did not
 * go out; the previous one runs), else OK.
 */
export function exitCodeOfAll(states: readonly RolloutState[]): number {
    const codes = states.map(exitCodeOf);
    return codes.includes(EXIT.FAILED) ? EXIT.FAILED : codes.includes(EXIT.ROLLED_BACK) ? EXIT.ROLLED_BACK : EXIT.OK;
}

// ---- Judgement ----

/** `arn:aws:ecs:...:task-definition/demo-alpha-web:42` -> `demo-alpha-web:42`, for messages. */
export function shortTaskDefinition(arn: string | undefined): string {
    if (!arn) return "an unknown task definition";
    return arn.includes("task-definition/") ? arn.slice(arn.indexOf("task-definition/") + "task-definition/".length) : arn;
}

/** `registry/repository@sha256:<64 hex>` -> `repository@sha256:<12 hex>`, for messages. */
export function shortImage(image: string): string {
    const withoutRegistry = image.slice(image.indexOf("/") + 1);
    const at = withoutRegistry.indexOf("@sha256:");
    return at < 0 ? withoutRegistry : withoutRegistry.slice(0, at + "@sha256:".length + 12);
}

/** The repository part of an image reference: without `@digest` and without a `:tag` after the last `/`. */
function imageName(image: string): string {
    const name = image.replace(/@.*$/, "");
    const colon = name.lastIndexOf(":");
    return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

/** True when one of `images` is `image`: the same reference, or the same repository and digest (ECS reports the digest it resolved). */
function runsImage(images: readonly ContainerImage[] | undefined, image: string): boolean {
    const digest = /@(sha256:[a-f0-9]{64})$/.exec(image)?.[1];
    return (images ?? []).some(
        (c) =>
            c.image === image ||
            (digest !== undefined &&
                c.image !== undefined &&
                imageName(c.image) === imageName(image) &&
                (c.imageDigest ?? /@(sha256:.*)$/.exec(c.image)?.[1]) === digest),
    );
}

/** Is a revision of this task definition, running these images, the release? */
function isRelease(release: Release, taskDefinition: string | undefined, images: readonly ContainerImage[] | undefined): boolean {
    return release.taskDefinitionArn !== undefined ? taskDefinition === release.taskDefinitionArn : runsImage(images, release.image);
}

/** The release in messages: its task definition, or the task definition that runs its image and the image. */
function releaseName(release: Release, taskDefinition?: string): string {
    if (release.taskDefinitionArn !== undefined) return shortTaskDefinition(release.taskDefinitionArn);
    return taskDefinition ? `${shortTaskDefinition(taskDefinition)} (${shortImage(release.image)})` : shortImage(release.image);
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
function judgeServiceDeployment(service: EcsService, d: ServiceDeployment, revisions: DescribeServiceRevisionsOutput | undefined, release: Release): Judgement {
    const revision = (revisionArn: string | undefined) => revisions?.serviceRevisions?.find((r) => r.serviceRevisionArn === revisionArn);
    const taskDefinitionOf = (revisionArn: string | undefined) => revision(revisionArn)?.taskDefinition;
    const id = `deployment ${lastPart(d.serviceDeploymentArn)}`;
    const target = revision(d.targetServiceRevision?.arn);
    if (!target?.taskDefinition) {
        return { state: "in-progress", message: `${id}: waiting for ECS to describe its target revision ${d.targetServiceRevision?.arn ?? "(none yet)"}` };
    }
    if (!isRelease(release, target.taskDefinition, target.containerImages)) {
        const what = release.taskDefinitionArn !== undefined ? `not ${releaseName(release)}` : `which does not run ${shortImage(release.image)}`;
        return {
            state: "failed",
            message: `service ${service.serviceName}'s current ${id} targets ${shortTaskDefinition(target.taskDefinition)} (${d.status}), ${what}: this release is not what runs; another deployment replaced it, or ECS rolled it back; ${SEE_EVENTS}`,
        };
    }
    const td = releaseName(release, target.taskDefinition);
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
function judgeClassicDeployments(service: EcsService, taskDefinitions: readonly DescribeTaskDefinitionOutput[] | undefined, release: Release): Judgement {
    const imagesOf = (arn: string | undefined): ContainerImage[] =>
        (taskDefinitions?.find((t) => t.taskDefinition?.taskDefinitionArn === arn)?.taskDefinition?.containerDefinitions ?? []).map((c) => ({
            containerName: c.name,
            image: c.image,
        }));
    const isOurs = (d: ClassicDeployment) => isRelease(release, d.taskDefinition, imagesOf(d.taskDefinition));
    const deployments = service.deployments ?? [];
    const primary = deployments.find((d) => d.status === "PRIMARY");
    const ours = deployments.find(isOurs);
    const td = releaseName(release, ours?.taskDefinition);
    if (!primary) return { state: "in-progress", message: `service ${service.serviceName} has no PRIMARY deployment yet` };
    if (!isOurs(primary)) {
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

/** The judgement for one snapshot: has ECS rolled out the release, is it still at it, or did it give up? */
export function judgeRollout(snapshot: RolloutSnapshot, release: Release): Judgement {
    const service = snapshot.services.services?.[0];
    if (!service || service.status === "INACTIVE") {
        const failure = snapshot.services.failures?.[0];
        return { state: "failed", message: `ECS does not know the service${failure ? `: ${failure.reason ?? ""} ${failure.arn ?? ""}`.trimEnd() : ""}` };
    }
    if (!service.currentServiceDeployment) return judgeClassicDeployments(service, snapshot.taskDefinitions, release);
    const current = snapshot.deployments?.serviceDeployments?.find((d) => d.serviceDeploymentArn === service.currentServiceDeployment);
    if (!current) {
        return { state: "in-progress", message: `waiting for ECS to describe the current deployment ${service.currentServiceDeployment}` };
    }
    return judgeServiceDeployment(service, current, snapshot.revisions, release);
}

// ---- Polling ----

/** Where and what to verify. */
export interface RolloutTarget {
    readonly cluster: string;
    readonly service: string;
    /** What the deploy put in place. */
    readonly release: Release;
    /** Region of the cluster. @default the AWS CLI's (AWS_REGION) */
    readonly region?: string;
}

/** The classic deployments' task definitions ECS is asked about in one poll, at most. */
const MAX_CLASSIC_TASK_DEFINITIONS = 5;

/** describe-services of one service; `common` holds the flags every call of the caller passes (region, output). */
export async function describeService(run: Runner, cluster: string, service: string, common: readonly string[]): Promise<DescribeServicesOutput> {
    return (await runAws(run, ["ecs", "describe-services", "--cluster", cluster, "--services", service, ...common])) as DescribeServicesOutput;
}

/**
 * Reads one snapshot with the AWS CLI: describe-services, then the current deployment and its
 * revisions; for a service without service deployments whose release is known by its image, the
 * task definitions of its classic deployments instead.
 */
export async function fetchSnapshot(run: Runner, target: RolloutTarget): Promise<RolloutSnapshot> {
    const common = [...(target.region ? ["--region", target.region] : []), "--output", "json"];
    const services = await describeService(run, target.cluster, target.service, common);
    const service = services.services?.[0];
    const current = service?.currentServiceDeployment;
    if (!current) {
        if (target.release.image === undefined) return { services };
        const arns = [...new Set((service?.deployments ?? []).map((d) => d.taskDefinition).filter((a): a is string => !!a))];
        const taskDefinitions: DescribeTaskDefinitionOutput[] = [];
        for (const arn of arns.slice(0, MAX_CLASSIC_TASK_DEFINITIONS)) {
            taskDefinitions.push((await runAws(run, ["ecs", "describe-task-definition", "--task-definition", arn, ...common])) as DescribeTaskDefinitionOutput);
        }
        return { services, taskDefinitions };
    }
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

/**
 * Polls every target until each rollout succeeded, was rolled back or failed, or the time is up.
 * A poll asks about every service still in progress, then sleeps once, so the services' deploys,
 * which `pulumi up` started together, are followed together. Judgements keep the targets' order.
 */
async function poll(
    targets: Readonly<Record<string, RolloutTarget>>,
    options: VerifyOptions,
    prefix: (name: string) => string,
): Promise<Readonly<Record<string, Judgement>>> {
    const timeoutMs = (options.timeoutSeconds ?? 1800) * 1000;
    const intervalMs = (options.intervalSeconds ?? 15) * 1000;
    const start = options.clock.now();
    const final: Record<string, Judgement> = {};
    const last: Record<string, Judgement> = {};
    for (;;) {
        for (const [name, target] of Object.entries(targets)) {
            if (final[name]) continue;
            const judgement = judgeRollout(await fetchSnapshot(options.run, target), target.release);
            if (judgement.message !== last[name]?.message) options.log?.(`${prefix(name)}${judgement.state}: ${judgement.message}`);
            last[name] = judgement;
            if (judgement.state !== "in-progress") final[name] = judgement;
        }
        const pending = Object.keys(targets).filter((name) => !final[name]);
        if (pending.length === 0) break;
        if (options.clock.now() - start + intervalMs > timeoutMs) {
            for (const name of pending) {
                const t = targets[name];
                final[name] = {
                    state: "failed",
                    message: `timed out after ${Math.round((options.clock.now() - start) / 1000)} s waiting for ECS to roll out ${releaseName(t.release)} on ${t.cluster}/${t.service}; last seen: ${last[name].message}`,
                };
            }
            break;
        }
        await options.clock.sleep(intervalMs);
    }
    return Object.fromEntries(Object.keys(targets).map((name) => [name, final[name]]));
}

/** Polls until the rollout of the target's release succeeded, was rolled back, failed or timed out. */
export async function verifyRollout(target: RolloutTarget, options: VerifyOptions): Promise<Judgement> {
    return (await poll({ [target.service]: target }, options, () => ""))[target.service];
}

/** The same for several services at once (by name); progress lines start with the service's name. */
export async function verifyRollouts(targets: Readonly<Record<string, RolloutTarget>>, options: VerifyOptions): Promise<Readonly<Record<string, Judgement>>> {
    return poll(targets, options, (name) => `${name}: `);
}
