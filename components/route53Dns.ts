import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export const ROUTE53_DNS_TYPE = "shipyard:dns:Route53Dns";

export interface Route53DnsArgs {
    /** The public hosted zone's id, found by `stacks/lookups.ts` before any resource is created. */
    readonly zoneId: string;
    /** Per fully qualified host name inside the zone, the load balancer it points at (dual-stack, so AAAA answers too). */
    readonly records: readonly {
        readonly hostName: string;
        readonly target: { readonly dnsName: pulumi.Input<string>; readonly zoneId: pulumi.Input<string> };
    }[];
}

/**
 * For teams not on Cloudflare: alias A and AAAA records per host name in a Route 53 public hosted
 * zone, answered with the load balancer's own addresses (alias queries to AWS resources are free).
 */
export class Route53Dns extends pulumi.ComponentResource {
    readonly records: aws.route53.Record[];

    constructor(name: string, args: Route53DnsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(ROUTE53_DNS_TYPE, name, {}, opts);
        const hosts = args.records.map((r) => r.hostName);
        const twice = hosts.find((h, i) => hosts.indexOf(h) !== i);
        if (twice) throw new Error(`Route53Dns: host name ${twice} is given twice`);
        // Named by position, so the plans of two environments line up.
        this.records = args.records.flatMap(({ hostName: host, target }, i) =>
            (["A", "AAAA"] as const).map(
                (type) =>
                    new aws.route53.Record(
                        `${name}-${i}-${type.toLowerCase()}`,
                        {
                            zoneId: args.zoneId,
                            name: host,
                            type,
                            aliases: [{ name: target.dnsName, zoneId: target.zoneId, evaluateTargetHealth: true }],
                        },
                        { parent: this },
                    ),
            ),
        );
        this.registerOutputs({ hostNames: hosts });
    }
}

/** A certificate validation record in a Route 53 hosted zone: the CNAME ACM asks for. */
export function route53ValidationRecord(
    name: string,
    zoneId: string,
    record: { name: pulumi.Input<string>; type: pulumi.Input<string>; value: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): aws.route53.Record {
    return new aws.route53.Record(name, { zoneId, name: record.name, type: record.type, records: [record.value], ttl: 300 }, opts);
}
