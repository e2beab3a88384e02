import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export const CLOUDFLARE_DNS_TYPE = "shipyard:dns:CloudflareDns";

/** Cloudflare's "automatic" TTL; the only one a proxied record may have. */
export const CLOUDFLARE_AUTO_TTL = 1;

export interface CloudflareHostRecord {
    /** Fully qualified host name inside the zone, e.g. alpha.example.org, or the zone's own name. */
    readonly hostName: string;
    /** What the name points at: the load balancer's DNS name. */
    readonly target: pulumi.Input<string>;
    /** Through Cloudflare's proxy (its addresses answer, its TLS and WAF in front) or DNS only. */
    readonly proxied: boolean;
}

export interface CloudflareDnsArgs {
    /** The zone's id, found by `stacks/lookups.ts` before any resource is created. */
    readonly zoneId: string;
    readonly records: readonly CloudflareHostRecord[];
    /** Shown beside each record in the Cloudflare dashboard, e.g. who manages it. */
    readonly comment: string;
}

/**
 * One CNAME per public host name in a Cloudflare zone, pointing at the load balancer; proxied
 * unless told. Cloudflare flattens a CNAME at the zone apex, so the live environment's bare
 * domain works the same way.
 */
export class CloudflareDns extends pulumi.ComponentResource {
    readonly records: cloudflare.DnsRecord[];

    constructor(name: string, args: CloudflareDnsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(CLOUDFLARE_DNS_TYPE, name, {}, opts);
        const hosts = args.records.map((r) => r.hostName);
        const twice = hosts.find((h, i) => hosts.indexOf(h) !== i);
        if (twice) throw new Error(`CloudflareDns: host name ${twice} is given twice`);
        // Named by position, so the plans of two environments line up.
        this.records = args.records.map(
            (r, i) =>
                new cloudflare.DnsRecord(
                    `${name}-${i}`,
                    {
                        zoneId: args.zoneId,
                        name: r.hostName,
                        type: "CNAME",
                        content: r.target,
                        proxied: r.proxied,
                        ttl: CLOUDFLARE_AUTO_TTL,
                        comment: args.comment,
                    },
                    { parent: this },
                ),
        );
        this.registerOutputs({ hostNames: hosts });
    }
}

/**
 * A certificate validation record in Cloudflare: a CNAME to ACM's acm-validations.aws target,
 * always DNS-only. Cloudflare refuses a proxied record with that target ("Target ...
 * acm-validations.aws is not allowed for a proxied record"), and ACM must see the CNAME itself.
 */
export function cloudflareValidationRecord(
    name: string,
    zoneId: string,
    record: { name: pulumi.Input<string>; type: pulumi.Input<string>; value: pulumi.Input<string> },
    comment: string,
    opts: pulumi.CustomResourceOptions,
): cloudflare.DnsRecord {
    return new cloudflare.DnsRecord(
        name,
        {
            zoneId,
            // ACM gives fully qualified names with a final dot; Cloudflare stores them without.
            name: pulumi.output(record.name).apply(withoutFinalDot),
            type: record.type,
            content: pulumi.output(record.value).apply(withoutFinalDot),
            proxied: false,
            ttl: CLOUDFLARE_AUTO_TTL,
            comment,
        },
        opts,
    );
}

export function withoutFinalDot(name: string): string {
    return name.endsWith(".") ? name.slice(0, -1) : name;
}
