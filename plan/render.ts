/** Renders a stack's plan as a text table, Markdown, JSON or a Mermaid architecture diagram. */
import { Recorded } from "../test/harness/graph";
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
    const albs = of("lb/loadBalancer:LoadBalancer");
    const tgs = of("lb/targetGroup:TargetGroup");
    const services = of("ecs/service:Service");
    const nats = of("ec2/natGateway:NatGateway");
    for (const alb of albs) {
        lines.push(`    ${id(alb.name)}["ALB ${alb.inputs.name}"]`);
        for (const l of of("lb/listener:Listener")) {
            lines.push(`    internet -->|${l.inputs.protocol} ${l.inputs.port}| ${id(alb.name)}`);
        }
    }
    for (const tg of tgs) {
        const hc = tg.inputs.healthCheck as Record<string, unknown>;
        lines.push(`    ${id(tg.name)}["target group :${tg.inputs.port}<br/>health ${hc.path} every ${hc.interval}s"]`);
        for (const alb of albs) lines.push(`    ${id(alb.name)} --> ${id(tg.name)}`);
    }
    for (const s of services) {
        const task = plan.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
        const size = task ? `${Number(task.inputs.cpu) / 1024} vCPU / ${Number(task.inputs.memory) / 1024} GB` : "";
        lines.push(`    ${id(s.name)}["service ${s.inputs.name}<br/>${s.inputs.desiredCount} task(s) ${size}"]`);
        for (const tg of tgs) lines.push(`    ${id(tg.name)} --> ${id(s.name)}`);
        if (nats.length > 0) {
            lines.push(`    nat["${nats.length} NAT gateway(s)"]`, `    ${id(s.name)} --> nat --> internet`);
        } else {
            lines.push(`    ${id(s.name)} -->|public IP| internet`);
        }
        const params = of("ssm/parameter:Parameter");
        if (params.length > 0) lines.push(`    secrets[("${params.length} secret(s), SSM SecureString")] -.->|valueFrom| ${id(s.name)}`);
        const scaling = of("appautoscaling/target:Target")[0];
        if (scaling)
            lines.push(`    scaling{{"autoscaling ${scaling.inputs.minCapacity}-${scaling.inputs.maxCapacity} on CPU and memory"}} -.-> ${id(s.name)}`);
        lines.push(`    ${id(s.name)} -.-> logs[("CloudWatch Logs")]`);
    }
    return lines.join("\n");
}
