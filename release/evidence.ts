/**
 * Reads what ECS, the load balancer and CloudWatch know about a failed rollout, through the `aws`
 * CLI as every release command does: the release's task definition, its stopped tasks
 * (`ecs list-tasks --desired-status STOPPED`, `ecs describe-tasks`; ECS keeps a stopped task for
 * about an hour), the target groups' health (`elbv2 describe-target-groups`,
 * `describe-target-health`), the deployment alarms (`cloudwatch describe-alarms`) and the last
 * lines of the stopped tasks' log streams (`logs get-log-events`, newest last). A call that fails
 * (a permission the role lacks, a log stream that was never written because the container never
 * started) is noted and the diagnosis goes on with the rest.
 */
import { EcsTask, Evidence, LogTail, MetricAlarm, ServiceEvent, TargetGroupDetail, TargetHealthDescription, TaskDefinitionDetail } from "./diagnosis";
import { ReleaseError } from "./errors";
import { RolloutSnapshot, RolloutTarget } from "./rollout";
import { AwsCliError, Runner, runAws } from "./runner";

/** describe-services' `loadBalancers`, as far as the evidence reads them. */
interface ServiceLoadBalancer {
    readonly targetGroupArn?: string;
    readonly advancedConfiguration?: { readonly alternateTargetGroupArn?: string };
}

/** The fields of describe-services this module reads beyond those rollout.ts does. */
interface ServiceDetail {
    readonly serviceName?: string;
    readonly taskDefinition?: string;
    readonly loadBalancers?: readonly ServiceLoadBalancer[];
    readonly events?: readonly ServiceEvent[];
    readonly deployments?: readonly { readonly taskDefinition?: string; readonly rolloutState?: string }[];
}

/** Stopped tasks described, at most: describe-tasks takes 100 per call. */
const MAX_TASKS = 100;
/** Stopped tasks whose logs are read, newest first. */
const MAX_LOGGED_TASKS = 2;
/** Log lines kept per stream. */
export const LOG_LINES = 10;
/** Service events kept. */
const MAX_EVENTS = 5;

/** The task definition of the release: the target revision's, else the explicit one, else the failed classic deployment's. */
function releaseTaskDefinition(snapshot: RolloutSnapshot, target: RolloutTarget): string | undefined {
    const d = snapshot.deployments?.serviceDeployments?.[0];
    const revision = snapshot.revisions?.serviceRevisions?.find((r) => r.serviceRevisionArn === d?.targetServiceRevision?.arn);
    if (revision?.taskDefinition) return revision.taskDefinition;
    if (target.release.taskDefinitionArn) return target.release.taskDefinitionArn;
    const service = snapshot.services.services?.[0] as ServiceDetail | undefined;
    return service?.deployments?.find((x) => x.rolloutState === "FAILED")?.taskDefinition;
}

const byTimeDesc = (a?: string, b?: string) => (Date.parse(b ?? "") || 0) - (Date.parse(a ?? "") || 0);

