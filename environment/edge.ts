/**
 * How requests reach the environment: one certificate for its public names, the application load
 * balancer of its http services (behind Cloudflare when proxied), the web ACL, and a network load
 * balancer per tcp service.
 */
import * as pulumi from "@pulumi/pulumi";
import { DnsValidatedCertificate } from "../components/certificate";
import { LoadBalancedApp, ServiceLoadBalancer } from "../components/loadBalancedApp";
import { Network } from "../components/network";
import { ELB_LOG_PREFIX, LogBucket } from "../components/logBucket";
import { NetworkLoadBalancer } from "../components/networkLoadBalancer";
import { WebAcl } from "../components/webAcl";
import type { ServiceSettings, Settings } from "../stacks";
import { shiftsTraffic } from "../stacks/deployment";
import type { Lookups } from "../stacks/lookups";
import { SERVICE_KINDS } from "./serviceKinds";

export interface Edge {
    readonly certificate?: DnsValidatedCertificate;
    /** The application load balancer, when there are http services. */
    readonly alb?: LoadBalancedApp;
    /** The load balancer in front of a service, if any (its kind's, see SERVICE_KINDS). */
    loadBalancerOf(service: ServiceSettings): ServiceLoadBalancer | undefined;
    /** Who may reach the test listener under blue/green (the smoke test's NAT addresses included). */
    readonly testListenerCidrs: readonly pulumi.Input<string>[];
    /** The comment DNS records and the certificate carry. */
    readonly comment: string;
}

export function edge(settings: Settings, found: Lookups, net: Network, logBucket: LogBucket | undefined, opts: pulumi.ComponentResourceOptions): Edge {
    const { app, env, dns, services, loadBalancer: lb, deployment, tags } = settings;
    const prefix = `${app}-${env}`;
    const blueGreen = shiftsTraffic(deployment.strategy);
    const ofKind = (kind: "application" | "network") => services.filter((s) => SERVICE_KINDS[s.exposure].loadBalancer === kind);
    const http = ofKind("application");

    // One certificate for all the environment's public names (the ALB's hosts, then the NLBs'),
    // validated by DNS records in its zone; listeners take its ARN from the validation, so they
    // wait until ACM has issued it.
    const comment = `${prefix}: managed by Pulumi (shipyard)`;
    const certificate =
        dns.hostNames.length > 0
            ? new DnsValidatedCertificate(
                  `${prefix}-cert`,
                  { domainNames: dns.hostNames, zone: { provider: dns.provider, zoneId: found.zoneId }, comment, tags },
                  opts,
              )
            : undefined;

    // Through Cloudflare: only its ranges reach the ALB, and only requests with the environment's
    // origin header are served (by the listener rules, or by the web ACL under blue/green).
    const cf = found.cloudflare;
    const testListenerCidrs = [
        ...deployment.testListenerCidrs,
        // The smoke test reaches the test listener from the private subnets, through NAT.
        ...(deployment.smokeTest ? net.natPublicIps.map((ip) => pulumi.interpolate`${ip}/32`) : []),
    ];
    const alb =
        http.length > 0 && certificate
            ? new LoadBalancedApp(
                  `${prefix}-lb`,
                  {
                      nameParts: [app, env],
                      vpcId: net.vpc.id,
                      subnetIds: net.publicSubnetIds,
                      certificateArn: certificate.certificateArn,
                      services: http.map((s) => ({
                          name: s.name,
                          targetPort: s.containerPort,
                          healthCheck: { ...lb.healthCheck, path: s.healthCheckPath },
                          hosts: s.hosts,
                          paths: s.paths,
                          priority: s.priority,
                      })),
                      ingressCidrs: cf ? cf.ipv4Cidrs : lb.ingressCidrs,
                      ingressIpv6Cidrs: cf ? cf.ipv6Cidrs : lb.ingressIpv6Cidrs,
                      originHeader: cf && !blueGreen ? cf.originHeader : undefined,
                      deregistrationDelaySeconds: lb.deregistrationDelaySeconds,
                      idleTimeoutSeconds: lb.idleTimeoutSeconds,
                      protect: settings.protect,
                      blueGreen: blueGreen ? { testListenerPort: deployment.testListenerPort, testListenerCidrs } : undefined,
                      accessLogs: logBucket?.loadBalancerLogs
                          ? { bucket: logBucket.bucket.bucket, prefix: ELB_LOG_PREFIX, policy: logBucket.policy }
                          : undefined,
                      tags,
                  },
                  opts,
              )
            : undefined;

    // Under blue/green the listener cannot check the origin header: a web ACL does, with or without waf's protections.
    if (alb && (lb.waf || (cf && blueGreen))) {
        new WebAcl(
            `${prefix}-waf`,
            {
                nameParts: [app, env],
                loadBalancerArn: alb.loadBalancer.arn,
                protections: lb.waf ? { rateLimitPer5Minutes: lb.wafRateLimit } : undefined,
                logRetentionDays: settings.logRetentionDays,
                // Behind Cloudflare every request comes from Cloudflare's addresses; the client's is in this header.
                clientIpHeader: cf ? "CF-Connecting-IP" : undefined,
                originHeader: cf && blueGreen ? { ...cf.originHeader, exemptCidrs: testListenerCidrs } : undefined,
                tags,
            },
            opts,
        );
    }

    // tcp services: a Network Load Balancer each, open to ingressCidrs (Cloudflare cannot proxy raw TCP).
    const nlbs = new Map(
        ofKind("network").map((s) => [
            s.name,
            new NetworkLoadBalancer(
                `${prefix}-${s.name}-nlb`,
                {
                    nameParts: [app, env, s.name],
                    vpcId: net.vpc.id,
                    subnetIds: net.publicSubnetIds,
                    listeners: s.listeners,
                    certificateArn: certificate?.certificateArn,
                    targetPort: s.containerPort,
                    healthCheck: {
                        intervalSeconds: lb.healthCheck.intervalSeconds,
                        healthyThreshold: lb.healthCheck.healthyThreshold,
                        unhealthyThreshold: lb.healthCheck.unhealthyThreshold,
                    },
                    ingressCidrs: lb.ingressCidrs,
                    ingressIpv6Cidrs: lb.ingressIpv6Cidrs,
                    deregistrationDelaySeconds: lb.deregistrationDelaySeconds,
                    protect: settings.protect,
                    tags,
                },
                opts,
            ),
        ]),
    );

    const loadBalancerOf = (s: ServiceSettings): ServiceLoadBalancer | undefined => {
        const kind = SERVICE_KINDS[s.exposure].loadBalancer;
        return kind === "application" ? alb : kind === "network" ? nlbs.get(s.name) : undefined;
    };
    return { certificate, alb, loadBalancerOf, testListenerCidrs, comment };
}
