/**
 * `release status --stack <env>`: for each service of the stack, what ECS runs and what it is
 * doing, from `ecs describe-services` (counts, current revisions, current deployment),
 * `describe-service-deployments` (the deployment in progress: strategy, lifecycle stage, traffic
 * weights, bake time), `describe-service-revisions` (task definition and image digest of each
 * running revision) and `list-service-deployments` (the last finished deployment's outcome).
 */
import { ReleaseError } from "./errors";
import {
    Clock,
    DescribeServiceDeploymentsOutput,
    DescribeServiceRevisionsOutput,
    ServiceDeployment,
    describeService,
    shortImage,
    shortTaskDefinition,
} from "./rollout";
import { Runner, runAws } from "./runner";

/** A service of the stack and where ECS runs it. */
export interface StatusTarget {
    readonly name: string;
    readonly cluster: string;
    readonly service: string;
    readonly region: string;
}

/** ECS `ServiceDeploymentBrief` (list-service-deployments). */
interface ServiceDeploymentBrief {
    readonly serviceDeploymentArn?: string;
    readonly targetServiceRevisionArn?: string;
    readonly status?: string;
    readonly statusReason?: string;
    readonly createdAt?: string;
    readonly finishedAt?: string;
}

interface StatusService {
    readonly serviceName?: string;
    readonly status?: string;
    readonly desiredCount?: number;
    readonly runningCount?: number;
    readonly pendingCount?: number;
    readonly taskDefinition?: string;
    readonly currentServiceDeployment?: string;
    readonly currentServiceRevisions?: readonly { readonly arn?: string; readonly runningTaskCount?: number }[];
}

const FINISHED = ["SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"];
const IN_PROGRESS = ["PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"];

const lastPart = (arn: string | undefined) => (arn ? arn.slice(arn.lastIndexOf("/") + 1) : "?");
const time = (ms: number) => (Number.isFinite(ms) && ms > 0 ? ms : 0);

/** `step 2 of 5`, from the strategy and the new revision's share of production traffic. */
function stepOf(d: ServiceDeployment, percent: number | undefined): string | undefined {
    const config = d.deploymentConfiguration;
    if (percent === undefined) return undefined;
    if (config?.strategy === "CANARY") return `step ${percent >= 100 ? 2 : 1} of 2`;
    const step = config?.linearConfiguration?.stepPercent;
    if (config?.strategy === "LINEAR" && step && step > 0) {
        const steps = Math.ceil(100 / step);
        return `step ${Math.min(steps, Math.max(1, Math.round(percent / step)))} of ${steps}`;
    }
    return undefined;
}

/**
 * Minutes of waiting left in the current stage: the bake time once all traffic is on the new
 * revision, the canary's or linear step's interval before. ECS does not report when the wait
 * began; its `updatedAt` is the last change of the deployment, which is when the stage began.
 */
function waitLeft(d: ServiceDeployment, percent: number | undefined, now: number): string | undefined {
    const config = d.deploymentConfiguration;
    const since = time(Date.parse(d.updatedAt ?? ""));
    if (!since) return undefined;
    const [minutes, what] =
        d.lifecycleStage === "BAKE_TIME"
            ? [config?.bakeTimeInMinutes, "bake time"]
            : d.lifecycleStage === "PRODUCTION_TRAFFIC_SHIFT" && percent !== undefined && percent < 100
              ? config?.strategy === "CANARY"
                  ? [config.canaryConfiguration?.canaryBakeTimeInMinutes, "canary interval"]
                  : config?.strategy === "LINEAR"
                    ? [config.linearConfiguration?.stepBakeTimeInMinutes, "step interval"]
                    : [undefined, ""]
              : [undefined, ""];
    if (minutes === undefined) return undefined;
    const left = Math.max(0, Math.ceil((minutes * 60_000 - (now - since)) / 60_000));
    return `${what} left about ${left} min of ${minutes}`;
}

