/**
 * Why did a rollout fail? `verify-rollout` knows THAT ECS rolled a deployment back; this module
 * says WHY, from what ECS, the load balancer and CloudWatch recorded about it (gathered by
 * `evidence.ts`): the stopped tasks of the release with their stop codes, reasons and containers'
 * exit codes, the target groups' health descriptions, the deployment alarms that fired, the
 * service's events and the last lines of the new tasks' logs.
 *
 * The causes and the messages that identify them are ECS's documented ones (Amazon ECS Developer
 * Guide, "Amazon ECS stopped task error messages" and the pages on CannotPullContainerError,
 * ResourceInitializationError, "Essential container in task exited", "Task failed ELB health
 * checks" and OutOfMemoryError; Elastic Load Balancing's target health reason codes). Every
 * stopped task counts once, for the first cause its messages show; two causes at once are both
 * reported. Log lines are quoted with what looks like a credential redacted. Everything here is a
 * pure function of the JSON the AWS CLI printed.
 */
import { redactSecretLooking } from "../stacks/validators";
import { ServiceDeployment, shortImage, shortTaskDefinition } from "./rollout";

// ---- What the diagnosis reads (subsets of the API references, field names unchanged) ----

/** ECS `Container` of a task (describe-tasks). */
export interface TaskContainer {
    readonly name?: string;
    readonly image?: string;
    readonly lastStatus?: string;
    readonly exitCode?: number;
    readonly reason?: string;
    readonly healthStatus?: string;
}

/** ECS `Task` (describe-tasks). */
export interface EcsTask {
    readonly taskArn?: string;
    readonly taskDefinitionArn?: string;
    readonly lastStatus?: string;
    readonly stopCode?: string;
    readonly stoppedReason?: string;
    readonly startedAt?: string;
    readonly stoppedAt?: string;
    /** The task's memory in MiB, as a string. */
    readonly memory?: string;
    readonly healthStatus?: string;
    readonly containers?: readonly TaskContainer[];
}

/** ECS `ContainerDefinition`, as far as the diagnosis reads it. */
export interface ContainerDefinition {
    readonly name?: string;
    readonly image?: string;
    readonly essential?: boolean;
    readonly secrets?: readonly { readonly name?: string; readonly valueFrom?: string }[];
    readonly healthCheck?: { readonly command?: readonly string[] };
    readonly logConfiguration?: { readonly logDriver?: string; readonly options?: Readonly<Record<string, string>> };
}

/** ECS `TaskDefinition` (describe-task-definition). */
export interface TaskDefinitionDetail {
    readonly taskDefinitionArn?: string;
    readonly memory?: string;
    readonly containerDefinitions?: readonly ContainerDefinition[];
}

/** Elastic Load Balancing `TargetGroup` (describe-target-groups). */
export interface TargetGroupDetail {
    readonly TargetGroupArn?: string;
    readonly TargetGroupName?: string;
    readonly HealthCheckProtocol?: string;
    readonly HealthCheckPath?: string;
    readonly HealthCheckTimeoutSeconds?: number;
    readonly Matcher?: { readonly HttpCode?: string };
}

/** Elastic Load Balancing `TargetHealthDescription` (describe-target-health). */
export interface TargetHealthDescription {
    readonly Target?: { readonly Id?: string; readonly Port?: number };
    readonly TargetHealth?: { readonly State?: string; readonly Reason?: string; readonly Description?: string };
}

/** CloudWatch `MetricAlarm` (describe-alarms). */
export interface MetricAlarm {
    readonly AlarmName?: string;
    readonly StateValue?: string;
    readonly StateReason?: string;
    readonly StateUpdatedTimestamp?: string;
}

/** ECS `ServiceEvent` (describe-services `events`). */
export interface ServiceEvent {
    readonly createdAt?: string;
    readonly message?: string;
}

/** The last lines of one container's log stream in one stopped task. */
export interface LogTail {
    readonly taskId: string;
    readonly container: string;
    readonly stream: string;
    readonly lines: readonly string[];
}

