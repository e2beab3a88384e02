import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName } from "../lib/aws";
import type { LoadBalancerAttachment } from "./containerService";
import { ServiceLoadBalancer, TLS_POLICY } from "./loadBalancedApp";
import type { LoadBalancerMetrics } from "./monitoring";

export const NETWORK_LOAD_BALANCER_TYPE = "shipyard:lb:NetworkLoadBalancer";

export interface NlbListenerArgs {
    readonly port: number;
    /** TCP passes the connection through; TLS terminates it with `certificateArn` and passes plain TCP on. */
    readonly protocol: "TCP" | "TLS";
}

export interface NetworkLoadBalancerArgs {
    /** Parts of physical names, `[app, env, service]`; cut to AWS's 32-character limit. */
    readonly nameParts: readonly [string, string, string];
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets, at least two AZs. */
    readonly subnetIds: pulumi.Input<string>[];
    readonly listeners: readonly NlbListenerArgs[];
    /** Needed by TLS listeners: the environment's validated certificate. */
    readonly certificateArn?: pulumi.Input<string>;
    /** Port the service's containers listen on. */
    readonly targetPort: number;
    /** TCP health check on the target port. */
    readonly healthCheck: { readonly intervalSeconds: number; readonly healthyThreshold: number; readonly unhealthyThreshold: number };
    /** Who may connect: IPv4 and IPv6 blocks admitted on the listener ports. */
    readonly ingressCidrs: readonly string[];
    readonly ingressIpv6Cidrs: readonly string[];
    /** Seconds a leaving target keeps its connections. */
    readonly deregistrationDelaySeconds: number;
    /** Deletion protection and Pulumi protect. @default false */
    readonly protect?: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

export function validateNetworkLoadBalancerArgs(args: NetworkLoadBalancerArgs): void {
    if (args.listeners.length === 0) throw new Error(`NetworkLoadBalancer: ${args.nameParts[2]}: at least one listener`);
    const ports = args.listeners.map((l) => l.port);
    if (new Set(ports).size !== ports.length) throw new Error(`NetworkLoadBalancer: ${args.nameParts[2]}: two listeners on one port (${ports.join(", ")})`);
    if (args.listeners.some((l) => l.protocol === "TLS") && !args.certificateArn)
        throw new Error(`NetworkLoadBalancer: ${args.nameParts[2]}: a TLS listener needs certificateArn`);
    if (args.subnetIds.length < 2) throw new Error(`NetworkLoadBalancer: ${args.nameParts[2]}: subnets in at least 2 AZs, got ${args.subnetIds.length}`);
}

/**
 * A public, dual-stack Network Load Balancer for one tcp service: a listener per port (TLS ones
 * terminated with the environment's certificate and a TLS 1.3 policy), one IP target group with a
 * TCP health check on the target port and the client's address preserved, and a security group
 * admitting the listener ports from `ingressCidrs` and `ingressIpv6Cidrs` and sending only to the
 * service (ContainerService adds that rule). Cloudflare cannot proxy raw TCP without Spectrum, so
 * its DNS record is DNS-only and this security group, not Cloudflare, decides who connects.
 */
export class NetworkLoadBalancer extends pulumi.ComponentResource implements ServiceLoadBalancer {
    /** The one service it fronts. */
    readonly service: string;
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly loadBalancer: aws.lb.LoadBalancer;
    readonly targetGroup: aws.lb.TargetGroup;
    readonly listeners: aws.lb.Listener[];

    constructor(name: string, args: NetworkLoadBalancerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(NETWORK_LOAD_BALANCER_TYPE, name, {}, opts);
        validateNetworkLoadBalancerArgs(args);
        const child = { parent: this };
        const protect = args.protect ?? false;
        const svc = args.nameParts[2];
        this.service = svc;

        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: `${svc} network load balancer: its listener ports in; out only to ${svc}`,
                tags: { ...args.tags, Name: physicalName([...args.nameParts, "nlb"], 255) },
            },
            child,
        );
        const sources = [
            ...args.ingressCidrs.map((cidr) => ({ cidr, source: { cidrIpv4: cidr } })),
            ...args.ingressIpv6Cidrs.map((cidr) => ({ cidr, source: { cidrIpv6: cidr } })),
        ];
        for (const l of args.listeners) {
            for (const { cidr, source } of sources) {
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-in-${l.port}-${cidr.replace(/[:/]/g, "-")}`,
                    {
                        securityGroupId: this.securityGroup.id,
                        ipProtocol: "tcp",
                        fromPort: l.port,
                        toPort: l.port,
                        ...source,
                        description: `${l.protocol} ${l.port} from ${cidr}`,
                        tags: args.tags,
                    },
                    child,
                );
            }
        }

        this.loadBalancer = new aws.lb.LoadBalancer(
            `${name}-nlb`,
            {
                name: physicalName([...args.nameParts, "nlb"], 32),
                loadBalancerType: "network",
                internal: false,
                ipAddressType: "dualstack",
                subnets: args.subnetIds,
                securityGroups: [this.securityGroup.id],
                enableCrossZoneLoadBalancing: true,
                enableDeletionProtection: protect,
                tags: args.tags,
            },
            { ...child, protect },
        );

        this.targetGroup = new aws.lb.TargetGroup(
            `${name}-tg`,
            {
                name: physicalName([...args.nameParts, "nlb"], 32),
                vpcId: args.vpcId,
                targetType: "ip",
                protocol: "TCP",
                port: args.targetPort,
                // The tasks see the client's own address (for IP targets the default is off).
                preserveClientIp: "true",
                deregistrationDelay: args.deregistrationDelaySeconds,
                // Long-lived connections (sockets) are closed when their target leaves, so clients reconnect to a live one.
                connectionTermination: true,
                healthCheck: {
                    enabled: true,
                    protocol: "TCP",
                    port: "traffic-port",
                    interval: args.healthCheck.intervalSeconds,
                    healthyThreshold: args.healthCheck.healthyThreshold,
                    unhealthyThreshold: args.healthCheck.unhealthyThreshold,
                },
                tags: args.tags,
            },
            child,
        );

        this.listeners = args.listeners.map(
            (l) =>
                new aws.lb.Listener(
                    `${name}-${l.port}`,
                    {
                        loadBalancerArn: this.loadBalancer.arn,
                        port: l.port,
                        protocol: l.protocol,
                        ...(l.protocol === "TLS" ? { certificateArn: args.certificateArn, sslPolicy: TLS_POLICY } : {}),
                        defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
                        tags: args.tags,
                    },
                    child,
                ),
        );
        this.registerOutputs({ dnsName: this.loadBalancer.dnsName });
    }

    /** Network: no HTTP metrics, so no deployment alarms; the circuit breaker rolls deploys back. */
    attachmentFor(service: string): LoadBalancerAttachment {
        this.check(service);
        return {
            kind: "network",
            targetGroupArn: this.targetGroup.arn,
            securityGroupId: this.securityGroup.id,
            loadBalancerArnSuffix: this.loadBalancer.arnSuffix,
            targetGroupArnSuffix: this.targetGroup.arnSuffix,
        };
    }

    metricsFor(service: string): LoadBalancerMetrics {
        this.check(service);
        return { kind: "network", arnSuffix: this.loadBalancer.arnSuffix, targetGroupArnSuffixes: [this.targetGroup.arnSuffix] };
    }

    listenersFor(service: string): readonly pulumi.Resource[] {
        this.check(service);
        return this.listeners;
    }

    private check(service: string): void {
        if (service !== this.service) throw new Error(`NetworkLoadBalancer: fronts ${this.service}, not ${service}`);
    }
}