/** Reads the evidence of the rollout `snapshot` showed for `target`. */
export async function gatherEvidence(run: Runner, target: RolloutTarget, snapshot: RolloutSnapshot): Promise<Evidence> {
    const common = [...(target.region ? ["--region", target.region] : []), "--output", "json"];
    const unread: string[] = [];
    const read = async <T>(what: string, args: readonly string[]): Promise<T | undefined> => {
        try {
            return (await runAws(run, [...args, ...common])) as T;
        } catch (e) {
            if (!(e instanceof ReleaseError)) throw e;
            const code = e instanceof AwsCliError && e.errorCode ? e.errorCode : e.message;
            unread.push(`${what}: ${code}`);
            return undefined;
        }
    };
    const service = (snapshot.services.services?.[0] ?? {}) as ServiceDetail;
    const deployment = snapshot.deployments?.serviceDeployments?.[0];
    const arn = releaseTaskDefinition(snapshot, target);

    const taskDefinition = arn
        ? (await read<{ taskDefinition?: TaskDefinitionDetail }>(`the task definition ${arn}`, ["ecs", "describe-task-definition", "--task-definition", arn]))
              ?.taskDefinition
        : undefined;

    const listed = await read<{ taskArns?: string[] }>("the stopped tasks", [
        "ecs",
        "list-tasks",
        "--cluster",
        target.cluster,
        "--service-name",
        target.service,
        "--desired-status",
        "STOPPED",
    ]);
    const taskArns = (listed?.taskArns ?? []).slice(0, MAX_TASKS);
    const described =
        taskArns.length > 0
            ? await read<{ tasks?: EcsTask[] }>("the stopped tasks", ["ecs", "describe-tasks", "--cluster", target.cluster, "--tasks", ...taskArns])
            : undefined;
    // Only the release's tasks: the old revision's tasks stop too, when a deployment replaces them.
    const stoppedTasks = (described?.tasks ?? [])
        .filter((t) => arn === undefined || t.taskDefinitionArn === arn)
        .sort((a, b) => byTimeDesc(a.stoppedAt, b.stoppedAt));

    const since = Date.parse(deployment?.createdAt ?? "") || 0;
    const events = (service.events ?? []).filter((ev) => (Date.parse(ev.createdAt ?? "") || 0) >= since).slice(0, MAX_EVENTS);

    const groupArns = [
        ...new Set(
            (service.loadBalancers ?? [])
                .flatMap((lb) => [lb.targetGroupArn, lb.advancedConfiguration?.alternateTargetGroupArn])
                .filter((a): a is string => !!a),
        ),
    ];
    const targets: { group: TargetGroupDetail; health: TargetHealthDescription[] }[] = [];
    if (groupArns.length > 0) {
        const groups = await read<{ TargetGroups?: TargetGroupDetail[] }>("the target groups", [
            "elbv2",
            "describe-target-groups",
            "--target-group-arns",
            ...groupArns,
        ]);
        for (const group of groups?.TargetGroups ?? []) {
            if (!group.TargetGroupArn) continue;
            const health = await read<{ TargetHealthDescriptions?: TargetHealthDescription[] }>(`the health of ${group.TargetGroupName}'s targets`, [
                "elbv2",
                "describe-target-health",
                "--target-group-arn",
                group.TargetGroupArn,
            ]);
            targets.push({ group, health: health?.TargetHealthDescriptions ?? [] });
        }
    }

    const triggered = deployment?.alarms?.triggeredAlarmNames ?? [];
    const alarmNames =
        triggered.length > 0 ? triggered : deployment?.alarms?.status === "TRIGGERED" ? (deployment.deploymentConfiguration?.alarms?.alarmNames ?? []) : [];
    const alarms =
        alarmNames.length > 0
            ? ((await read<{ MetricAlarms?: MetricAlarm[] }>("the deployment alarms", ["cloudwatch", "describe-alarms", "--alarm-names", ...alarmNames]))
                  ?.MetricAlarms ?? [])
            : [];

    const logs: LogTail[] = [];
    for (const task of stoppedTasks.filter((t) => t.startedAt !== undefined).slice(0, MAX_LOGGED_TASKS)) {
        const id = (task.taskArn ?? "").slice((task.taskArn ?? "").lastIndexOf("/") + 1);
        for (const c of (taskDefinition?.containerDefinitions ?? []).filter((x) => x.essential !== false && x.logConfiguration?.logDriver === "awslogs")) {
            const options = c.logConfiguration?.options ?? {};
            const group = options["awslogs-group"];
            const prefix = options["awslogs-stream-prefix"];
            if (!group || !prefix || !c.name) continue;
            // The awslogs driver's stream name on Fargate: prefix/container-name/task-id.
            const stream = `${prefix}/${c.name}/${id}`;
            const got = await read<{ events?: { message?: string }[] }>(`the log stream ${group} ${stream}`, [
                "logs",
                "get-log-events",
                "--log-group-name",
                group,
                "--log-stream-name",
                stream,
                "--limit",
                String(LOG_LINES),
            ]);
            const lines = (got?.events ?? []).map((ev) => (ev.message ?? "").trimEnd()).filter((l) => l !== "");
            if (lines.length > 0) logs.push({ taskId: id, container: c.name, stream, lines: lines.slice(-LOG_LINES) });
        }
    }

    return { service: target.service, deployment, taskDefinition, stoppedTasks, events, targets, alarms, logs, unread };
}
