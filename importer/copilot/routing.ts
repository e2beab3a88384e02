/**
 * How a workload is reached: a Load Balanced Web Service's ALB rule (path, aliases, health check,
 * drain) or NLB listeners, a Backend Service through Service Connect, a Request-Driven Web Service
 * behind the load balancer; Copilot's fields for them (Load Balanced Web Service and Backend
 * Service manifests, `http` and `nlb`) mapped or reported.
 */
import { at, child, LNode, plain } from "./located";
import { durationMs } from "./forms";
import { Outcome } from "./report";
import { Service } from "./stack";
import { interpolate, noter, WorkloadContext } from "./context";

interface Exposure {
    readonly expose: string;
    readonly approximate?: string;
}

const aliasesOf = (node: LNode | undefined, ctx: WorkloadContext): { host: string; node: LNode }[] => {
    if (!node) return [];
    const items = node.kind === "seq" ? node.items : [node];
    return items.flatMap((item) => {
        const n = item.kind === "map" ? child(item, "name") : item;
        const v = plain(n);
        return typeof v === "string" && n ? [{ host: interpolate(v, ctx).text.toLowerCase(), node: n }] : [];
    });
};

/** Copilot's `http.path` as ALB path patterns: `/` is everything, `api` is `/api` and `/api/*`. */
export function pathPatterns(p: string): string[] {
    const trimmed = p.replace(/^\/+|\/+$/g, "");
    return trimmed === "" ? ["/*"] : [`/${trimmed}`, `/${trimmed}/*`];
}

export function mapExposure(m: LNode, ctx: WorkloadContext, svc: Service): Exposure {
    const { env, name } = ctx;
    const note = noter(ctx);
    const http = child(m, "http");
    const httpOff = http?.kind === "scalar" && http.value === false;
    const nlb = child(m, "nlb");
    let exposure: Exposure;
    switch (ctx.type) {
        case "Load Balanced Web Service":
            exposure = httpOff && nlb ? { expose: "tcp" } : { expose: "http" };
            break;
        case "Request-Driven Web Service":
            exposure = {
                expose: "http",
                approximate: "an App Runner service becomes a Fargate service behind the environment's load balancer (always running, no scale to zero)",
            };
            break;
        case "Backend Service":
            exposure = { expose: "internal" };
            break;
        case "Worker Service":
            exposure = { expose: "worker" };
            break;
        default:
            exposure = { expose: "job" };
    }
    svc.expose = exposure.expose;
    if (httpOff) note(http, "carried", "no application load balancer rule");

    if (exposure.expose === "http" && http && !httpOff) mapHttp(http, ctx, svc);
    else if (exposure.expose === "http") {
        svc.hosts = [`${name}.${env}.${ctx.app}.${ctx.zone}`];
        svc.healthCheckPath = "/";
        ctx.todo.add(`${name} in ${env}: no alias, so its host is Copilot's default name ${String((svc.hosts as string[])[0])}.`);
    }
    if (ctx.type === "Backend Service" && http) {
        note(
            http,
            "approximate",
            `internal services are reached through Service Connect at http://${name}:<containerPort>, not an internal load balancer with paths and aliases`,
        );
        const hc = at(http, "healthcheck");
        const hcPath = hc?.kind === "scalar" ? hc.value : plain(child(hc, "path"));
        if (typeof hcPath === "string") svc.healthCheckPath = hcPath;
    }
    if (nlb) {
        if (exposure.expose === "tcp") mapNlb(nlb, ctx, svc);
        else
            note(
                nlb,
                "not carried",
                `a service has one exposure and ${name} is http; for a Network Load Balancer too, add a second service (e.g. ${name}-tcp) with expose: tcp and the same image`,
            );
    }
    return exposure;
}

