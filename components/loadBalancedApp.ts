import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName } from "../lib/aws";
import type { LoadBalancerAttachment } from "./containerService";
import type { LoadBalancerMetrics } from "./monitoring";

export const LOAD_BALANCED_APP_TYPE = "shipyard:lb:LoadBalancedApp";

/**
 * TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only. TLS 1.2 stays
 * for clients and proxies that do not speak 1.3 yet; 1.0 and 1.1 are refused.
 */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface HealthCheckArgs {
    /** @default "/health" */
    readonly path?: string;
    /** Seconds between checks. @default 30 */
    readonly intervalSeconds?: number;
    /** Seconds a check may take; below the interval. @default 5 */
    readonly timeoutSeconds?: number;
    /** Consecutive successes before a target is healthy. @default 3 */
    readonly healthyThreshold?: number;
    /** Consecutive failures before a target is unhealthy. @default 2 */
    readonly unhealthyThreshold?: number;
    /** @default "200-299" */
    readonly matcher?: string;
}

/** One http service behind the load balancer: its target group and the rule that routes to it. */
export interface HttpRoute {
    /** The service's name; its target groups are `<app>-<env>-<name>` (and `-alt`). */
    readonly name: string;
    /** Port the service's containers listen on. */
    readonly targetPort: number;
    /**
     * Target group health check. The defaults are the live values agreed in the deployment seed
     * (HTTP /health, 3 healthy, 2 unhealthy, 5 s timeout, 30 s interval, 200-299).
     */
    readonly healthCheck?: HealthCheckArgs;
    /** Host names routed to it; empty: any host. */
    readonly hosts: readonly string[];
    /** Path patterns routed to it, e.g. ["/*"] or ["/api/*"]. */
    readonly paths: readonly string[];
    /** Its rule's priority on the listeners (1-50000, unique; lower is evaluated first). */
    readonly priority: number;
}

export interface LoadBalancedAppArgs {
    /** Parts of physical names, `[app, env]`; cut to AWS's 32-character limit. */
    readonly nameParts: readonly string[];
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets, at least two AZs. */
    readonly subnetIds: pulumi.Input<string>[];
    /**
     * ARN of the certificate for the HTTPS listener, in the load balancer's region; pass a
     * validated one (`DnsValidatedCertificate.certificateArn`) so the listener waits for issue.
     */
    readonly certificateArn: pulumi.Input<string>;
    /** The http services, each with its own target group and listener rule; at least one. */
    readonly services: readonly HttpRoute[];
    /**
     * IPv4 blocks that may reach ports 80 and 443: the whole internet for a public entry point,
     * Cloudflare's ranges when Cloudflare proxies.
     * @default ["0.0.0.0/0"]
     */
    readonly ingressCidrs?: readonly string[];
    /**
     * IPv6 blocks that may reach ports 80 and 443 of the dual-stack load balancer.
     * @default ["::/0"]
     */
    readonly ingressIpv6Cidrs?: readonly string[];
    /**
     * Requests on 443 must carry this header with this value (Cloudflare adds it), or get 403:
     * the HTTPS listener answers 403 by default and forwards only requests with the header.
     * Not with blueGreen, whose listeners ECS requires to hold forward actions only; check the
     * header in the web ACL there (`WebAcl`'s originHeader).
     * @default undefined: every request that reaches the listener is forwarded
     */
    readonly originHeader?: { readonly name: string; readonly value: pulumi.Input<string> };
    /**
     * Seconds in-flight requests may take to finish on a target that is leaving.
     * @default 30 (AWS's own default, 300, makes every deploy wait five minutes)
     */
    readonly deregistrationDelaySeconds?: number;
    /** @default 60 */
    readonly idleTimeoutSeconds?: number;
    /** Deletion protection on the load balancer, and Pulumi protect. @default false */
    readonly protect?: boolean;
    /**
     * ECS-native blue/green: per service a second (alternate) target group, a production rule on
     * 443 and a rule on the test listener, all of which ECS rewrites during a deployment. Absent:
     * each service's rule forwards to its one target group (rolling deployments).
     * @default undefined
     */
    readonly blueGreen?: BlueGreenListenerArgs;
    /** Deliver access logs to this bucket (ELB.5). @default undefined: no access logs */
    readonly accessLogs?: AccessLogsArgs;
    readonly tags: Readonly<Record<string, string>>;
}