/** Everything known about a failed rollout of one service. */
export interface Evidence {
    /** The ECS service's name. */
    readonly service: string;
    /** The service deployment that failed or rolled back, when the service has service deployments. */
    readonly deployment?: ServiceDeployment;
    /** The release's task definition. */
    readonly taskDefinition?: TaskDefinitionDetail;
    /** The release's stopped tasks, newest first. */
    readonly stoppedTasks: readonly EcsTask[];
    /** The service's events since the deployment started, newest first. */
    readonly events: readonly ServiceEvent[];
    /** The service's target groups (production and alternate) with their targets' health. */
    readonly targets: readonly { readonly group: TargetGroupDetail; readonly health: readonly TargetHealthDescription[] }[];
    /** The deployment alarms that fired. */
    readonly alarms: readonly MetricAlarm[];
    readonly logs: readonly LogTail[];
    /** What could not be read, and why (a missing permission, a stream that never existed). */
    readonly unread: readonly string[];
}

export type CauseKind =
    "image-pull" | "secret" | "capacity" | "container-health-check" | "target-health-check" | "container-exited" | "deployment-alarm" | "unrecognised";

/** One cause: a line naming it, and the evidence for it. */
export interface Cause {
    readonly kind: CauseKind;
    readonly headline: string;
    readonly evidence: readonly string[];
}

// ---- Classification ----

const taskId = (arn: string | undefined): string => (arn ? arn.slice(arn.lastIndexOf("/") + 1) : "?");

/** The network failed on the way to a registry or an API (no NAT gateway, no VPC endpoint, a security group). */
const NO_ROUTE =
    /i\/o timeout|dial tcp|context deadline exceeded|context canceled|request canceled|TLS handshake timeout|no such host|connection (?:refused|reset)/i;
const DENIED = /AccessDenied|not authorized|403 Forbidden|status code 403|pull access denied|no basic auth credentials|unauthorized/i;
const NOT_FOUND = /not found|manifest unknown|does not exist|name unknown|ResourceNotFoundException|ParameterNotFound|invalid ssm parameters|can't find/i;

/** All the messages ECS gave for a task: its stopped reason and each container's reason. */
function messagesOf(task: EcsTask): string {
    return [task.stoppedReason, ...(task.containers ?? []).map((c) => c.reason)].filter((m): m is string => !!m).join("\n");
}

function pullCause(task: EcsTask, text: string, e: Evidence): { kind: CauseKind; headline: string } {
    const image = task.containers?.find((c) => /CannotPullContainerError/.test(c.reason ?? ""))?.image ?? essentialContainer(e)?.image;
    const what = image ? `the image ${shortImage(image)}` : "the image";
    const why = NO_ROUTE.test(text)
        ? "no route to ECR from the task's subnets (a NAT gateway, or the ecr.api, ecr.dkr and S3 gateway VPC endpoints)"
        : DENIED.test(text)
          ? "no permission: the task execution role may not pull it (ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer)"
          : NOT_FOUND.test(text)
            ? "not found: its repository has no image with that digest or tag"
            : "ECS gave a reason this tool does not recognise";
    return { kind: "image-pull", headline: `${what} could not be pulled: ${why}` };
}