/** The status of one service, as lines. */
export async function serviceStatus(run: Runner, target: StatusTarget, clock: Clock): Promise<string> {
    const common = ["--region", target.region, "--output", "json"];
    const described = await describeService(run, target.cluster, target.service, common);
    const service = described.services?.[0] as StatusService | undefined;
    if (!service || service.status === "INACTIVE") {
        return `${target.name} (${target.service}): ECS has no such service in cluster ${target.cluster}: is the stack deployed?\n`;
    }
    const current = service.currentServiceDeployment
        ? (
              (await runAws(run, [
                  "ecs",
                  "describe-service-deployments",
                  "--service-deployment-arns",
                  service.currentServiceDeployment,
                  ...common,
              ])) as DescribeServiceDeploymentsOutput
          ).serviceDeployments?.[0]
        : undefined;
    const listed = (await runAws(run, [
        "ecs",
        "list-service-deployments",
        "--cluster",
        target.cluster,
        "--service",
        target.service,
        "--status",
        ...FINISHED,
        ...common,
    ])) as { serviceDeployments?: ServiceDeploymentBrief[] };
    const last = [...(listed.serviceDeployments ?? [])].sort(
        (a, b) => time(Date.parse(b.finishedAt ?? b.createdAt ?? "")) - time(Date.parse(a.finishedAt ?? a.createdAt ?? "")),
    )[0];
    const running = (service.currentServiceRevisions ?? []).filter((r) => r.arn);
    const arns = [
        ...new Set([...running.map((r) => r.arn), current?.targetServiceRevision?.arn, last?.targetServiceRevisionArn].filter((a): a is string => !!a)),
    ].slice(0, 20);
    const revisions =
        arns.length > 0
            ? ((await runAws(run, ["ecs", "describe-service-revisions", "--service-revision-arns", ...arns, ...common])) as DescribeServiceRevisionsOutput)
            : { serviceRevisions: [] };
    const revision = (arn: string | undefined) => revisions.serviceRevisions?.find((r) => r.serviceRevisionArn === arn);
    const what = (arn: string | undefined) => {
        const r = revision(arn);
        const images = (r?.containerImages ?? []).map((c) =>
            shortImage(`${(c.image ?? "?").replace(/@.*$/, "")}@${c.imageDigest ?? c.image?.split("@")[1] ?? "?"}`),
        );
        return `${shortTaskDefinition(r?.taskDefinition)}${images.length > 0 ? `, ${images.join(", ")}` : ""}`;
    };

    const lines = [
        `${target.name} (${target.service}): ${service.runningCount ?? 0}/${service.desiredCount ?? "?"} tasks running${service.pendingCount ? `, ${service.pendingCount} pending` : ""}`,
    ];
    for (const r of running) lines.push(`  runs ${what(r.arn)}: ${r.runningTaskCount ?? 0} task${r.runningTaskCount === 1 ? "" : "s"}`);
    if (running.length === 0) lines.push(`  runs ${shortTaskDefinition(service.taskDefinition)}`);
    if (current && IN_PROGRESS.includes(current.status ?? "")) {
        const t = current.targetServiceRevision;
        const percent = t?.requestedProductionTrafficWeight;
        const parts = [
            `${current.deploymentConfiguration?.strategy ?? "?"} of ${what(t?.arn)}`,
            `${current.status}${current.lifecycleStage ? ` at ${current.lifecycleStage}` : ""}`,
            stepOf(current, percent),
            percent !== undefined ? `${percent}% of production traffic on the new revision` : undefined,
            `${t?.runningTaskCount ?? 0}/${t?.requestedTaskCount ?? "?"} new tasks running`,
            waitLeft(current, percent, clock.now()),
        ].filter((p): p is string => !!p);
        lines.push(`  deploying ${lastPart(current.serviceDeploymentArn)}: ${parts.join(", ")}`);
    } else {
        lines.push("  no deployment in progress");
    }
    if (last) {
        const why = last.statusReason ? `: ${last.statusReason}` : "";
        lines.push(
            `  last deployment ${lastPart(last.serviceDeploymentArn)}: ${last.status} at ${last.finishedAt ?? "?"}, ${what(last.targetServiceRevisionArn)}${why}`,
        );
    } else {
        lines.push("  no finished deployment recorded");
    }
    return `${lines.join("\n")}\n`;
}

/** The status of every service, in the stack file's order; a service ECS cannot describe fails the command after the others were printed. */
export async function stackStatus(run: Runner, targets: readonly StatusTarget[], clock: Clock, out: (text: string) => void): Promise<void> {
    const failures: string[] = [];
    for (const t of targets) {
        try {
            out(await serviceStatus(run, t, clock));
        } catch (e) {
            if (!(e instanceof ReleaseError)) throw e;
            failures.push(`${t.name}: ${e.message}`);
            out(`${t.name} (${t.service}): unknown: ${e.message}\n`);
        }
    }
    if (failures.length > 0) throw new ReleaseError(`the status of ${failures.length} service(s) could not be read: ${failures.join("; ")}`);
}
