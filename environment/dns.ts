/** The environment's public names: one record per host, in the zone's provider (Cloudflare or Route 53). */
import * as pulumi from "@pulumi/pulumi";
import { CloudflareDns } from "../components/cloudflareDns";
import { Route53Dns } from "../components/route53Dns";
import type { Settings } from "../stacks";
import type { Lookups } from "../stacks/lookups";
import { Data } from "./data";
import { Edge } from "./edge";
import { SERVICE_KINDS } from "./serviceKinds";

export function dns(settings: Settings, found: Lookups, edge: Edge, data: Data, opts: pulumi.ComponentResourceOptions): void {
    const { app, env, dns: zone, services } = settings;
    const prefix = `${app}-${env}`;
    // One record per public name: the ALB's (proxied unless dnsProxied is false) and each NLB's (DNS-only).
    const records = services.flatMap((s) => {
        const records = SERVICE_KINDS[s.exposure].dns;
        const target = records ? edge.loadBalancerOf(s)?.loadBalancer : undefined;
        return records && target ? s.hosts.map((host) => ({ host, target, proxied: records.proxiable && zone.proxied })) : [];
    });
    const assetsHost = data.assets && settings.assets?.host;
    if (zone.provider === "cloudflare") {
        new CloudflareDns(
            `${prefix}-dns`,
            {
                zoneId: found.zoneId,
                records: [
                    ...records.map((r) => ({ hostName: r.host, target: r.target.dnsName, proxied: r.proxied })),
                    // S3 finds the bucket by the Host header, which is the bucket's name.
                    ...(data.assets && assetsHost ? [{ hostName: assetsHost, target: data.assets.bucket.bucketRegionalDomainName, proxied: true }] : []),
                ],
                comment: edge.comment,
            },
            opts,
        );
    } else {
        new Route53Dns(
            `${prefix}-dns`,
            { zoneId: found.zoneId, records: records.map((r) => ({ hostName: r.host, target: { dnsName: r.target.dnsName, zoneId: r.target.zoneId } })) },
            opts,
        );
    }
}
