/** Renders a stack's plan as a text table, Markdown, JSON or a Mermaid architecture diagram. */
import { Recorded } from "../offline/graph";
import { PlannedResource, shortType } from "./summarize";

export const FORMATS = ["table", "markdown", "json", "mermaid"] as const;
export type Format = (typeof FORMATS)[number];

export interface Plan {
    readonly stack: string;
    readonly resources: readonly PlannedResource[];
    /** Everything the program registers: cloud resources plus components. */
    readonly totalRegistered: number;
    readonly components: readonly string[];
}

function grouped(plan: Plan): [string, PlannedResource[]][] {
    const groups = new Map<string, PlannedResource[]>();
    for (const r of plan.resources) groups.set(r.component, [...(groups.get(r.component) ?? []), r]);
    return [...groups.entries()];
}

function countLine(plan: Plan): string {
    return `${plan.totalRegistered} resources: ${plan.resources.length} cloud resources in ${plan.components.length} components`;
}

export function renderTable(plan: Plan): string {
    const out: string[] = [`Plan for stack ${plan.stack} (offline, mock runtime)`, ""];
    for (const [component, rs] of grouped(plan)) {
        out.push(`${component} (${rs.length})`);
        const w = Math.max(...rs.map((r) => shortType(r.type).length));
        for (const r of rs) out.push(`  ${shortType(r.type).padEnd(w)}  ${r.name}  ${r.summary}`);
        out.push("");
    }
    out.push(countLine(plan));
    return out.join("\n");
}

const md = (s: string) => s.replace(/\|/g, "\\|");

export function renderMarkdown(plan: Plan): string {
    const out: string[] = [`## Plan for stack \`${plan.stack}\``, ""];
    for (const [component, rs] of grouped(plan)) {
        out.push(`### ${component} (${rs.length})`, "", "| type | name | settings |", "| --- | --- | --- |");
        for (const r of rs) out.push(`| ${shortType(r.type)} | ${r.name} | ${md(r.summary)} |`);
        out.push("");
    }
    out.push(`**${countLine(plan)}**`);
    return out.join("\n");
}

export function renderJson(plan: Plan, extra: Record<string, unknown> = {}): string {
    return JSON.stringify(
        { stack: plan.stack, totalRegistered: plan.totalRegistered, components: plan.components, resources: plan.resources, ...extra },
        null,
        2,
    );
}

/**
 * The environment's architecture as a Mermaid flowchart: internet -> load balancer listeners ->
 * target group -> service tasks -> NAT -> internet, with secrets, logs and scaling beside.
 */
export function renderMermaid(plan: Plan, all: readonly Recorded[]): string {
    const of = (type: string) => all.filter((r) => r.type === `aws:${type}`);
    const id = (name: string) => name.replace(/[^A-Za-z0-9]/g, "_");
    const lines = ["flowchart LR", "    internet([Internet])"];
    const lbs = of("lb/loadBalancer:LoadBalancer");
    const tgs = of("lb/targetGroup:TargetGroup");
    const services = of("ecs/service:Service");
    const nats = of("ec2/natGateway:NatGateway");
    const listeners = of("lb/listener:Listener");
    const rules = of("lb/listenerRule:ListenerRule");
    // Target group ARNs a listener or rule forwards to (a plain forward or a weighted one).
    const forwards = (actions: unknown): string[] =>
        ((actions as Record<string, unknown>[] | undefined) ?? []).flatMap((a) => [
            ...(typeof a.targetGroupArn === "string" ? [a.targetGroupArn] : []),
            ...((a.forward as { targetGroups?: { arn: string }[] } | undefined)?.targetGroups ?? []).map((t) => t.arn),
        ]);
    for (const lb of lbs) {
        const kind = lb.inputs.loadBalancerType === "network" ? "NLB" : "ALB";
        lines.push(`    ${id(lb.name)}["${kind} ${String(lb.inputs.name)}"]`);
        const own = listeners.filter((l) => l.inputs.loadBalancerArn === lb.outputs.arn);
        for (const l of own) lines.push(`    internet -->|${String(l.inputs.protocol)} ${String(l.inputs.port)}| ${id(lb.name)}`);
        const arns = new Set([
            ...own.flatMap((l) => forwards(l.inputs.defaultActions)),
            ...rules.filter((r) => own.some((l) => l.outputs.arn === r.inputs.listenerArn)).flatMap((r) => forwards(r.inputs.actions)),
        ]);
        for (const tg of tgs.filter((t) => arns.has(String(t.outputs.arn)))) lines.push(`    ${id(lb.name)} --> ${id(tg.name)}`);
    }
    for (const tg of tgs) {
        const hc = tg.inputs.healthCheck as Record<string, unknown>;
        const check = hc.protocol === "TCP" ? "TCP connect" : String(hc.path);
        lines.push(`    ${id(tg.name)}["target group :${String(tg.inputs.port)}<br/>health ${check} every ${String(hc.interval)}s"]`);
    }
    if (nats.length > 0) lines.push(`    nat["${nats.length} NAT gateway(s)"]`, "    nat --> internet");
    const params = of("ssm/parameter:Parameter");
    for (const s of services) {
        const task = plan.resources.find(
            (r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && all.some((x) => x.name === r.name && x.outputs.arn === s.inputs.taskDefinition),
        );
        const size = task ? `${Number(task.inputs.cpu) / 1024} vCPU / ${Number(task.inputs.memory) / 1024} GB` : "";
        lines.push(`    ${id(s.name)}["service ${String(s.inputs.name)}<br/>${String(s.inputs.desiredCount)} task(s) ${size}"]`);
        const groups = (
            (s.inputs.loadBalancers as { targetGroupArn: string; advancedConfiguration?: { alternateTargetGroupArn: string } }[] | undefined) ?? []
        ).flatMap((l) => [l.targetGroupArn, ...(l.advancedConfiguration ? [l.advancedConfiguration.alternateTargetGroupArn] : [])]);
        for (const tg of tgs.filter((t) => groups.includes(String(t.outputs.arn)))) lines.push(`    ${id(tg.name)} --> ${id(s.name)}`);
        lines.push(nats.length > 0 ? `    ${id(s.name)} --> nat` : `    ${id(s.name)} -->|public IP| internet`);
        // Its secrets and scaling are children of the same ContainerService component.
        const own = params.filter((p) => p.parent === s.parent);
        if (own.length > 0) lines.push(`    ${id(s.name)}_secrets[("${own.length} secret(s), SSM SecureString")] -.->|valueFrom| ${id(s.name)}`);
        const scaling = of("appautoscaling/target:Target").find((t) => t.parent === s.parent);
        if (scaling)
            lines.push(
                `    ${id(s.name)}_scaling{{"autoscaling ${String(scaling.inputs.minCapacity)}-${String(scaling.inputs.maxCapacity)} on CPU and memory"}} -.-> ${id(s.name)}`,
            );
        lines.push(`    ${id(s.name)} -.-> logs[("CloudWatch Logs")]`);
    }
    // Service Connect: a caller's tasks admitted to an internal service's tasks.
    const groupOf = (s: Recorded) => (s.inputs.networkConfiguration as { securityGroups: string[] }).securityGroups[0];
    for (const rule of of("vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
        const callee = services.find((s) => groupOf(s) === rule.inputs.securityGroupId);
        const caller = services.find((s) => groupOf(s) === rule.inputs.referencedSecurityGroupId);
        if (callee && caller) lines.push(`    ${id(caller.name)} -->|Service Connect :${String(rule.inputs.fromPort)}| ${id(callee.name)}`);
    }
    return lines.join("\n");
}