/** What the load balancer holds for one service. */
export interface ServiceTargets {
    readonly targetGroup: aws.lb.TargetGroup;
    /** rolling: the rule on 443 that forwards its routes (with the origin header, when checked). */
    readonly rule?: aws.lb.ListenerRule;
    /** blueGreen only: the target group green tasks start in (ECS alternates the two). */
    readonly alternateTargetGroup?: aws.lb.TargetGroup;
    /** blueGreen only: the rule on 443 whose weights ECS shifts from blue to green. */
    readonly productionRule?: aws.lb.ListenerRule;
    /** blueGreen only: the rule on the test listener. */
    readonly testRule?: aws.lb.ListenerRule;
}

/** Where the load balancer delivers its access logs (Security Hub ELB.5). */
export interface AccessLogsArgs {
    /** Name of a bucket in the load balancer's Region whose policy lets ELB write under `prefix`. */
    readonly bucket: pulumi.Input<string>;
    readonly prefix: string;
    /** The bucket's policy: ELB checks it can write when logging is turned on. */
    readonly policy: pulumi.Resource;
}

export interface BlueGreenListenerArgs {
    /** Port of the HTTPS test listener (not 80 or 443). */
    readonly testListenerPort: number;
    /**
     * IPv4 blocks that may reach the test listener, e.g. the NAT gateways' addresses (where the
     * smoke test's requests come from) and an office. It serves unreleased code: keep it short.
     */
    readonly testListenerCidrs: readonly pulumi.Input<string>[];
}

/**
 * A load balancer in front of services, as the services and the alarms need it: built here once
 * from its own resources, so no caller assembles target group and listener ARNs itself.
 */
export interface ServiceLoadBalancer {
    /** Its DNS name and zone are what the services' host names point at. */
    readonly loadBalancer: aws.lb.LoadBalancer;
    /** Where `service`'s tasks register and whom they admit (`ContainerServiceArgs.loadBalancer`). */
    attachmentFor(service: string): LoadBalancerAttachment;
    /** `service`'s load balancer and target groups as CloudWatch dimensions (`MonitoredService.loadBalancer`). */
    metricsFor(service: string): LoadBalancerMetrics;
    /** What `service` must wait for: ECS refuses a target group that no listener uses yet. */
    listenersFor(service: string): readonly pulumi.Resource[];
}

/** Condition values an ALB rule may hold in all (AWS quota). */
const MAX_CONDITION_VALUES = 5;

export function validateLoadBalancedAppArgs(args: LoadBalancedAppArgs): void {
    if (args.services.length === 0) throw new Error("LoadBalancedApp: at least one service");
    for (const svc of args.services) {
        const hc = svc.healthCheck ?? {};
        const interval = hc.intervalSeconds ?? 30;
        const timeout = hc.timeoutSeconds ?? 5;
        if (timeout >= interval)
            throw new Error(`LoadBalancedApp: ${svc.name}: healthCheck.timeoutSeconds (${timeout}) must be below healthCheck.intervalSeconds (${interval})`);
        for (const [k, v] of [
            ["healthyThreshold", hc.healthyThreshold ?? 3],
            ["unhealthyThreshold", hc.unhealthyThreshold ?? 2],
        ] as const) {
            if (v < 2 || v > 10) throw new Error(`LoadBalancedApp: ${svc.name}: healthCheck.${k} must be 2 to 10, got ${v}`);
        }
        if (!Number.isInteger(svc.priority) || svc.priority < 1 || svc.priority > 50000)
            throw new Error(`LoadBalancedApp: ${svc.name}: priority must be 1 to 50000, got ${svc.priority}`);
        const values = svc.hosts.length + svc.paths.length + (args.originHeader ? 1 : 0);
        if (svc.paths.length === 0 || values > MAX_CONDITION_VALUES)
            throw new Error(`LoadBalancedApp: ${svc.name}: a rule needs a path and holds at most ${MAX_CONDITION_VALUES} condition values, got ${values}`);
    }
    const priorities = args.services.map((x) => x.priority);
    if (new Set(priorities).size !== priorities.length) throw new Error(`LoadBalancedApp: two services share a rule priority (${priorities.join(", ")})`);
    const names = args.services.map((x) => x.name);
    if (new Set(names).size !== names.length) throw new Error(`LoadBalancedApp: two services share a name (${names.join(", ")})`);
    const port = args.blueGreen?.testListenerPort;
    if (port !== undefined && (port === 80 || port === 443 || port < 1 || port > 65535))
        throw new Error(`LoadBalancedApp: blueGreen.testListenerPort must be 1-65535 and not 80 or 443, got ${port}`);
    if (args.originHeader && args.blueGreen)
        throw new Error(
            "LoadBalancedApp: originHeader cannot be checked by the listener under blueGreen (ECS refuses listeners mixing forward and fixed-response actions); check it in the web ACL",
        );
    if (args.subnetIds.length < 2)
        throw new Error(`LoadBalancedApp: an application load balancer needs subnets in at least 2 AZs, got ${args.subnetIds.length}`);
}

