/**
 * Turns recorded resources into what a reviewer wants to read: the key settings of each resource,
 * secret values shown as [secret], grouped by the component that owns them.
 */
import { Recorded } from "../offline/graph";

export const SECRET = "[secret]";

export interface PlannedResource {
    readonly type: string;
    readonly name: string;
    readonly component: string;
    /** Short human summary of the settings that matter for review. */
    readonly summary: string;
    /** All inputs, secret values replaced by [secret]. */
    readonly inputs: Record<string, unknown>;
}

/**
 * Inputs with every secret value replaced by [secret]. Only the values the program marked secret
 * are masked (the recorded `secretLeaves`), not the whole property the engine stores as secret
 * around them: a listener rule's conditions keep their hosts and paths, a web ACL its rules'
 * names and actions. A record without leaves (made by hand) masks its secret properties whole.
 */
export function redact(r: Pick<Recorded, "inputs" | "secretPaths" | "secretLeaves">): Record<string, unknown> {
    const copy = structuredClone(r.inputs);
    for (const p of r.secretLeaves ?? r.secretPaths) {
        if (p === "(root)") return { value: SECRET };
        const parts = p.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "");
        let node: Record<string, unknown> | unknown[] = copy;
        for (let i = 0; i < parts.length - 1; i++) node = (node as Record<string, unknown>)[parts[i]] as Record<string, unknown>;
        (node as Record<string, unknown>)[parts[parts.length - 1]] = SECRET;
    }
    return copy;
}

type Inputs = Record<string, unknown>;
type Container = {
    image: string;
    environment?: { name: string; value: string }[];
    secrets?: { name: string; valueFrom: string }[];
    stopTimeout?: number;
    readonlyRootFilesystem?: boolean;
};

const short = (type: string) => type.split(":").pop() ?? type;

/** `host a, b`, `path /*`, `header x-origin-verify [secret]`, `source 10.0.0.0/8`: what a listener rule matches. */
function condition(c: Inputs): string {
    const values = (x: unknown) => ((x as { values?: unknown[] } | undefined)?.values ?? []).map(String).join(", ");
    if (c.hostHeader) return `host ${values(c.hostHeader)}`;
    if (c.pathPattern) return `path ${values(c.pathPattern)}`;
    if (c.httpHeader) return `header ${(c.httpHeader as Inputs).httpHeaderName} ${values(c.httpHeader)}`;
    if (c.sourceIp) return `source ${values(c.sourceIp)}`;
    if (c.httpRequestMethod) return `method ${values(c.httpRequestMethod)}`;
    return Object.keys(c).join(" ");
}

/** `forward demo-live-web`, `forward demo-live-web 100 / demo-live-web-alt 0`, `redirect HTTP_301`, ... */
function action(a: Inputs): string {
    const group = (arn: unknown) => String(arn).split("/").slice(-2, -1)[0] ?? String(arn);
    if (typeof a.targetGroupArn === "string") return `${a.type} ${group(a.targetGroupArn)}`;
    const weighted = (a.forward as { targetGroups?: { arn: string; weight?: number }[] } | undefined)?.targetGroups;
    if (weighted) return `${a.type} ${weighted.map((t) => `${group(t.arn)} ${t.weight ?? 1}`).join(" / ")}`;
    const detail = (a.redirect as Inputs | undefined)?.statusCode ?? (a.fixedResponse as Inputs | undefined)?.statusCode;
    return detail === undefined ? String(a.type) : `${a.type} ${detail}`;
}

/** `origin-header block`, `AWSManagedRulesCommonRuleSet (managed, its rules' own actions)`, `rate-limit-per-ip block 2000 per 5 min per IP`. */
function wafRule(r: Inputs): string {
    const statement = (r.statement as Inputs | undefined) ?? {};
    const rate = statement.rateBasedStatement as Inputs | undefined;
    const override = Object.keys((r.overrideAction as Inputs | undefined) ?? {}).join("");
    const what = r.action ? Object.keys(r.action as Inputs).join("") : `managed, ${override === "count" ? "count only" : "its rules' own actions"}`;
    const limit = rate ? ` ${rate.limit} per ${Number(rate.evaluationWindowSec ?? 300) / 60} min per ${rate.aggregateKeyType}` : "";
    return r.action ? `${r.name} ${what}${limit}` : `${r.name} (${what})`;
}

