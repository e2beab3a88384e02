/**
 * The environment's edge: its DNS zone and records (Cloudflare, proxied or not, or Route 53) and
 * who may reach its load balancer (Cloudflare's ranges only when proxied), with the web ACL.
 */
import { WAF_RATE_LIMIT_RANGE } from "../lib/aws";
import { KEYS } from "./keys";
import { Fail, inRange } from "./problems";
import { KeyValues } from "./raw";
import { DeclaredService, Exposure } from "./services";
import { isIpv6Cidr, parseCidr } from "./validators";
import { HealthCheckSettings, LoadBalancerTimings } from "./health";

export const DNS_PROVIDERS = ["cloudflare", "route53"] as const;
export type DnsProvider = (typeof DNS_PROVIDERS)[number];

/** Where the environment's names and certificate validation records live; see `stacks/keys.ts`. */
export interface DnsSettings {
    /** @default "cloudflare" */
    readonly provider: DnsProvider;
    /** The zone's name, e.g. example.org. Required. */
    readonly zone: string;
    /** The zone's id; absent: looked up by name. */
    readonly zoneId?: string;
    /** Records proxied by Cloudflare, and the load balancer closed to everyone else. @default true with cloudflare, false with route53 (which cannot proxy) */
    readonly proxied: boolean;
    /** The environment's public host names (http services', then tcp services'), each inside the zone: one record each, and names on the certificate. */
    readonly hostNames: readonly string[];
    /** The names Cloudflare proxies: the http services' (tcp services' names are DNS-only); empty when not proxied. */
    readonly proxiedHostNames: readonly string[];
}

/** Who may reach the load balancer, and its web ACL. */
export interface LoadBalancerAccess {
    /** Records not proxied: IPv4 blocks admitted on 80 and 443. @default ["0.0.0.0/0"] */
    readonly ingressCidrs: readonly string[];
    /** Records not proxied: IPv6 blocks admitted on 80 and 443. @default ["::/0"] */
    readonly ingressIpv6Cidrs: readonly string[];
    /** An AWS WAF web ACL on the load balancer. @default on in the production tier only */
    readonly waf: boolean;
    /** waf: requests per client address per 5 minutes. @default 2000 */
    readonly wafRateLimit: number;
}

/** Load balancer and its target group's health check; see `stacks/keys.ts`. */
export interface LoadBalancerSettings extends LoadBalancerAccess, LoadBalancerTimings {
    readonly healthCheck: HealthCheckSettings;
}

type EdgeKeys = Pick<KeyValues, "dnsProvider" | "dnsZone" | "dnsZoneId" | "dnsProxied" | "ingressCidrs" | "ingressIpv6Cidrs" | "waf" | "wafRateLimit">;

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Checks the DNS and ingress keys: every service's host inside the zone, a zone id of the
 * provider's form, proxying only at Cloudflare, and no ingress blocks that proxying would ignore.
 * `proxiedSet`: the stack file sets dnsProxied; unset, proxying follows the provider.
 */
