import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "node:crypto";
import { ORIGIN_HEADER, originHostsParameter, originSecretParameter } from "../stacks/origin";
import { inZone } from "./settings";

export const CLOUDFLARE_EDGE_TYPE = "shipyard-bootstrap:cloudflare:CloudflareEdge";

/**
 * The zone settings the bootstrap owns, by Cloudflare setting id:
 * - `ssl: strict` (Full (strict)): Cloudflare reaches the origin over HTTPS and verifies its
 *   certificate, the environment's public ACM certificate for the host name. "Flexible" would send
 *   requests in plain HTTP, and "Full" would accept any certificate, so anyone on the path could
 *   pose as the load balancer and read the origin header.
 * - `always_use_https: on`: plain-HTTP visitors get a redirect at the edge, before anything reaches
 *   the origin.
 * - `min_tls_version: 1.2`: TLS 1.0 and 1.1 are deprecated (RFC 8996); no browser still in
 *   support needs them.
 */
export const ZONE_SETTINGS = { ssl: "strict", always_use_https: "on", min_tls_version: "1.2" } as const;

/**
 * The SSL mode of requests for an assets host, which Cloudflare proxies to the environment's
 * bucket at `<host>.s3.<region>.amazonaws.com` (the bucket is named exactly the host: S3 finds the
 * bucket by the Host header). S3 presents its own certificate, for `*.s3.<region>.amazonaws.com`,
 * which does not name the host (nor, the host having dots, the bucket's endpoint), and a bucket
 * cannot have a certificate of its own: Full (strict) cannot validate it and answers 526.
 * - `full`: Cloudflare still reaches S3 over HTTPS, so the request and the object are encrypted on
 *   the way; it only does not verify whose certificate it is. What it fetches is public content,
 *   and the bucket admits anonymous reads from Cloudflare's addresses only.
 * - not `flexible`: that would send the requests in plain HTTP across the internet, and the
 *   bucket's policy refuses every request that does not use TLS (aws:SecureTransport), so every
 *   asset would be a 403.
 * Only these hosts: every other host of the zone keeps Full (strict).
 */
export const ASSETS_SSL_MODE = "full";