function mapHttp(http: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, env, name, stack } = ctx;
    const note = noter(ctx);
    const key = (field: string) => `services.${name}.${field}`;
    const pathNode = child(http, "path");
    const paths = pathPatterns(typeof plain(pathNode) === "string" ? String(plain(pathNode)) : "/");
    if (pathNode) note(pathNode, "carried", `${key("paths")}: ${JSON.stringify(paths)}`);
    const hosts: string[] = [];
    const addHosts = (node: LNode | undefined, outcome: Outcome, how: string) => {
        for (const { host, node: n } of aliasesOf(node, ctx)) {
            if (host !== ctx.zone && !host.endsWith(`.${ctx.zone}`)) {
                note(n, "not carried", `${host} is not in the stack's dnsZone ${ctx.zone}: records and the certificate are made in that zone only`);
                continue;
            }
            if (!hosts.includes(host)) hosts.push(host);
            note(n, outcome, `${key("hosts")} includes ${host}${how}`);
        }
        for (const item of node?.kind === "seq" ? node.items : []) {
            note(child(item, "hosted_zone"), "approximate", `the zone is dnsZone ${ctx.zone}, looked up by name in Route 53`);
            findings.read(item);
        }
        findings.read(node);
    };
    addHosts(child(http, "alias"), "carried", "");
    note(child(http, "hosted_zone"), "approximate", `the zone is dnsZone ${ctx.zone}, looked up by name in Route 53`);
    const rules = child(http, "additional_rules");
    if (rules?.kind === "seq") {
        for (const rule of rules.items) {
            const rulePath = child(rule, "path");
            if (typeof plain(rulePath) === "string" && paths.includes("/*"))
                note(rulePath, "approximate", `already routed: the service's rule matches every path (/*) of its hosts`);
            else if (typeof plain(rulePath) === "string") {
                for (const p of pathPatterns(String(plain(rulePath)))) if (!paths.includes(p)) paths.push(p);
                note(
                    rulePath,
                    "approximate",
                    `${key("paths")} includes ${JSON.stringify(pathPatterns(String(plain(rulePath))))}: one rule of ours matches every host with every path, so each host also answers the other rule's paths`,
                );
            }
            addHosts(child(rule, "alias"), "approximate", " (merged into the service's one rule)");
            for (const [field, entry] of rule.kind === "map" ? rule.entries : []) {
                if (field === "path" || field === "alias") continue;
                note(entry, "not carried", `additional rule ${field}: one rule of ours per service, with the service's own settings`);
            }
        }
    }
    if (hosts.length === 0) {
        hosts.push(`${name}.${env}.${ctx.app}.${ctx.zone}`);
        ctx.todo.add(`${name} in ${env}: no alias, so its host is Copilot's default name ${hosts[0]}.`);
    }
    svc.hosts = hosts;
    svc.paths = paths;

    const hc = child(http, "healthcheck");
    if (!hc) svc.healthCheckPath = "/";
    else if (hc.kind === "scalar") {
        svc.healthCheckPath = String(hc.value);
        note(hc, "carried", `${key("healthCheckPath")}: ${String(hc.value)}`);
    } else {
        const p = child(hc, "path");
        svc.healthCheckPath = typeof plain(p) === "string" ? String(plain(p)) : "/";
        if (p) note(p, "carried", `${key("healthCheckPath")}: ${String(svc.healthCheckPath)}`);
        note(child(hc, "port"), "not carried", "the health check requests the container port");
        const codes = child(hc, "success_codes");
        if (codes) stack.stackKey("healthCheckMatcher", String(plain(codes)), codes, name);
        const int = (field: string, k: string) => {
            const n = child(hc, field);
            if (n) stack.stackKey(k, Number(plain(n)), n, name);
        };
        int("healthy_threshold", "healthyThreshold");
        int("unhealthy_threshold", "unhealthyThreshold");
        const seconds = (field: string) => {
            const n = child(hc, field);
            const ms = n ? durationMs(plain(n)) : undefined;
            if (n && ms === undefined) note(n, "not carried", `not a duration: ${String(plain(n))}`);
            return n && ms !== undefined ? { n, s: Math.round(ms / 1000) } : undefined;
        };
        const interval = seconds("interval");
        const timeout = seconds("timeout");
        if (interval) stack.stackKey("healthCheckIntervalSeconds", interval.s, interval.n, name);
        if (timeout) {
            // ELB takes 2 to 120 s; that it is below the interval is settled per stack (timeoutsFit in index.ts).
            const capped = Math.min(Math.max(timeout.s, 2), 120);
            stack.stackKey(
                "healthCheckTimeoutSeconds",
                capped,
                timeout.n,
                name,
                capped !== timeout.s ? `a target group's health check timeout is 2 to 120 s, so ${capped}` : "",
            );
        }
        const grace = seconds("grace_period");
        if (grace) stack.stackKey("healthCheckGracePeriodSeconds", grace.s, grace.n, name);
    }
    const dereg = child(http, "deregistration_delay");
    const deregMs = dereg ? durationMs(plain(dereg)) : undefined;
    if (dereg && deregMs !== undefined) {
        const s = Math.round(deregMs / 1000);
        stack.stackKey("deregistrationDelaySeconds", s, dereg, name);
        // A task must outlive its drain (stacks/health.ts): the stop timeout follows.
        if (stack.keys.get("deregistrationDelaySeconds") === s && s >= 30) {
            stack.set("stopTimeoutSeconds", Math.min(s + 15, 120));
            ctx.todo.add(`${env}: stopTimeoutSeconds ${Math.min(s + 15, 120)}, so that a task outlives its ${s} s drain (deregistration_delay of ${name}).`);
        }
    } else if (dereg) note(dereg, "not carried", `not a duration: ${String(plain(dereg))}`);
    note(child(http, "target_container"), "not carried", "requests go to the service's own container: no sidecars");
    note(child(http, "target_port"), "not carried", "requests go to the service's containerPort");
    note(child(http, "stickiness"), "not carried", "sticky sessions: the target groups do not set them; keep sessions in a store");
    note(
        child(http, "allowed_source_ips"),
        "not carried",
        "source addresses per service: ingressCidrs admits addresses to the whole load balancer (when not proxied by Cloudflare)",
    );
    const redirect = child(http, "redirect_to_https");
    if (redirect)
        note(redirect, redirect.kind === "scalar" && redirect.value === false ? "not carried" : "carried", "the HTTP listener always answers 301 to HTTPS");
    const version = child(http, "version");
    if (version) note(version, plain(version) === "http1" ? "carried" : "not carried", "target groups speak HTTP/1.1 to the container");
    // Fields of a Request-Driven Web Service's http.
    note(child(http, "private"), "not carried", "App Runner's private (VPC endpoint) ingress: http services are public behind the load balancer");
    note(child(http, "ingress"), "not carried", "App Runner's VPC ingress: http services are public behind the load balancer");
    findings.read(http);
    findings.read(hc);
}