function summaryOf(type: string, i: Inputs): string {
    switch (type) {
        case "aws:ec2/vpc:Vpc":
            return `cidr ${i.cidrBlock}`;
        case "aws:ec2/subnet:Subnet":
            return `${(i.tags as Inputs)?.tier ?? ""} ${i.availabilityZone} ${i.cidrBlock}`.trim();
        case "aws:ec2/natGateway:NatGateway":
            return `NAT gateway in ${i.subnetId}`;
        case "aws:ec2/route:Route":
            return `${i.destinationCidrBlock ?? i.destinationIpv6CidrBlock} -> ${i.natGatewayId ?? i.gatewayId}`;
        case "aws:ec2/flowLog:FlowLog":
            return `traffic ${i.trafficType} -> ${i.logDestinationType}`;
        case "aws:cloudwatch/logGroup:LogGroup":
            return `${i.name}, retention ${i.retentionInDays} days`;
        case "aws:lb/loadBalancer:LoadBalancer":
            return `${i.loadBalancerType} ${i.internal ? "internal" : "internet-facing"} ${i.ipAddressType ?? "ipv4"}, ${(i.subnets as unknown[]).length} subnets${i.loadBalancerType === "application" ? `, drop invalid headers ${i.dropInvalidHeaderFields}` : ""}, deletion protection ${i.enableDeletionProtection}`;
        case "aws:lb/listener:Listener": {
            const a = (i.defaultActions as Inputs[])[0];
            const what = a.type === "redirect" ? `redirect ${(a.redirect as Inputs).statusCode} to ${(a.redirect as Inputs).protocol}` : `${a.type}`;
            return `${i.protocol} ${i.port}${i.sslPolicy ? ` (${i.sslPolicy})` : ""} -> ${what}`;
        }
        case "aws:lb/listenerRule:ListenerRule":
            return `priority ${i.priority}: ${((i.conditions as Inputs[] | undefined) ?? []).map(condition).join(" and ") || "any request"} -> ${((i.actions as Inputs[] | undefined) ?? []).map(action).join(", ")}`;
        case "aws:wafv2/webAcl:WebAcl":
            return `${i.name}, ${i.scope}, default ${Object.keys(i.defaultAction as Inputs).join("")}; rules ${((i.rules as Inputs[] | undefined) ?? []).map(wafRule).join(", ") || "-"}`;
        case "aws:lb/targetGroup:TargetGroup": {
            const hc = i.healthCheck as Inputs;
            const check =
                hc.protocol === "TCP"
                    ? `health TCP connect every ${hc.interval}s, healthy ${hc.healthyThreshold}, unhealthy ${hc.unhealthyThreshold}`
                    : `health ${hc.path} every ${hc.interval}s, timeout ${hc.timeout}s, healthy ${hc.healthyThreshold}, unhealthy ${hc.unhealthyThreshold}, codes ${hc.matcher}`;
            return `${i.protocol} ${i.port} ${i.targetType}; ${check}; drain ${i.deregistrationDelay}s${i.preserveClientIp === "true" ? "; client IP preserved" : ""}`;
        }
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
            return `${type.includes("Ingress") ? "in" : "out"} ${i.ipProtocol} ${i.fromPort}-${i.toPort} ${type.includes("Ingress") ? "from" : "to"} ${i.cidrIpv4 ?? i.cidrIpv6 ?? i.referencedSecurityGroupId}`;
        case "aws:ecs/cluster:Cluster":
            return `${i.name}, ${(i.settings as Inputs[]).map((s) => `${s.name} ${s.value}`).join(", ")}`;
        case "aws:ecs/taskDefinition:TaskDefinition": {
            const c = (JSON.parse(String(i.containerDefinitions)) as Container[])[0];
            const env = (c.environment ?? []).map((e) => `${e.name}=${e.value}`).join(" ");
            const secrets = (c.secrets ?? []).map((s) => `${s.name}=${SECRET}`).join(" ");
            const arch = (i.runtimePlatform as Inputs | undefined)?.cpuArchitecture ?? "X86_64";
            return `${Number(i.cpu) / 1024} vCPU, ${Number(i.memory) / 1024} GB, ${arch}; image ${c.image}; env ${env || "-"}; secrets ${secrets || "-"}; read-only root ${c.readonlyRootFilesystem === true}`;
        }
        case "aws:ecs/service:Service": {
            const net = i.networkConfiguration as Inputs;
            const cb = i.deploymentCircuitBreaker as Inputs | undefined;
            const cap = (i.capacityProviderStrategies as Inputs[] | undefined)?.map((c) => c.capacityProvider).join("+") ?? i.launchType;
            const strategy = (i.deploymentConfiguration as Inputs | undefined)?.strategy ?? "ROLLING";
            // Only a service behind a load balancer has a health-check grace period (internal and worker services have none).
            const grace = i.healthCheckGracePeriodSeconds === undefined ? "" : `; health-check grace ${i.healthCheckGracePeriodSeconds}s`;
            return `${i.desiredCount} tasks on ${cap}; ${strategy} ${i.deploymentMinimumHealthyPercent}%/${i.deploymentMaximumPercent}%, circuit breaker ${cb?.enable === true ? (cb.rollback === true ? "with rollback" : "without rollback") : "off"}${grace}; public IP ${net.assignPublicIp}`;
        }
        case "aws:appautoscaling/target:Target":
            return `${i.minCapacity} to ${i.maxCapacity} tasks`;
        case "aws:appautoscaling/policy:Policy": {
            const step = i.stepScalingPolicyConfiguration as Inputs | undefined;
            if (step) {
                const steps =
                    (step.stepAdjustments as { metricIntervalLowerBound?: string; metricIntervalUpperBound?: string; scalingAdjustment: number }[]) ?? [];
                const bound = (s: (typeof steps)[number]) =>
                    s.metricIntervalLowerBound === undefined
                        ? `below +${s.metricIntervalUpperBound}`
                        : s.metricIntervalUpperBound === undefined
                          ? `+${s.metricIntervalLowerBound} and above`
                          : `+${s.metricIntervalLowerBound} to +${s.metricIntervalUpperBound}`;
                return `step ${step.adjustmentType}: ${steps.map((s) => `${bound(s)} -> ${s.scalingAdjustment}`).join(", ")}`;
            }
            const t = i.targetTrackingScalingPolicyConfiguration as Inputs;
            const custom = t.customizedMetricSpecification as { metrics?: { expression?: string; returnData?: boolean }[] } | undefined;
            if (custom) return `keep ${custom.metrics?.find((m) => m.returnData)?.expression ?? "a custom metric"} at ${t.targetValue}`;
            return `keep ${(t.predefinedMetricSpecification as Inputs).predefinedMetricType} at ${t.targetValue}%`;
        }
        case "aws:sns/topic:Topic":
            return `${i.name}${i.fifoTopic ? " (FIFO)" : ""}, encrypted with ${i.kmsMasterKeyId ?? "nothing"}`;
        case "aws:sqs/queue:Queue": {
            const redrive = i.redrivePolicy ? (JSON.parse(String(i.redrivePolicy)) as { maxReceiveCount: number }) : undefined;
            const days = (Number(i.messageRetentionSeconds ?? 345600) / 86400).toFixed(1).replace(/\.0$/, "");
            return `${i.name}${i.fifoQueue ? " (FIFO)" : ""}, ${i.sqsManagedSseEnabled ? "SSE-SQS" : i.kmsMasterKeyId ? `SSE-KMS ${i.kmsMasterKeyId}` : "NOT encrypted"}, kept ${days} days${i.visibilityTimeoutSeconds === undefined ? "" : `, visibility ${i.visibilityTimeoutSeconds}s`}${redrive ? `, dead letters after ${redrive.maxReceiveCount} receives` : ""}`;
        }
        case "aws:sns/topicSubscription:TopicSubscription":
            return `${String(i.topic).split(":").pop()} -> ${i.protocol} ${String(i.endpoint).split(":").pop()}${i.rawMessageDelivery ? ", raw" : ""}${i.filterPolicy ? `, filter ${i.filterPolicy}` : ""}`;
        case "aws:scheduler/schedule:Schedule":
            return `${i.scheduleExpression} ${i.scheduleExpressionTimezone ?? "UTC"} -> ${String((i.target as Inputs).arn)
                .split(":")
                .slice(-2)
                .join(":")}`;
        case "aws:sfn/stateMachine:StateMachine": {
            const d = JSON.parse(String(i.definition)) as {
                States: Record<string, { Retry?: { MaxAttempts: number }[]; Branches?: { States: Record<string, { TimeoutSeconds?: number }> }[] }>;
            };
            const attempt = d.States.Attempt;
            const timeout = attempt?.Branches?.[0].States.RunTask?.TimeoutSeconds;
            return `${i.name} (${i.type}): run the task${timeout ? `, stopped after ${timeout / 60} min` : ""}, ${attempt?.Retry?.[0]?.MaxAttempts ?? 0} retries, failures to the alarm topic`;
        }
        case "aws:ssm/parameter:Parameter":
            return `${i.name} (${i.type}) = ${SECRET}`;
        case "aws:rds/instance:Instance":
            return `${i.engine} ${i.engineVersion}, ${i.instanceClass}${i.multiAz ? " Multi-AZ" : ""}, ${i.allocatedStorage} GiB ${i.storageType}${i.storageEncrypted ? " encrypted" : " NOT encrypted"}, backups ${i.backupRetentionPeriod} days, deletion protection ${i.deletionProtection ?? false}`;
        case "aws:backup/plan:Plan": {
            const rules = (i.rules as { schedule: string; lifecycle?: { deleteAfter?: number } }[]) ?? [];
            return rules.map((r) => `${r.schedule}, kept ${r.lifecycle?.deleteAfter ?? "forever"} days`).join("; ");
        }
        case "aws:iam/role:Role":
            return `${i.name ?? ""} ${i.description ?? ""}`.trim();
        case "aws:iam/rolePolicy:RolePolicy": {
            const doc = JSON.parse(String(i.policy)) as { Statement: { Action: string | string[] }[] };
            return doc.Statement.map((s) => [s.Action].flat().join(",")).join("; ");
        }
        default: {
            const scalars = Object.entries(i).filter(([k, v]) => k !== "tags" && ["string", "number", "boolean"].includes(typeof v));
            return scalars
                .slice(0, 4)
                .map(([k, v]) => `${k}=${String(v)}`)
                .join(", ");
        }
    }
}

/** Every cloud resource with its owning component and summary, in registration order. */
export function planResources(all: readonly Recorded[]): PlannedResource[] {
    return all
        .filter((r) => r.custom)
        .map((r) => {
            const inputs = redact(r);
            return { type: r.type, name: r.name, component: r.parent ?? "(stack)", summary: summaryOf(r.type, inputs), inputs };
        });
}

export { short as shortType };
