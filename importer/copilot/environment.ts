/**
 * A Copilot environment manifest (`copilot/environments/<env>/manifest.yml`) as the stack-wide
 * keys of its stack file: the VPC's blocks and AZs, who reaches the load balancer, access logs,
 * flow logs; an imported VPC, CloudFront, certificates and the internal load balancer are reported.
 */
import { at, child, LNode, plain } from "./located";
import { Findings, Outcome } from "./report";
import { StackDraft } from "./stack";
import { Tier } from "../../stacks/keys";

/** The tier a Copilot environment's name suggests; `--tier <env>=<tier>` overrides it. */
export function inferTier(env: string): Tier {
    if (/^(prod|production|live|prd)(-|\d|$)/.test(env)) return "production";
    if (/^(staging|stage|stg|gamma|preprod|pre-prod|uat)(-|\d|$)/.test(env)) return "staging";
    if (/^(pr|preview)(-|\d|$)/.test(env)) return "preview";
    return "development";
}

/** The AZs an environment manifest names (in its subnets' order), if any. */
export function zonesOf(m: LNode | undefined): string[] {
    const zones: string[] = [];
    for (const kind of ["public", "private"]) {
        const list = at(m, "network", "vpc", "subnets", kind);
        for (const s of list?.kind === "seq" ? list.items : []) {
            const az = plain(child(s, "az"));
            if (typeof az === "string" && !zones.includes(az)) zones.push(az);
        }
    }
    return zones;
}

export function mapEnvironmentManifest(m: LNode, env: string, findings: Findings, stack: StackDraft): void {
    const note = (node: LNode | undefined, outcome: Outcome, text: string) => findings.note(node, env, outcome, text);
    note(child(m, "name"), "carried", `the stack ${env} (Pulumi.${env}.yaml), tier ${stack.tier}`);
    note(child(m, "type"), "carried", "a stack file of ours");
    const vpc = at(m, "network", "vpc");
    note(child(vpc, "id"), "not carried", "importing a VPC: the stack creates its own VPC (components/network.ts); the workloads move to it");
    const cidr = child(vpc, "cidr");
    if (cidr) {
        const prefix = Number(/\/(\d+)$/.exec(String(plain(cidr)))?.[1]);
        if (prefix >= 16 && prefix <= 20) stack.stackKey("vpcCidr", String(plain(cidr)), cidr, env);
        else note(cidr, "not carried", `a VPC block of ours is /16 to /20, not ${String(plain(cidr))}`);
    }
    for (const kind of ["public", "private"] as const) {
        const list = at(vpc, "subnets", kind);
        if (!list || list.kind !== "seq") continue;
        const blocks: string[] = [];
        for (const s of list.items) {
            note(child(s, "id"), "not carried", "an imported subnet: the stack creates its own subnets");
            const c = child(s, "cidr");
            if (c) blocks.push(String(plain(c)));
            const az = child(s, "az");
            if (az) note(az, "carried", `shipyard:availabilityZones includes ${String(plain(az))}`);
            findings.read(s);
        }
        const key = kind === "public" ? "publicSubnetCidrs" : "privateSubnetCidrs";
        if (blocks.length > 0) {
            stack.set(key, blocks);
            for (const s of list.items) note(child(s, "cidr"), "carried", `shipyard:${key} includes ${String(plain(child(s, "cidr")))}`);
        }
        findings.read(list);
    }
    findings.read(at(vpc, "subnets"));
    const flow = child(vpc, "flow_logs");
    if (flow) {
        stack.stackKey("flowLogs", flow.kind === "map" || plain(flow) === true, flow, env);
        note(child(flow, "retention"), "approximate", "flow logs are kept logRetentionDays, like every log of the stack");
    }
    note(child(vpc, "security_group"), "not carried", "rules on the environment's security group: each service admits only what the stack declares");
    findings.read(vpc);
    findings.read(child(m, "network"));

    note(child(m, "cdn"), "not carried", 'CloudFront: put Cloudflare in front instead (dnsProvider: cloudflare, proxied, README "The edge")');
    const pub = at(m, "http", "public");
    note(child(pub, "certificates"), "approximate", "the stack creates and DNS-validates its own ACM certificate for its host names");
    const logs = child(pub, "access_logs");
    if (logs) {
        const on = logs.kind === "map" || plain(logs) === true;
        stack.stackKey(
            "accessLogs",
            on,
            logs,
            env,
            logs.kind === "map" ? "to the environment's own bucket <app>-<env>-logs-<account>; bucket_name and prefix are not ours" : "",
        );
    }
    const ips = at(pub, "ingress", "source_ips");
    if (ips) stack.stackKey("ingressCidrs", plain(ips), ips, env);
    note(at(pub, "ingress", "cdn"), "not carried", "admitting only CloudFront: behind Cloudflare the load balancer admits only Cloudflare's ranges");
    note(at(pub, "security_groups"), "not carried", "admitting only CloudFront: behind Cloudflare the load balancer admits only Cloudflare's ranges");
    note(child(pub, "ssl_policy"), "not carried", "the HTTPS listener uses the TLS 1.3 policy");
    findings.read(child(pub, "ingress"));
    findings.read(pub);
    note(at(m, "http", "private"), "not carried", "the internal load balancer: internal services are reached through Service Connect");
    findings.read(child(m, "http"));
    const insights = at(m, "observability", "container_insights");
    if (insights) note(insights, plain(insights) === false ? "not carried" : "carried", "Container Insights is on in every cluster (components/cluster.ts)");
    findings.read(child(m, "observability"));
}