function mapNlb(nlb: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, env, name } = ctx;
    const note = noter(ctx);
    const listeners: { port: number; protocol: string }[] = [];
    const listener = (portNode: LNode | undefined) => {
        const m = /^(\d+)(?:\/(tcp|tls|udp|tcp_udp))?$/i.exec(String(plain(portNode) ?? ""));
        if (!portNode) return;
        if (!m || !["tcp", "tls", undefined].includes(m[2]?.toLowerCase())) {
            note(portNode, "not carried", `listeners take TCP or TLS; ${String(plain(portNode))} is not one`);
            return;
        }
        const l = { port: Number(m[1]), protocol: (m[2] ?? "tcp").toUpperCase() };
        // A network load balancer admits its listeners from the internet (ingressCidrs and ingressIpv6Cidrs), and the policy pack allows that on 80 and 443 only.
        if (l.port !== 80 && l.port !== 443) {
            note(
                portNode,
                "not carried",
                `port ${l.port}: a tcp service's listeners are open to the internet, which the policy (sg-open-ingress-web-ports-only) allows on 80 and 443 only`,
            );
            return;
        }
        listeners.push(l);
        note(portNode, "carried", `services.${name}.listeners includes ${JSON.stringify(l)}`);
    };
    listener(child(nlb, "port"));
    const extra = child(nlb, "additional_listeners");
    for (const item of extra?.kind === "seq" ? extra.items : []) {
        listener(child(item, "port"));
        for (const [field, entry] of item.kind === "map" ? item.entries : [])
            if (field !== "port") note(entry, "not carried", `listener ${field}: every listener forwards to the container port`);
    }
    svc.listeners = listeners;
    const hosts = aliasesOf(child(nlb, "alias"), ctx);
    if (hosts.length > 0) {
        svc.hosts = [hosts[0].host];
        note(hosts[0].node, "carried", `services.${name}.hosts: [${hosts[0].host}]`);
        for (const h of hosts.slice(1)) note(h.node, "not carried", "a tcp service has one DNS name");
    } else if (listeners.some((l) => l.protocol === "TLS")) {
        svc.hosts = [`${name}.${env}.${ctx.app}.${ctx.zone}`];
        ctx.todo.add(`${name} in ${env}: TLS needs a host name; Copilot's default ${String((svc.hosts as string[])[0])} was written.`);
    }
    findings.read(child(nlb, "alias"));
    const targetPort = child(nlb, "target_port");
    if (targetPort && Number(plain(targetPort)) >= 1024) {
        svc.containerPort = Number(plain(targetPort));
        note(targetPort, "carried", `services.${name}.containerPort: ${String(svc.containerPort)}`);
    } else note(targetPort, "not carried", "the load balancer forwards to containerPort (1024 or above)");
    for (const field of ["healthcheck", "target_container", "ssl_policy", "stickiness", "deregistration_delay"])
        note(
            child(nlb, field),
            "not carried",
            field === "healthcheck"
                ? "the network load balancer checks the container port over TCP with the stack's health check timings"
                : field === "ssl_policy"
                  ? "TLS listeners use the TLS 1.3 policy"
                  : `nlb ${field}: no key of ours`,
        );
    findings.read(nlb);
}
