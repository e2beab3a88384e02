/**
 * The program's only reads of cloud state, made before any resource is created so that a
 * problem stops the run with a clear message and nothing half-built: the DNS zone's id, and,
 * when Cloudflare proxies, Cloudflare's published address ranges and the environment's origin
 * secret (written by the bootstrap). The test harness answers exactly these invokes.
 */
import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { ORIGIN_HEADER, originHostsParameter, originSecretParameter } from "./origin";
import { Settings, SettingsError } from "./settings";

export interface Lookups {
    /** The zone's id (Cloudflare zone id or Route 53 hosted zone id). */
    readonly zoneId: string;
    /** Proxied only: where the load balancer may be reached from, and the header that proves Cloudflare sent a request. */
    readonly cloudflare?: {
        readonly ipv4Cidrs: readonly string[];
        readonly ipv6Cidrs: readonly string[];
        readonly originHeader: { readonly name: string; readonly value: pulumi.Output<string> };
    };
}

/** Looks up what the stack's settings name but do not hold. Throws {@link SettingsError} naming the key at fault. */
export async function lookUp(s: Settings): Promise<Lookups> {
    const problem = (key: string, value: string, text: string) => new SettingsError(s.env, [`key shipyard:${key} = ${value}: ${text}`]);
    const { dns } = s;

    let zoneId: string;
    if (dns.provider === "cloudflare") {
        const zone = await cloudflare.getZone(dns.zoneId ? { zoneId: dns.zoneId } : { filter: { name: dns.zone } }).catch((e: unknown) => {
            throw problem(
                dns.zoneId ? "dnsZoneId" : "dnsZone",
                dns.zoneId ?? dns.zone,
                `no such zone in the Cloudflare account of CLOUDFLARE_API_TOKEN (${message(e)})`,
            );
        });
        if (zone.name !== dns.zone) throw problem("dnsZoneId", String(dns.zoneId), `is the Cloudflare zone ${zone.name}, not dnsZone ${dns.zone}`);
        zoneId = zone.id;
    } else {
        const zone = await aws.route53.getZone(dns.zoneId ? { zoneId: dns.zoneId } : { name: dns.zone, privateZone: false }).catch((e: unknown) => {
            throw problem(
                dns.zoneId ? "dnsZoneId" : "dnsZone",
                dns.zoneId ?? dns.zone,
                `no public Route 53 hosted zone of that name in the account (${message(e)})`,
            );
        });
        if (zone.name.replace(/\.$/, "") !== dns.zone)
            throw problem("dnsZoneId", String(dns.zoneId), `is the hosted zone ${zone.name}, not dnsZone ${dns.zone}`);
        zoneId = zone.zoneId;
    }
    if (!dns.proxied) return { zoneId };

    const ranges = await cloudflare.getIpRanges({});
    if (ranges.ipv4Cidrs.length === 0 || ranges.ipv6Cidrs.length === 0)
        throw problem("dnsProxied", "true", "Cloudflare returned no IPv4 or no IPv6 ranges; refusing to close the load balancer to everyone");

    // The bootstrap's Cloudflare rule adds the header for the host names it lists; a name it does not
    // list would be refused (403) by this environment's load balancer. Both are fixed in the
    // bootstrap's stack file, then by running the bootstrap.
    const bootstrapFile = "bootstrap/Pulumi.<bootstrap stack>.yaml (bootstrap/Pulumi.shared.yaml by default)";
    const read = (name: string, decrypt: boolean) =>
        aws.ssm.getParameter({ name, withDecryption: decrypt }).catch((e: unknown) => {
            throw problem(
                "dnsProxied",
                "true",
                `the origin header needs the bootstrap's parameter ${name}, which cannot be read (${message(e)}); in ${bootstrapFile} set shipyard-bootstrap:appName to ${s.app}, list ${s.bootstrapEnv} in shipyard-bootstrap:environments and ${dns.proxiedHostNames.join(", ")} in shipyard-bootstrap:originHosts.${s.bootstrapEnv}, then run pulumi up in bootstrap/`,
            );
        });
    const hosts = (await read(originHostsParameter(s.app, s.bootstrapEnv), false)).value.split(",").filter((h) => h !== "");
    const missing = dns.proxiedHostNames.filter((h) => !hosts.some((listed) => hostMatches(listed, h)));
    if (missing.length > 0)
        throw problem(
            `services.${s.services.find((x) => x.hosts.includes(missing[0]))?.name ?? "?"}.hosts`,
            missing.join(", "),
            `the bootstrap's Cloudflare rule adds ${s.bootstrapEnv}'s origin header only for ${hosts.length > 0 ? hosts.join(", ") : "no host"}; add ${missing.join(", ")} to shipyard-bootstrap:originHosts.${s.bootstrapEnv} in ${bootstrapFile} (its cloudflareZone must be ${dns.zone}), then run pulumi up in bootstrap/`,
        );
    const secret = pulumi.secret((await read(originSecretParameter(s.app, s.bootstrapEnv), true)).value);

    return {
        zoneId,
        cloudflare: { ipv4Cidrs: ranges.ipv4Cidrs, ipv6Cidrs: ranges.ipv6Cidrs, originHeader: { name: ORIGIN_HEADER, value: secret } },
    };
}

/**
 * Whether the bootstrap's listed host covers `host`: the same name, or, for a pattern such as
 * `pr-*.example.org` (the previews' rule, Cloudflare's `wildcard` operator), a name of one label
 * where `*` stands for one or more letters, digits or hyphens.
 */
export function hostMatches(listed: string, host: string): boolean {
    if (!listed.includes("*")) return listed === host;
    const pattern = listed
        .split("*")
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("[a-z0-9-]+");
    return new RegExp(`^${pattern}$`).test(host);
}

function message(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}