/** The secrets a ResourceInitializationError names: ARNs of SSM parameters and Secrets Manager secrets, by the container's variable name. */
function secretsNamed(text: string, e: Evidence): string[] {
    const arns = [...text.matchAll(/arn:aws[a-z-]*:(?:ssm|secretsmanager):[^\s,"'\]]+/g)].map((m) => m[0].replace(/[.:;)]+$/, ""));
    const declared = (e.taskDefinition?.containerDefinitions ?? []).flatMap((c) => c.secrets ?? []);
    const names = [...new Set(arns)].map((arn) => {
        const secret = declared.find(
            (s) => s.valueFrom !== undefined && (s.valueFrom === arn || s.valueFrom.startsWith(`${arn}:`) || arn.startsWith(s.valueFrom)),
        );
        return secret?.name ? `${secret.name} (${arn})` : arn;
    });
    return names;
}

function secretCause(text: string, e: Evidence): { kind: CauseKind; headline: string } {
    const which = secretsNamed(text, e);
    const what = which.length === 0 ? "a secret" : which.length === 1 ? `the secret ${which[0]}` : `the secrets ${which.join(", ")}`;
    const why = NO_ROUTE.test(text)
        ? "no route to SSM or Secrets Manager from the task's subnets"
        : DENIED.test(text)
          ? /kms/i.test(text)
              ? "the task execution role may not decrypt it (kms:Decrypt)"
              : "the task execution role may not read it"
          : NOT_FOUND.test(text)
            ? "it does not exist"
            : "ECS gave a reason this tool does not recognise";
    return { kind: "secret", headline: `${what} could not be read: ${why}` };
}

function essentialContainer(e: Evidence): ContainerDefinition | undefined {
    const defs = e.taskDefinition?.containerDefinitions ?? [];
    return defs.find((c) => c.essential !== false) ?? defs[0];
}

/** `Health checks failed with these codes: [502]` -> `502`. */
function codesOf(description: string | undefined): string | undefined {
    return /codes: \[([^\]]*)\]/.exec(description ?? "")?.[1];
}

/** The load balancer's health check, in words, from its target group and the unhealthy targets' reason codes. */
function targetHealthCause(groupArn: string | undefined, e: Evidence): { kind: CauseKind; headline: string } {
    const found = e.targets.find((t) => groupArn === undefined || t.group.TargetGroupArn === groupArn) ?? e.targets[0];
    const group = found?.group;
    const check = group?.HealthCheckPath ? `GET ${group.HealthCheckPath}` : "the health check";
    const unhealthy = (found?.health ?? []).filter((h) => h.TargetHealth?.State === "unhealthy");
    const reasons = new Set(unhealthy.map((h) => h.TargetHealth?.Reason));
    const parts: string[] = [];
    if (reasons.has("Target.ResponseCodeMismatch")) {
        const codes = [...new Set(unhealthy.map((h) => codesOf(h.TargetHealth?.Description)).filter((c): c is string => !!c))];
        parts.push(`answered ${codes.length > 0 ? codes.join(", ") : "another code"} (expected ${group?.Matcher?.HttpCode ?? "a success code"})`);
    }
    if (reasons.has("Target.Timeout")) parts.push(`timed out${group?.HealthCheckTimeoutSeconds ? ` after ${group.HealthCheckTimeoutSeconds} s` : ""}`);
    if (reasons.has("Target.FailedHealthChecks")) parts.push("could not connect to the task's port");
    const how = parts.length > 0 ? parts.join(" or ") : "failed (the failing targets are deregistered already, so the load balancer no longer says how)";
    return { kind: "target-health-check", headline: `the tasks failed the load balancer's health check: ${check} ${how}` };
}

/**
 * The first cause a stopped task's messages show; undefined for a task that ECS stopped on
 * purpose (scaling in, replacing it in a deployment or its rollback), which is no cause.
 */
function classify(task: EcsTask, e: Evidence): { kind: CauseKind; headline: string } | undefined {
    const text = messagesOf(task);
    if (/CannotPullContainerError/.test(text) || (/ResourceInitializationError/.test(text) && /ecr registry auth|from ECR/i.test(text))) {
        return pullCause(task, text, e);
    }
    if (/ResourceInitializationError/.test(text) && /secret|ssm|asm\b|parameter/i.test(text)) return secretCause(text, e);
    if (/capacity/i.test(text)) {
        return { kind: "capacity", headline: "no capacity: Fargate (Spot) had no capacity to start the release's tasks" };
    }
    if (/failed container health checks/i.test(text) || (task.containers ?? []).some((c) => c.healthStatus === "UNHEALTHY")) {
        const command = essentialContainer(e)?.healthCheck?.command;
        const shown = command ? ` (${command.join(" ")})` : "";
        return { kind: "container-health-check", headline: `the tasks failed the container health check${shown}` };
    }
    if (/failed ELB health checks/i.test(text)) {
        return targetHealthCause(/\(target-group (arn:[^)\s]+)\)/.exec(text)?.[1], e);
    }
    // Replaced by ECS on purpose: its containers' SIGTERM exit codes are no failure of theirs.
    if (task.stopCode === "ServiceSchedulerInitiated" || task.stopCode === "UserInitiated") return undefined;
    const exited = (task.containers ?? []).find((c) => c.exitCode !== undefined && c.exitCode !== 0);
    if (task.stopCode === "EssentialContainerExited" || /Essential container in task exited/i.test(text) || exited) {
        const c = exited ?? task.containers?.[0];
        const memory = task.memory ?? e.taskDefinition?.memory;
        const ofTask = memory ? `; the task has ${memory} MiB` : "";
        if (c?.exitCode === 137) {
            const oom = /OutOfMemory/i.test(c.reason ?? "");
            return {
                kind: "container-exited",
                headline: oom
                    ? `container ${c.name} ran out of memory and was killed (exit code 137, OutOfMemoryError${ofTask})`
                    : `container ${c.name} was killed (exit code 137, SIGKILL: out of memory, or it did not stop in time${ofTask})`,
            };
        }
        return { kind: "container-exited", headline: `container ${c?.name ?? "?"} exited with code ${c?.exitCode ?? "unknown"}` };
    }
    return { kind: "unrecognised", headline: `tasks stopped for a reason this tool does not recognise (${task.stopCode ?? "no stop code"})` };
}

/** One line about a stopped task: when, its stop code and reason, and its containers' exit codes and reasons. */
function taskLine(task: EcsTask): string {
    const containers = (task.containers ?? [])
        .filter((c) => c.exitCode !== undefined || c.reason)
        .map((c) => {
            const reason = c.reason && c.reason !== task.stoppedReason ? `, ${c.reason}` : "";
            return `container ${c.name}: ${c.exitCode !== undefined ? `exit code ${c.exitCode}` : "no exit code"}${reason}`;
        });
    const stopped = task.stoppedAt ? ` at ${task.stoppedAt}` : "";
    return [
        `task ${taskId(task.taskArn)} stopped${stopped} (${task.stopCode ?? "no stop code"}): ${task.stoppedReason ?? "no reason given"}`,
        ...containers,
    ].join("; ");
}

const MAX_TASK_LINES = 3;

/** The causes of a failed rollout, most stopped tasks first, the deployment alarms last; none when nothing explains it. */
export function diagnose(e: Evidence): Cause[] {
    const byHeadline = new Map<string, { kind: CauseKind; tasks: EcsTask[]; extra: string[] }>();
    const add = (kind: CauseKind, headline: string) => {
        const entry = byHeadline.get(headline) ?? { kind, tasks: [], extra: [] };
        byHeadline.set(headline, entry);
        return entry;
    };
    const stoppedOnPurpose: EcsTask[] = [];
    for (const task of e.stoppedTasks) {
        const found = classify(task, e);
        if (found) add(found.kind, found.headline).tasks.push(task);
        else stoppedOnPurpose.push(task);
    }
    // Capacity shows in the service's events when ECS could not place a task at all (no task to stop).
    const noCapacity = e.events.filter((ev) => /unable to place a task/i.test(ev.message ?? "") && /capacity/i.test(ev.message ?? ""));
    if (noCapacity.length > 0) {
        const entry = [...byHeadline.entries()].find(([, v]) => v.kind === "capacity");
        const target = entry ? entry[1] : add("capacity", "no capacity: Fargate (Spot) had no capacity to start the release's tasks");
        target.extra.push(...noCapacity.slice(0, MAX_TASK_LINES).map((ev) => `service event at ${ev.createdAt ?? "?"}: ${ev.message}`));
    }
    // Targets that fail the load balancer's check while their tasks still run (blue/green's test traffic).
    const unhealthyGroups = e.targets.filter((t) => t.health.some((h) => h.TargetHealth?.State === "unhealthy"));
    if (unhealthyGroups.length > 0 && ![...byHeadline.values()].some((v) => v.kind === "target-health-check")) {
        const { headline } = targetHealthCause(unhealthyGroups[0].group.TargetGroupArn, e);
        add("target-health-check", headline);
    }
    for (const [headline, v] of byHeadline) {
        if (v.kind !== "target-health-check") continue;
        for (const t of e.targets) {
            const g = t.group;
            for (const h of t.health.filter((x) => x.TargetHealth?.State === "unhealthy")) {
                v.extra.push(
                    `target group ${g.TargetGroupName ?? g.TargetGroupArn} (${g.HealthCheckProtocol ?? "HTTP"} ${g.HealthCheckPath ?? "/"}, success codes ${g.Matcher?.HttpCode ?? "?"}): target ${h.Target?.Id}:${h.Target?.Port} ${h.TargetHealth?.State}, ${h.TargetHealth?.Reason}: ${h.TargetHealth?.Description}`,
                );
            }
        }
        byHeadline.set(headline, v);
    }
    const total = e.stoppedTasks.length;
    const causes: Cause[] = [...byHeadline.entries()]
        .sort((a, b) => b[1].tasks.length - a[1].tasks.length)
        .map(([headline, v]) => {
            const shown = v.tasks.slice(0, MAX_TASK_LINES).map(taskLine);
            const more = v.tasks.length > MAX_TASK_LINES ? [`... and ${v.tasks.length - MAX_TASK_LINES} more stopped tasks like these`] : [];
            const logs = logLines(e, v.tasks);
            const count = v.tasks.length > 0 ? ` (${v.tasks.length} of ${total} stopped tasks of the release)` : "";
            return { kind: v.kind, headline: `${headline}${count}`, evidence: [...shown, ...more, ...v.extra, ...logs] };
        });
    const alarms = alarmCause(e, stoppedOnPurpose);
    return alarms ? [...causes, alarms] : causes;
}

/** The log lines of `tasks`, one block per stream. */
function logLines(e: Evidence, tasks: readonly EcsTask[]): string[] {
    return e.logs
        .filter((l) => tasks.some((t) => taskId(t.taskArn) === l.taskId))
        .map((l) => `last lines of ${l.stream}:\n${l.lines.map((line) => `    ${redactSecretLooking(line)}`).join("\n")}`);
}

/**
 * The deployment alarms that fired, each with the reason CloudWatch gave, and the logs of the
 * release's tasks that ECS stopped when it rolled back (what they did while the alarm watched).
 */
function alarmCause(e: Evidence, rolledBackTasks: readonly EcsTask[]): Cause | undefined {
    const d = e.deployment;
    const triggered = d?.alarms?.triggeredAlarmNames ?? [];
    const inAlarm = e.alarms.filter((a) => a.StateValue === "ALARM" || (a.AlarmName !== undefined && triggered.includes(a.AlarmName)));
    const names = [...new Set([...triggered, ...inAlarm.map((a) => a.AlarmName).filter((n): n is string => !!n)])];
    if (names.length === 0) return undefined;
    const evidence = names.map((name) => {
        const alarm = e.alarms.find((a) => a.AlarmName === name);
        return alarm
            ? `alarm ${name}: ${alarm.StateValue} since ${alarm.StateUpdatedTimestamp ?? "?"}: ${alarm.StateReason ?? "no reason given"}`
            : `alarm ${name}: CloudWatch did not describe it`;
    });
    return {
        kind: "deployment-alarm",
        headline: `deployment alarm${names.length > 1 ? "s" : ""} ${names.join(", ")} went to ALARM`,
        evidence: [...evidence, ...logLines(e, rolledBackTasks)],
    };
}

// ---- The text ----

/** What ECS recorded about the deployment itself: its status, reason, circuit breaker and alarms. */
function deploymentLine(e: Evidence): string | undefined {
    const d = e.deployment;
    if (!d) return undefined;
    const id = d.serviceDeploymentArn ? d.serviceDeploymentArn.slice(d.serviceDeploymentArn.lastIndexOf("/") + 1) : "?";
    const strategy = d.deploymentConfiguration?.strategy ? ` (${d.deploymentConfiguration.strategy})` : "";
    const reason = d.rollback?.reason ?? d.statusReason;
    const cb = d.deploymentCircuitBreaker;
    const breaker =
        cb?.status === "TRIGGERED" ? `; circuit breaker TRIGGERED after ${cb.failureCount ?? "?"} failed tasks (threshold ${cb.threshold ?? "?"})` : "";
    const td = e.taskDefinition?.taskDefinitionArn ? ` of ${shortTaskDefinition(e.taskDefinition.taskDefinitionArn)}` : "";
    return `deployment ${id}${td}${strategy}: ${d.status ?? "?"}${reason ? `, ${reason}` : ""}${breaker}`;
}

/**
 * The diagnosis as people read it: the first line names the cause (or the causes), then the
 * evidence, indented, cause by cause. `name` starts the first line (the service's name).
 */
export function formatDiagnosis(name: string, e: Evidence, causes: readonly Cause[]): string {
    const first =
        causes.length === 0
            ? `${name}: diagnosis: no known cause in what ECS, the load balancer and CloudWatch recorded (${e.stoppedTasks.length} stopped tasks of the release)`
            : causes.length === 1
              ? `${name}: diagnosis: ${causes[0].headline}`
              : `${name}: diagnosis: ${causes.length} causes: ${causes.map((c, i) => `(${i + 1}) ${c.headline}`).join("; ")}`;
    const lines = [first];
    const deployment = deploymentLine(e);
    if (deployment) lines.push(`  ${deployment}`);
    causes.forEach((c, i) => {
        lines.push(`  ${causes.length > 1 ? `(${i + 1}) ` : ""}evidence for ${c.kind}:`);
        for (const ev of c.evidence) lines.push(...ev.split("\n").map((l) => `    ${l}`));
    });
    for (const u of e.unread) lines.push(`  could not read ${u}`);
    return `${lines.join("\n")}\n`;
}