export function parseEdge(
    v: EdgeKeys,
    services: readonly DeclaredService[],
    proxiedSet: boolean,
    fail: Fail,
): { readonly dns: DnsSettings; readonly access: LoadBalancerAccess } {
    const provider = v.dnsProvider as DnsProvider;
    if (!(DNS_PROVIDERS as readonly string[]).includes(v.dnsProvider)) fail("dnsProvider", v.dnsProvider, `allowed: ${DNS_PROVIDERS.join(", ")}`);
    if (v.dnsZone === "") fail("dnsZone", v.dnsZone, "the zone must be named, e.g. example.org: its records and the certificate's validation records go there");
    else if (!HOST_NAME.test(v.dnsZone))
        fail("dnsZone", v.dnsZone, "must be a DNS zone name such as example.org: lowercase labels of letters, digits and hyphens");
    else {
        for (const s of services)
            for (const host of s.hosts)
                if (host !== v.dnsZone && !host.endsWith(`.${v.dnsZone}`))
                    fail(
                        `services.${s.name}.hosts`,
                        host,
                        `the host name is outside the zone ${v.dnsZone} (dnsZone); allowed: ${v.dnsZone} or a name ending in .${v.dnsZone}`,
                    );
    }
    const zoneIdPattern = provider === "route53" ? /^Z[A-Z0-9]{1,31}$/ : /^[0-9a-f]{32}$/;
    if (v.dnsZoneId !== "" && !zoneIdPattern.test(v.dnsZoneId))
        fail(
            "dnsZoneId",
            v.dnsZoneId,
            provider === "route53" ? "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or empty" : "a Cloudflare zone id (32 hex digits), or empty",
        );
    // Left unset, proxying follows the provider: Cloudflare proxies, Route 53 cannot.
    const proxied = proxiedSet ? v.dnsProxied : provider === "cloudflare";
    if (proxied && provider === "route53")
        fail("dnsProxied", v.dnsProxied, "Route 53 answers with the load balancer's own addresses and cannot proxy; allowed with dnsProvider route53: false");
    if (proxied) {
        // Through Cloudflare, the load balancer admits Cloudflare's ranges only; a setting that would be ignored is an error.
        for (const key of ["ingressCidrs", "ingressIpv6Cidrs"] as const) {
            if (JSON.stringify(v[key]) !== JSON.stringify(KEYS[key].default))
                fail(
                    key,
                    v[key],
                    "records are proxied (dnsProvider cloudflare, dnsProxied true), so the load balancer admits Cloudflare's published ranges only; remove this key, or set dnsProxied: false",
                );
        }
    }
    if (v.ingressCidrs.length === 0 && v.ingressIpv6Cidrs.length === 0)
        fail("ingressCidrs", v.ingressCidrs, "at least one IPv4 or IPv6 block, e.g. 0.0.0.0/0 (with ingressIpv6Cidrs ::/0)");
    for (const c of v.ingressIpv6Cidrs) if (!isIpv6Cidr(c)) fail("ingressIpv6Cidrs", c, "must be an IPv6 CIDR block such as ::/0 or 2001:db8::/32");
    if (!inRange(v.wafRateLimit, WAF_RATE_LIMIT_RANGE[0], WAF_RATE_LIMIT_RANGE[1]))
        fail(
            "wafRateLimit",
            v.wafRateLimit,
            `allowed: ${WAF_RATE_LIMIT_RANGE[0]} to ${WAF_RATE_LIMIT_RANGE[1]} requests per client address per 5 minutes (AWS WAF's limits)`,
        );
    for (const c of v.ingressCidrs) if (!parseCidr(c)) fail("ingressCidrs", c, "must be an IPv4 CIDR block such as 0.0.0.0/0 or 203.0.113.0/24");

    const publicHosts = (exposure: Exposure) => services.filter((x) => x.exposure === exposure).flatMap((x) => x.hosts);
    const all = [...publicHosts("http"), ...publicHosts("tcp")];
    if (all.length > 0 && !all.some((h) => h.length <= ACM_DOMAIN_NAME_MAX))
        fail(
            `services.${services.find((x) => x.hosts.length > 0)?.name ?? "?"}.hosts`,
            all,
            `the environment's certificate needs one host name of at most ${ACM_DOMAIN_NAME_MAX} characters as its subject (ACM's limit for a certificate's first domain name); add a shorter one`,
        );
    return {
        dns: {
            provider,
            zone: v.dnsZone,
            zoneId: v.dnsZoneId === "" ? undefined : v.dnsZoneId,
            proxied,
            // The ALB's names first, then the NLBs'; the certificate's subject is the first of them
            // that ACM takes as a domain name (at most 64 characters), the others its alternative names.
            hostNames: certificateOrder(all),
            proxiedHostNames: proxied ? publicHosts("http") : [],
        },
        access: { ingressCidrs: [...v.ingressCidrs], ingressIpv6Cidrs: [...v.ingressIpv6Cidrs], waf: v.waf, wafRateLimit: v.wafRateLimit },
    };
}

/** ACM's limit for a certificate's first domain name (ACM API Reference, RequestCertificate, DomainName). */
const ACM_DOMAIN_NAME_MAX = 64;

/** The host names with the first one ACM can take as the certificate's subject moved to the front. */
export function certificateOrder(hosts: readonly string[]): string[] {
    const subject = hosts.findIndex((h) => h.length <= ACM_DOMAIN_NAME_MAX);
    return subject <= 0 ? [...hosts] : [hosts[subject], ...hosts.slice(0, subject), ...hosts.slice(subject + 1)];
}