/**
 * A public, dual-stack application load balancer: HTTPS (TLS 1.3 policy) forwarding to one IP
 * target group (only requests carrying `originHeader`, when given; others get 403), HTTP answered
 * with a permanent redirect to HTTPS, invalid header fields dropped, and a security group that
 * admits 80 and 443 from `ingressCidrs` and `ingressIpv6Cidrs` and sends nothing anywhere until a
 * service grants it a path to its own security group.
 */
export class LoadBalancedApp extends pulumi.ComponentResource implements ServiceLoadBalancer {
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly loadBalancer: aws.lb.LoadBalancer;
    readonly httpsListener: aws.lb.Listener;
    /** blueGreen only: the test listener, which reaches green before production does. */
    readonly testListener?: aws.lb.Listener;
    /** Per service: its target group(s) and rules. */
    readonly routes: Readonly<Record<string, ServiceTargets>>;

    constructor(name: string, args: LoadBalancedAppArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(LOAD_BALANCED_APP_TYPE, name, {}, opts);
        validateLoadBalancedAppArgs(args);
        const ingressCidrs = args.ingressCidrs ?? ["0.0.0.0/0"];
        const ingressIpv6Cidrs = args.ingressIpv6Cidrs ?? ["::/0"];
        const protect = args.protect ?? false;
        const child = { parent: this };

        // Egress is deliberately empty here: ContainerService adds one rule per service, to that
        // service's security group and port only.
        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: "Load balancer: HTTP and HTTPS in; out only to its services",
                tags: { ...args.tags, Name: physicalName([...args.nameParts, "alb"], 255) },
            },
            child,
        );
        // One rule per block and port, named after the block, so that a range Cloudflare adds or
        // drops changes that one rule and no other.
        const sources = [
            ...ingressCidrs.map((cidr) => ({ cidr, source: { cidrIpv4: cidr } })),
            ...ingressIpv6Cidrs.map((cidr) => ({ cidr, source: { cidrIpv6: cidr } })),
        ];
        for (const port of [80, 443]) {
            for (const { cidr, source } of sources) {
                // ":" and "/" would confuse URNs ("::" separates their parts).
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-in-${port}-${cidr.replace(/[:/]/g, "-")}`,
                    {
                        securityGroupId: this.securityGroup.id,
                        ipProtocol: "tcp",
                        fromPort: port,
                        toPort: port,
                        ...source,
                        description: `${port === 443 ? "HTTPS" : "HTTP (redirected)"} from ${cidr}`,
                        tags: args.tags,
                    },
                    child,
                );
            }
        }

        this.loadBalancer = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                name: physicalName(args.nameParts, 32),
                loadBalancerType: "application",
                internal: false,
                // IPv4 and IPv6 (the public subnets have both); targets stay IPv4.
                ipAddressType: "dualstack",
                subnets: args.subnetIds,
                securityGroups: [this.securityGroup.id],
                dropInvalidHeaderFields: true,
                enableHttp2: true,
                idleTimeout: args.idleTimeoutSeconds ?? 60,
                enableDeletionProtection: protect,
                accessLogs: args.accessLogs ? { bucket: args.accessLogs.bucket, prefix: args.accessLogs.prefix, enabled: true } : undefined,
                tags: args.tags,
            },
            { ...child, protect, dependsOn: args.accessLogs ? [args.accessLogs.policy] : [] },
        );

        const targetGroupArgs = (svc: HttpRoute, nameParts: readonly string[]): aws.lb.TargetGroupArgs => {
            const hc = svc.healthCheck ?? {};
            return {
                name: physicalName(nameParts, 32),
                vpcId: args.vpcId,
                targetType: "ip",
                protocol: "HTTP",
                port: svc.targetPort,
                deregistrationDelay: args.deregistrationDelaySeconds ?? 30,
                healthCheck: {
                    enabled: true,
                    protocol: "HTTP",
                    port: "traffic-port",
                    path: hc.path ?? "/health",
                    interval: hc.intervalSeconds ?? 30,
                    timeout: hc.timeoutSeconds ?? 5,
                    healthyThreshold: hc.healthyThreshold ?? 3,
                    unhealthyThreshold: hc.unhealthyThreshold ?? 2,
                    matcher: hc.matcher ?? "200-299",
                },
                tags: args.tags,
            };
        };
        const [first, ...others] = args.services;
        const groups: Record<string, aws.lb.TargetGroup> = {};
        const alternates: Record<string, aws.lb.TargetGroup> = {};
        for (const svc of [first, ...others]) {
            groups[svc.name] = new aws.lb.TargetGroup(`${name}-${svc.name}-tg`, targetGroupArgs(svc, [...args.nameParts, svc.name]), child);
            if (args.blueGreen)
                alternates[svc.name] = new aws.lb.TargetGroup(`${name}-${svc.name}-tg-alt`, targetGroupArgs(svc, [...args.nameParts, svc.name, "alt"]), child);
        }
        // What a request matching no service's rule gets. Rolling: 403 behind Cloudflare (it lacks
        // the origin header, or names no service), else 404. Blue/green: ECS refuses listeners that
        // mix forward and fixed-response actions, so the first service's group answers it.
        const fallback: aws.types.input.lb.ListenerDefaultAction = args.blueGreen
            ? { type: "forward", targetGroupArn: groups[first.name].arn }
            : args.originHeader
              ? { type: "fixed-response", fixedResponse: { statusCode: "403", contentType: "text/plain", messageBody: "Forbidden" } }
              : { type: "fixed-response", fixedResponse: { statusCode: "404", contentType: "text/plain", messageBody: "Not found" } };

        this.httpsListener = new aws.lb.Listener(
            `${name}-https`,
            {
                loadBalancerArn: this.loadBalancer.arn,
                port: 443,
                protocol: "HTTPS",
                sslPolicy: TLS_POLICY,
                certificateArn: args.certificateArn,
                defaultActions: [fallback],
                tags: args.tags,
            },
            child,
        );

        new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: this.loadBalancer.arn,
                port: 80,
                protocol: "HTTP",
                defaultActions: [
                    {
                        type: "redirect",
                        redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
                    },
                ],
                tags: args.tags,
            },
            child,
        );

        const conditions = (svc: HttpRoute, withOrigin: boolean): aws.types.input.lb.ListenerRuleCondition[] => [
            ...(svc.hosts.length > 0 ? [{ hostHeader: { values: [...svc.hosts] } }] : []),
            { pathPattern: { values: [...svc.paths] } },
            // Only requests that came through Cloudflare carry the header; its value stays secret in the state.
            ...(withOrigin && args.originHeader
                ? [{ httpHeader: { httpHeaderName: args.originHeader.name, values: [pulumi.secret(args.originHeader.value)] } }]
                : []),
        ];
        const routes: Record<string, ServiceTargets> = {};
        if (!args.blueGreen) {
            for (const svc of args.services) {
                const rule = new aws.lb.ListenerRule(
                    `${name}-${svc.name}-rule`,
                    {
                        listenerArn: this.httpsListener.arn,
                        priority: svc.priority,
                        conditions: conditions(svc, true),
                        actions: [{ type: "forward", targetGroupArn: groups[svc.name].arn }],
                        tags: args.tags,
                    },
                    child,
                );
                routes[svc.name] = { targetGroup: groups[svc.name], rule };
            }
        } else {
            const bg = args.blueGreen;
            bg.testListenerCidrs.forEach((cidr, i) => {
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-in-test-${i}`,
                    {
                        securityGroupId: this.securityGroup.id,
                        ipProtocol: "tcp",
                        fromPort: bg.testListenerPort,
                        toPort: bg.testListenerPort,
                        cidrIpv4: cidr,
                        description: "Test listener (green tasks before release)",
                        tags: args.tags,
                    },
                    child,
                );
            });
            this.testListener = new aws.lb.Listener(
                `${name}-test`,
                {
                    loadBalancerArn: this.loadBalancer.arn,
                    port: bg.testListenerPort,
                    // HTTPS with the environment's certificate, as the production listener
                    // (Security Hub ELB.1): the smoke test sends the host name in the handshake.
                    protocol: "HTTPS",
                    sslPolicy: TLS_POLICY,
                    certificateArn: args.certificateArn,
                    defaultActions: [{ type: "forward", targetGroupArn: groups[first.name].arn }],
                    tags: args.tags,
                },
                child,
            );
            const testListener = this.testListener;
            // Both rules of a service start on its primary group; during a deployment ECS moves the
            // test rule to green, then the production rule, and back on rollback. Pulumi must not
            // undo those weights, hence ignoreChanges on the actions. The origin header is checked
            // by the web ACL here: these listeners hold forward actions only.
            const weighted = (svc: HttpRoute, ruleName: string, listenerArn: pulumi.Input<string>) =>
                new aws.lb.ListenerRule(
                    `${name}-${svc.name}-${ruleName}`,
                    {
                        listenerArn,
                        priority: svc.priority,
                        conditions: conditions(svc, false),
                        actions: [
                            {
                                type: "forward",
                                forward: {
                                    targetGroups: [
                                        { arn: groups[svc.name].arn, weight: 100 },
                                        { arn: alternates[svc.name].arn, weight: 0 },
                                    ],
                                },
                            },
                        ],
                        tags: args.tags,
                    },
                    { ...child, ignoreChanges: ["actions"] },
                );
            for (const svc of args.services) {
                routes[svc.name] = {
                    targetGroup: groups[svc.name],
                    alternateTargetGroup: alternates[svc.name],
                    productionRule: weighted(svc, "production-rule", this.httpsListener.arn),
                    testRule: weighted(svc, "test-rule", testListener.arn),
                };
            }
        }
        this.routes = routes;

        this.registerOutputs({ loadBalancerArn: this.loadBalancer.arn, dnsName: this.loadBalancer.dnsName });
    }

    attachmentFor(service: string): LoadBalancerAttachment {
        const routes = this.routesOf(service);
        return {
            kind: "application",
            targetGroupArn: routes.targetGroup.arn,
            securityGroupId: this.securityGroup.id,
            loadBalancerArnSuffix: this.loadBalancer.arnSuffix,
            targetGroupArnSuffix: routes.targetGroup.arnSuffix,
            blueGreen:
                routes.alternateTargetGroup && routes.productionRule && routes.testRule
                    ? {
                          alternateTargetGroupArn: routes.alternateTargetGroup.arn,
                          alternateTargetGroupArnSuffix: routes.alternateTargetGroup.arnSuffix,
                          productionListenerRuleArn: routes.productionRule.arn,
                          testListenerRuleArn: routes.testRule.arn,
                      }
                    : undefined,
        };
    }

    /** Both target groups under blue/green: green may be either. */
    metricsFor(service: string): LoadBalancerMetrics {
        const routes = this.routesOf(service);
        return {
            kind: "application",
            arnSuffix: this.loadBalancer.arnSuffix,
            targetGroupArnSuffixes: [routes.targetGroup.arnSuffix, ...(routes.alternateTargetGroup ? [routes.alternateTargetGroup.arnSuffix] : [])],
        };
    }

    listenersFor(service: string): readonly pulumi.Resource[] {
        this.routesOf(service);
        return [this.httpsListener];
    }

    private routesOf(service: string): ServiceTargets {
        const routes = this.routes[service];
        if (!routes) throw new Error(`LoadBalancedApp: no service ${service}; it routes to ${Object.keys(this.routes).join(", ")}`);
        return routes;
    }
}