export interface CloudflareEdgeArgs {
    /** Names the parameters `/<app>/<env>/edge/...` and describes the ruleset and rules. */
    readonly app: string;
    /**
     * The zone's name. Its settings ({@link ZONE_SETTINGS}) apply to every proxied host of the
     * zone, not only to {@link originHosts}.
     * @example "example.org"
     */
    readonly zone: string;
    /**
     * The zone's id, checked to be {@link zone}'s (one lookup), so that a mistyped id cannot change
     * another zone's settings.
     * @default undefined (looked up by {@link zone})
     */
    readonly zoneId?: string;
    /**
     * Host names by environment, each in {@link zone}. Every environment listed gets an origin
     * secret, a hosts parameter and one rule, in this order; one not listed gets none.
     * @example { alpha: ["alpha.example.org"], live: ["example.org"] }
     */
    readonly originHosts: Readonly<Record<string, readonly string[]>>;
    /**
     * The host that serves each environment's assets bucket, each in {@link zone} and none an
     * origin host. Every environment listed gets one rule setting the SSL mode
     * {@link ASSETS_SSL_MODE} for its host, in this order; one not listed gets none.
     * @default {}
     * @example { live: "assets.example.org" }
     */
    readonly assetsHosts?: Readonly<Record<string, string>>;
    /** Tags on every parameter; its `environment` tag is replaced by the parameter's environment. */
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The rule expression that matches requests for exactly these host names (origin and assets rules
 * alike). A host with `*` (the previews' `pr-*.<zone>`) is matched with the Rules language's
 * `wildcard` operator, available on every plan (unlike `matches`).
 */
export function originRuleExpression(hosts: readonly string[]): string {
    const exact = hosts.filter((h) => !h.includes("*"));
    const patterns = hosts.filter((h) => h.includes("*"));
    if (patterns.length === 0) return `(http.host in {${exact.map((h) => JSON.stringify(h)).join(" ")}})`;
    const parts = [
        ...(exact.length > 0 ? [`http.host in {${exact.map((h) => JSON.stringify(h)).join(" ")}}`] : []),
        ...patterns.map((p) => `http.host wildcard ${JSON.stringify(p)}`),
    ];
    return `(${parts.join(" or ")})`;
}

/**
 * The Cloudflare zone-level singletons in front of the environments, which no environment's stack
 * can own: the zone's SSL/TLS settings, its one ruleset of the `http_request_late_transform`
 * phase (request header transform rules) and its one ruleset of the `http_config_settings` phase
 * (configuration rules). Per environment, an origin secret that the rule adds as the
 * {@link ORIGIN_HEADER} header to requests for that environment's hosts, and the host list, both
 * in SSM, where the environment's stack reads them to admit only requests that carry it; and for
 * an environment whose assets bucket is served through Cloudflare, a configuration rule that sets
 * {@link ASSETS_SSL_MODE} for its assets host.
 */
export class CloudflareEdge extends pulumi.ComponentResource {
    /** The zone's id, given or looked up. */
    readonly zoneId: pulumi.Output<string>;
    /** By environment: the SecureString parameter whose value the rule sends. */
    readonly secretParameters: Readonly<Record<string, aws.ssm.Parameter>>;
    /** By environment: the String parameter listing the hosts the rule matches. */
    readonly hostsParameters: Readonly<Record<string, aws.ssm.Parameter>>;
    /** Undefined when no environment has hosts. */
    readonly ruleset?: cloudflare.Ruleset;
    /** The configuration rules of the assets hosts; undefined when no environment has one. */
    readonly configRuleset?: cloudflare.Ruleset;

    constructor(name: string, args: CloudflareEdgeArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(CLOUDFLARE_EDGE_TYPE, name, {}, opts);
        const envs = Object.keys(args.originHosts);
        for (const env of envs) {
            const hosts = args.originHosts[env];
            if (hosts.length === 0) throw new Error(`CloudflareEdge: no host names for ${env}`);
            const outside = hosts.filter((h) => !inZone(h, args.zone));
            if (outside.length > 0) throw new Error(`CloudflareEdge: ${outside.join(", ")} of ${env} not in the zone ${args.zone}`);
        }
        const assetsHosts = args.assetsHosts ?? {};
        const origins = new Set(envs.flatMap((env) => args.originHosts[env]));
        for (const [env, host] of Object.entries(assetsHosts)) {
            if (!inZone(host, args.zone)) throw new Error(`CloudflareEdge: assets host ${host} of ${env} not in the zone ${args.zone}`);
            // One host, one SSL mode: an origin host must keep Full (strict).
            if (origins.has(host)) throw new Error(`CloudflareEdge: assets host ${host} of ${env} is an origin host`);
        }

        this.zoneId =
            args.zoneId === undefined
                ? cloudflare.getZoneOutput({ filter: { name: args.zone } }, { parent: this }).id
                : cloudflare.getZoneOutput({ zoneId: args.zoneId }, { parent: this }).apply((z) => {
                      if (z.name !== args.zone) throw new Error(`cloudflareZoneId ${args.zoneId} is the zone ${z.name}, not ${args.zone} (cloudflareZone)`);
                      return z.id;
                  });

        const secretParameters: Record<string, aws.ssm.Parameter> = {};
        const hostsParameters: Record<string, aws.ssm.Parameter> = {};
        for (const env of envs) {
            // The AWS managed aws/ssm key encrypts it: its key policy admits any principal of the
            // account that may call SSM, and the parameter is under /<app>/<env>/, which that
            // environment's deploy role may manage and its preview role may read
            // (environmentArns in policies.ts: deployPolicy, previewPolicy); no other environment's
            // role may. A customer managed key would need a grant for each of them and gain nothing.
            secretParameters[env] = new aws.ssm.Parameter(
                `${name}-origin-secret-${env}`,
                {
                    name: originSecretParameter(args.app, env),
                    description: `Origin secret of the ${args.app} ${env} environment: Cloudflare sends it as ${ORIGIN_HEADER}, the load balancer admits only requests that carry it`,
                    type: "SecureString",
                    // Generated at run time and never in the program or the stack file. Created once:
                    // ignoreChanges keeps the stored value on every later run, and the rule sends that
                    // stored value (the output). To rotate, `pulumi up --replace` this resource.
                    value: pulumi.secret(randomBytes(32).toString("hex")),
                    tags: { ...args.tags, environment: env },
                },
                // The name is fixed, so a replacement must delete the old parameter first.
                { parent: this, ignoreChanges: ["value"], deleteBeforeReplace: true },
            );
            hostsParameters[env] = new aws.ssm.Parameter(
                `${name}-origin-hosts-${env}`,
                {
                    name: originHostsParameter(args.app, env),
                    description: `Host names for which Cloudflare adds the ${args.app} ${env} environment's ${ORIGIN_HEADER} header`,
                    type: "String",
                    value: args.originHosts[env].join(","),
                    tags: { ...args.tags, environment: env },
                },
                { parent: this },
            );
        }
        this.secretParameters = secretParameters;
        this.hostsParameters = hostsParameters;

        // A zone has one ruleset per phase, so this one holds every environment's rule. Cloudflare
        // refuses a second one: if the zone has one already (made in the dashboard), import it first.
        if (envs.length > 0) {
            this.ruleset = new cloudflare.Ruleset(
                `${name}-origin-header`,
                {
                    zoneId: this.zoneId,
                    kind: "zone",
                    phase: "http_request_late_transform",
                    name: `${args.app} origin header`,
                    description: `Adds each ${args.app} environment's ${ORIGIN_HEADER} header; owned by the ${args.app} bootstrap stack, which overwrites changes made elsewhere`,
                    rules: envs.map((env) => ({
                        // A fixed ref keeps a rule's identity when rules are added or reordered.
                        ref: `${args.app}_${env}_origin_header`,
                        description: `${ORIGIN_HEADER} of the ${args.app} ${env} environment`,
                        expression: originRuleExpression(args.originHosts[env]),
                        action: "rewrite",
                        // "set" replaces any header of that name the client sent.
                        actionParameters: { headers: { [ORIGIN_HEADER]: { operation: "set", value: secretParameters[env].value } } },
                        enabled: true,
                    })),
                },
                { parent: this },
            );
        }

        // The configuration rules' phase has one ruleset per zone too, hence all environments' rules here.
        const assetsEnvs = Object.keys(assetsHosts);
        if (assetsEnvs.length > 0) {
            this.configRuleset = new cloudflare.Ruleset(
                `${name}-assets-ssl`,
                {
                    zoneId: this.zoneId,
                    kind: "zone",
                    phase: "http_config_settings",
                    name: `${args.app} assets SSL`,
                    description: `SSL mode ${ASSETS_SSL_MODE} for each ${args.app} environment's assets host, proxied to S3 whose certificate does not name it; owned by the ${args.app} bootstrap stack, which overwrites changes made elsewhere`,
                    rules: assetsEnvs.map((env) => ({
                        ref: `${args.app}_${env}_assets_ssl`,
                        description: `SSL ${ASSETS_SSL_MODE} for the ${args.app} ${env} environment's assets host`,
                        expression: originRuleExpression([assetsHosts[env]]),
                        action: "set_config",
                        actionParameters: { ssl: ASSETS_SSL_MODE },
                        enabled: true,
                    })),
                },
                { parent: this },
            );
        }

        for (const [settingId, value] of Object.entries(ZONE_SETTINGS)) {
            new cloudflare.ZoneSetting(`${name}-${settingId.replace(/_/g, "-")}`, { zoneId: this.zoneId, settingId, value }, { parent: this });
        }

        this.registerOutputs({ zoneId: this.zoneId });
    }
}
