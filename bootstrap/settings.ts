/**
 * The bootstrap project's configuration: every key it reads, their defaults, and the one place
 * that turns a stack's raw configuration into a frozen, validated settings object. Problems are
 * reported all at once, in the environments' format (`SettingsError` from `stacks/`).
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_TIERS, ENVIRONMENTS, KeySpec, PROJECT as ENVIRONMENTS_PROJECT, TIERS, Tier, stackNameProblem } from "../stacks/keys";
import { RawConfig, SettingsError } from "../stacks/settings";
import { partitionOf } from "../lib/aws";
import { KEEP_DEPLOYED_IMAGES, inPromotionOrder } from "./tiers";
import { PREVIEW_BOOTSTRAP_ENV } from "./previews";

/** An environment's name: the name of its stack in the environments' project. */
type EnvName = string;

/** The bootstrap's Pulumi project name; its configuration keys live in this namespace. */
export const BOOTSTRAP_PROJECT = "shipyard-bootstrap";

/**
 * Every key of the bootstrap, by name without the namespace. `bootstrap/Pulumi.yaml` declares
 * the same keys with the same types, descriptions and defaults (a test keeps them in step).
 */
export const BOOTSTRAP_KEYS = {
    appName: {
        type: "string",
        default: "demo",
        description:
            "Short application name, the same as the environments' shipyard:appName. Lowercase letters, digits and single hyphens, 2 to 20 characters.",
    },
    githubRepository: {
        type: "string",
        description:
            "The GitHub repository whose workflows may assume the roles, as owner/name, spelled exactly as GitHub does (the OIDC subject is case-sensitive).",
    },
    stateBucket: {
        type: "string",
        description:
            "Name of the S3 bucket for Pulumi state, globally unique, e.g. <appName>-pulumi-state-<account>-<region>. 3 to 63 lowercase letters, digits and hyphens; no dots.",
    },
    environments: {
        type: "array",
        default: [...ENVIRONMENTS],
        description:
            "Environments this account runs, by stack name (2 to 16 lowercase letters, digits and single hyphens, starting with a letter): one deploy role, boundary, secrets key and alarm key each. alpha, beta, gamma and live have a default tier; any other name needs one in tiers.",
    },
    tiers: {
        type: "object",
        default: {},
        description:
            "The tier of each environment whose name is not alpha, beta, gamma or live (staging2: staging, pr-42: preview), or that is not its default tier: the same as its stack file's shipyard:tier. staging and production environments are read only by the production preview role, and ECR keeps the newest 20 (staging) or 50 (production) images deployed to each.",
    },
    services: {
        type: "array",
        default: ["web"],
        description: "Services that get an ECR repository <appName>-<service>. Lowercase letters, digits and single hyphens, 2 to 20 characters each.",
    },
    keepReleaseImages: {
        type: "integer",
        default: 30,
        description:
            "Release images (tagged with their git SHA) each repository keeps besides those deployed to gamma or live, which rules of their own keep; older ones expire (1-1000).",
    },
    untaggedImageDays: {
        type: "integer",
        default: 7,
        description: "Days an untagged image stays in a repository before it expires (1-365).",
    },
    noncurrentVersionDays: {
        type: "integer",
        default: 90,
        description: "Days the state bucket keeps a state file's previous versions, the way back from a corrupted or deleted state (1-3650).",
    },
    githubOidcProviderArn: {
        type: "string",
        default: "",
        description: "ARN of the account's existing GitHub OIDC provider (an account can hold only one). Empty: the bootstrap creates it.",
    },
    cloudflareZone: {
        type: "string",
        default: "",
        description:
            "The Cloudflare zone in front of the environments, e.g. example.org: this stack owns its SSL/TLS settings and its request header transform rules. Empty: no Cloudflare resources (DNS on Route 53, or nothing proxied).",
    },
    cloudflareZoneId: {
        type: "string",
        default: "",
        description: "The zone's id, 32 hex digits (the zone's Overview page). Empty: looked up by cloudflareZone; set: checked to be cloudflareZone's.",
    },
    originHosts: {
        type: "object",
        default: {},
        description:
            "Host names Cloudflare proxies, by environment (alpha: [alpha.example.org], live: [example.org]): requests for them get that environment's origin header. Each in cloudflareZone and under one environment; an environment left out gets no rule.",
    },
    route53Hosts: {
        type: "object",
        default: {},
        description:
            "Host names each environment's stack writes in Route 53 (shipyard:dnsProvider route53), by environment (live: [example.org, api.example.org]): its deploy role may change the A, AAAA and CNAME records of exactly these names and their certificate validation records (_<token>.<name>), in any hosted zone. An environment left out may change no Route 53 record. Each host under one environment.",
    },
    previews: {
        type: "boolean",
        default: false,
        description:
            "Pull-request previews (stacks pr-<number>, tier preview): a deploy role <appName>-github-pr-deploy for jobs in the GitHub environment preview, allowed only on pr-* resources, the previews' own boundary <appName>-preview-boundary, secrets key and alarm key, and with cloudflareZone an origin rule for the hosts pr-*.<cloudflareZone>.",
    },
    assetsHosts: {
        type: "object",
        default: {},
        description:
            "The host name that serves each environment's assets bucket through Cloudflare, by environment (live: assets.example.org), the environment stack's shipyard:assetsHost: the bucket is named exactly the host, the environment's deploy role may manage a bucket of that name, and Cloudflare reaches it with SSL mode Full instead of the zone's Full (strict). Each in cloudflareZone, one per environment, no origin host; an environment left out serves no assets.",
    },
} as const satisfies Record<string, KeySpec>;

export type BootstrapKey = keyof typeof BOOTSTRAP_KEYS;

/** What the bootstrap creates, validated; see {@link BOOTSTRAP_KEYS} for each key. */
export interface BootstrapSettings {
    readonly stack: string;
    /** @default "demo" */
    readonly app: string;
    readonly region: string;
    /** `aws`, `aws-cn` or `aws-us-gov`, from the region. */
    readonly partition: string;
    /** The one account of `aws:allowedAccountIds`. */
    readonly accountId: string;
    /** `owner/name`. Required. */
    readonly githubRepository: string;
    /** Reuse this provider instead of creating one. @default undefined (create it) */
    readonly githubOidcProviderArn?: string;
    /** In promotion order (`inPromotionOrder` in `./tiers`). @default alpha, beta, gamma, live */
    readonly environments: readonly EnvName[];
    /**
     * Every environment's tier: its entry of the tiers key, or a default environment's own
     * (`DEFAULT_TIERS`). It decides which preview role reads the environment and how many of its
     * deployed images ECR keeps; never its name.
     */
    readonly tiers: Readonly<Record<EnvName, Tier>>;
    /** @default ["web"] */
    readonly services: readonly string[];
    /** Required. */
    readonly stateBucket: string;
    /** @default 90 */
    readonly noncurrentVersionDays: number;
    /** @default 30 */
    readonly keepReleaseImages: number;
    /** @default 7 */
    readonly untaggedImageDays: number;
    /** The project of the environments' stacks, whose state paths the deploy roles may write. */
    readonly environmentsProject: string;
    /** Tags on every taggable resource; per-environment resources replace `environment`. */
    readonly tags: Readonly<Record<string, string>>;
    /**
     * The Cloudflare zone whose edge settings this stack owns. Plain, not an Input: it decides
     * whether the Cloudflare resources exist. @default undefined (cloudflareZone empty: none)
     */
    readonly cloudflare?: CloudflareSettings;
    /** Route 53 host names by environment (route53Hosts), in promotion order; environments left out have none. @default {} */
    readonly route53Hosts: Readonly<Record<EnvName, readonly string[]>>;
    /** Pull-request previews: their deploy role, boundary and keys, and their origin rule. @default false */
    readonly previews: boolean;
}

/** The Cloudflare part of {@link BootstrapSettings}: keys cloudflareZone, cloudflareZoneId, originHosts, assetsHosts. */
export interface CloudflareSettings {
    /** The zone's name, e.g. `example.org`. */
    readonly zone: string;
    /** @default undefined (looked up by {@link zone}) */
    readonly zoneId?: string;
    /**
     * Host names by environment, in promotion order; only environments of this stack that have
     * hosts. @default {} (no rule)
     */
    readonly originHosts: Readonly<Record<EnvName, readonly string[]>>;
    /**
     * The host that serves each environment's assets bucket (the bucket's name), in promotion
     * order; only environments of this stack that serve assets. @default {} (none)
     */
    readonly assetsHosts: Readonly<Record<EnvName, string>>;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const NAME = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const NAME_RULE = "lowercase letters, digits and single hyphens, starting with a letter, 2 to 20 characters";
const ACCOUNT_ID = /^\d{12}$/;
// GitHub: owner 1-39 letters, digits and single inner hyphens; repository 1-100 of letters, digits, '.', '_', '-'.
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/;
// RFC 1123 host names in lowercase, with a top-level label of letters as public names have.
const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CLOUDFLARE_ZONE_ID = /^[0-9a-f]{32}$/;
const OIDC_PROVIDER_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):oidc-provider\/token\.actions\.githubusercontent\.com$/;

/** A name for ECR and IAM: the environments' name rule, without `--` (ECR refuses consecutive separators). */
export function nameProblem(name: string): string | undefined {
    return NAME.test(name) && !name.includes("--") ? undefined : NAME_RULE;
}

/**
 * Problem with a public DNS name (a zone or a host), or undefined: lowercase labels of letters,
 * digits and inner hyphens, at most 63 characters each and 253 in all, a top-level label of
 * letters. No wildcard: the origin rule compares host names exactly.
 */
export function dnsNameProblem(name: string): string | undefined {
    return DNS_NAME.test(name)
        ? undefined
        : "must be a lowercase DNS name such as example.org or alpha.example.org: labels of letters, digits and inner hyphens (at most 63 characters each, 253 in all) separated by dots; no wildcards";
}

/** Whether `host` belongs to `zone`: the zone's apex or a name under it. */
export function inZone(host: string, zone: string): boolean {
    return host === zone || host.endsWith(`.${zone}`);
}

/**
 * Problem with an ECR repository name, or undefined. Rule and limits from the ECR API reference
 * (CreateRepository): 2 to 256 characters matching
 * `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`.
 */
export function ecrRepositoryNameProblem(name: string): string | undefined {
    if (name.length < 2 || name.length > 256) return `ECR repository names are 2 to 256 characters; "${name}" has ${name.length}`;
    if (!/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) {
        return `"${name}" is not an ECR repository name: lowercase letters and digits, separated by single '.', '_', '-' or '/'`;
    }
    return undefined;
}

/**
 * Problem with an S3 bucket name for the state, or undefined. The S3 general purpose bucket rules
 * (3-63 characters, lowercase letters, digits, hyphens and dots, starting and ending with a letter
 * or digit, reserved prefixes and suffixes), and no dots at all: a dotted name does not match the
 * `*.s3.<region>.amazonaws.com` wildcard certificate, so virtual-hosted-style HTTPS requests fail
 * TLS verification (the S3 user guide recommends avoiding dots for this reason).
 */
export function s3BucketNameProblem(name: string): string | undefined {
    if (name.length < 3 || name.length > 63) return `3 to 63 characters; "${name}" has ${name.length}`;
    if (name.includes(".")) return "no dots: a dotted bucket name breaks TLS for virtual-hosted-style requests (*.s3.<region>.amazonaws.com)";
    if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(name)) return "lowercase letters, digits and hyphens, starting and ending with a letter or digit";
    const prefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => name.startsWith(p));
    if (prefix) return `the prefix ${prefix} is reserved by S3`;
    const suffix = ["-s3alias", "--ol-s3", "--x-s3", "--table-s3"].find((s) => name.endsWith(s));
    if (suffix) return `the suffix ${suffix} is reserved by S3`;
    return undefined;
}

/**
 * Problem with an assets host as the name of its S3 bucket, or undefined; the host is already a
 * valid DNS name ({@link dnsNameProblem}). S3 routes a request to the bucket named like its Host
 * header, so the bucket must be named exactly the host: the general purpose bucket rules on top of
 * DNS's (at most 63 characters; reserved prefixes and suffixes). Dots are allowed here, unlike
 * {@link s3BucketNameProblem}: Cloudflare, not a client, connects to the bucket, with SSL mode Full
 * ({@link CloudflareSettings.assetsHosts}).
 */
export function assetsBucketNameProblem(host: string): string | undefined {
    if (host.length > 63) return `is the name of its S3 bucket, which has 3 to 63 characters; "${host}" has ${host.length}`;
    const prefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => host.startsWith(p));
    if (prefix) return `is the name of its S3 bucket, and the prefix ${prefix} is reserved by S3`;
    const suffix = ["-s3alias", "--ol-s3", "--x-s3", "--table-s3"].find((x) => host.endsWith(x));
    if (suffix) return `is the name of its S3 bucket, and the suffix ${suffix} is reserved by S3`;
    return undefined;
}

/**
 * Builds the bootstrap settings of `stack` from raw configuration. Pure: reads nothing but its
 * arguments. Throws {@link SettingsError} listing every problem.
 */
export function buildBootstrapSettings(stack: string, raw: RawConfig): BootstrapSettings {
    const problems: string[] = [];
    const full = (key: string) => (key.includes(":") ? key : `${BOOTSTRAP_PROJECT}:${key}`);
    const fail = (key: string, value: unknown, allowed: string) => problems.push(`key ${full(key)} = ${JSON.stringify(value)}: ${allowed}`);

    for (const key of Object.keys(raw.values)) {
        const [ns, name] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
        if (ns === BOOTSTRAP_PROJECT && !(name in BOOTSTRAP_KEYS)) {
            fail(key, raw.values[key], `unknown key; known keys are ${Object.keys(BOOTSTRAP_KEYS).join(", ")}`);
        }
    }

    const region = raw.values["aws:region"];
    if (region === undefined) problems.push("key aws:region is missing: set it with pulumi config set aws:region <region>, e.g. eu-west-1");
    else if (!REGION.test(region)) fail("aws:region", region, "must be an AWS region name such as eu-west-1");

    const accountId = singleAccount(raw.values["aws:allowedAccountIds"], problems, fail);
    const v = typedValues(raw, problems, fail);

    const app = v.string("appName");
    const appProblem = nameProblem(app);
    if (appProblem) fail("appName", app, appProblem);

    const repository = v.string("githubRepository");
    if (repository !== "" && !GITHUB_REPOSITORY.test(repository)) {
        fail("githubRepository", repository, "must be owner/name as in https://github.com/owner/name, e.g. example-org/shipyard");
    }

    const listed = v.list("environments");
    const environments = listed ?? [...ENVIRONMENTS];
    const environmentsProblem =
        environments.length === 0
            ? "list at least one environment, e.g. [alpha, beta, gamma, live]"
            : new Set(environments).size !== environments.length
              ? "each environment at most once"
              : undefined;
    if (environmentsProblem) fail("environments", environments, environmentsProblem);
    const badNames = environments.filter((env) => stackNameProblem(env) !== undefined);
    for (const env of badNames) fail("environments", env, stackNameProblem(env) as string);
    // The deploy roles name an environment's resources by prefix (`<app>-<env>*`: its load balancers,
    // alarms, task definitions; bootstrap/policies.ts): another environment whose name starts with
    // this one's would fall inside it.
    for (const env of environments.filter((e) => !badNames.includes(e))) {
        const inside = environments.find((other) => other !== env && env.startsWith(other));
        if (inside) {
            fail(
                "environments",
                env,
                `the deploy role of ${inside} may manage resources named <app>-${inside}* (load balancers, alarms, task definitions), which would include ${env}'s: choose a name that does not start with ${inside}`,
            );
        }
    }
    const environmentsValid = listed !== undefined && !environmentsProblem && badNames.length === 0;
    const tiers = tiersOf(v, environmentsValid ? environments : undefined, problems, fail);
    const services = v.list("services") ?? ["web"];
    if (services.length === 0) fail("services", services, "list at least one service, e.g. [web]");
    else if (new Set(services).size !== services.length) fail("services", services, "each service at most once");
    for (const service of services) {
        const problem = nameProblem(service) ?? (appProblem ? undefined : ecrRepositoryNameProblem(`${app}-${service}`));
        if (problem) fail("services", service, problem);
    }

    const bucket = v.string("stateBucket");
    const bucketProblem = bucket === "" ? undefined : s3BucketNameProblem(bucket);
    if (bucketProblem) fail("stateBucket", bucket, bucketProblem);

    const ranges = { keepReleaseImages: [1, 1000], untaggedImageDays: [1, 365], noncurrentVersionDays: [1, 3650] } as const;
    const counts = {} as Record<keyof typeof ranges, number>;
    for (const key of Object.keys(ranges) as (keyof typeof ranges)[]) {
        const [lo, hi] = ranges[key];
        const n = v.integer(key);
        if (n !== undefined && (n < lo || n > hi)) fail(key, n, `allowed: ${lo} to ${hi}`);
        counts[key] = n as number;
    }

    const providerArn = v.string("githubOidcProviderArn");
    const provider = OIDC_PROVIDER_ARN.exec(providerArn);
    if (providerArn !== "" && !provider) {
        fail(
            "githubOidcProviderArn",
            providerArn,
            "must be an IAM OIDC provider ARN arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com, or empty",
        );
    } else if (provider && region && provider[1] !== partitionOf(region)) {
        fail("githubOidcProviderArn", providerArn, `must be in the partition of ${region} (arn:${partitionOf(region)}:...)`);
    } else if (provider && accountId && provider[2] !== accountId) {
        fail(
            "githubOidcProviderArn",
            providerArn,
            `must be in account ${accountId} (aws:allowedAccountIds): roles can trust only their own account's providers`,
        );
    }

    if (environmentsValid) deployedTagsProblems(environments, tiers, fail);
    // Cloudflare's maps are in promotion order, like the environments.
    const ordered = inPromotionOrder(environments, tiers);
    // A bad environments list is reported once, not again for every originHosts entry.
    const cloudflare = cloudflareSettings(v, environmentsValid ? ordered : undefined, fail);
    const route53Hosts = route53HostsOf(v.hostMap("route53Hosts") ?? {}, environmentsValid ? ordered : undefined, fail);

    const previews = v.boolean("previews");
    // The previews' shared boundary, keys and origin parameters are named after this environment.
    if (previews && environments.includes(PREVIEW_BOOTSTRAP_ENV))
        fail(
            "environments",
            PREVIEW_BOOTSTRAP_ENV,
            `with previews true, ${PREVIEW_BOOTSTRAP_ENV} names the pull-request previews' shared boundary, keys and origin parameters; give that environment another name, or set previews false`,
        );

    if (problems.length > 0) throw new SettingsError(stack, problems);

    return Object.freeze({
        stack,
        app,
        region: region as string,
        partition: partitionOf(region as string),
        accountId: accountId as string,
        githubRepository: repository,
        githubOidcProviderArn: providerArn === "" ? undefined : providerArn,
        environments: Object.freeze(ordered),
        route53Hosts,
        tiers: Object.freeze(Object.fromEntries(ordered.map((env) => [env, tiers[env]]))),
        services: Object.freeze([...services]),
        stateBucket: bucket,
        ...counts,
        environmentsProject: ENVIRONMENTS_PROJECT,
        tags: Object.freeze({ app, environment: stack, "managed-by": "pulumi" }),
        cloudflare,
        previews,
    });
}

type Fail = (key: string, value: unknown, allowed: string) => void;

/**
 * The tier of every environment: its entry of the tiers key, else a default environment's own.
 * An environment of another name must have an entry, and an entry must name a tier and an
 * environment of this stack.
 *
 * @param environments the stack's environments, or undefined when that key itself is invalid (the
 * entries are then checked for their tier only).
 */
function tiersOf(v: ReturnType<typeof typedValues>, environments: readonly string[] | undefined, problems: string[], fail: Fail): Record<EnvName, Tier> {
    const set = v.nameMap("tiers", "a map of environment: tier, e.g. { staging2: staging }") ?? {};
    const tiers: Record<EnvName, Tier> = {};
    for (const [env, tier] of Object.entries(set)) {
        if (!(TIERS as readonly string[]).includes(tier)) fail(`tiers.${env}`, tier, `allowed: ${TIERS.join(", ")}`);
        else if (environments && !environments.includes(env)) {
            fail(`tiers.${env}`, tier, `${env} is not among this stack's environments (${environments.join(", ")}); add it there, or remove its tier`);
        } else tiers[env] = tier as Tier;
    }
    for (const env of environments ?? []) {
        if (tiers[env] !== undefined || set[env] !== undefined) continue;
        const known = DEFAULT_TIERS[env];
        if (known) tiers[env] = known;
        else {
            problems.push(
                `key ${BOOTSTRAP_PROJECT}:tiers.${env} is missing: the environment "${env}" is not one of the default environments (${ENVIRONMENTS.join(", ")}), so the bootstrap must be told its tier, the same as its stack file's shipyard:tier; set it with pulumi config set --path 'tiers.${env}' <tier>, allowed: ${TIERS.join(", ")}`,
            );
        }
    }
    return tiers;
}

/**
 * ECR keeps an environment's deployed images by the tag pattern `<env>-*` (`imageLifecyclePolicy`),
 * which would also match the images deployed to an environment named `<env>-<more>`: its rule would
 * count, and so expire, the other environment's images as its own.
 */
function deployedTagsProblems(environments: readonly string[], tiers: Readonly<Record<string, Tier>>, fail: Fail): void {
    for (const env of environments.filter((e) => KEEP_DEPLOYED_IMAGES[tiers[e]] !== undefined)) {
        for (const other of environments.filter((o) => o.startsWith(`${env}-`))) {
            fail(
                "environments",
                other,
                `ECR keeps the images deployed to ${env} (${tiers[env]}) by the tag pattern ${env}-*, which also matches ${other}'s tags ${other}-<sha>: choose a name that does not start with ${env}-`,
            );
        }
    }
}

/**
 * The route53Hosts key, validated: each entry an environment of this stack with at least one DNS
 * name, each name under one environment (its records are that environment's deploy role's to write).
 */
function route53HostsOf(
    hosts: Readonly<Record<string, string[]>>,
    environments: readonly string[] | undefined,
    fail: Fail,
): Readonly<Record<EnvName, readonly string[]>> {
    const envs = environments ?? Object.keys(hosts);
    for (const env of Object.keys(hosts).filter((e) => !envs.includes(e))) {
        fail(`route53Hosts.${env}`, hosts[env], `${env} is not among this stack's environments (${envs.join(", ")})`);
    }
    const owner = new Map<string, string>();
    const out: Record<EnvName, readonly string[]> = {};
    for (const env of envs.filter((e) => hosts[e] !== undefined)) {
        const list = hosts[env];
        if (list.length === 0)
            fail(`route53Hosts.${env}`, list, `list at least one host name, or leave ${env} out (its deploy role then writes no Route 53 record)`);
        for (const host of list) {
            const problem = dnsNameProblem(host);
            const other = owner.get(host);
            if (problem) fail(`route53Hosts.${env}`, host, problem);
            else if (other === env) fail(`route53Hosts.${env}`, host, "each host at most once");
            else if (other !== undefined) fail(`route53Hosts.${env}`, host, `already a host of ${other}: a record belongs to one environment's deploy role`);
            owner.set(host, other ?? env);
        }
        out[env] = Object.freeze([...list]);
    }
    return Object.freeze(out);
}

/**
 * The Cloudflare keys, validated together: a host must be in the zone and under one environment
 * of this stack, and neither originHosts, assetsHosts nor cloudflareZoneId means anything without
 * a zone. Undefined when cloudflareZone is empty (or invalid, with the problems reported).
 *
 * @param environments the stack's environments in promotion order, or undefined when that key
 * itself is invalid (originHosts and assetsHosts are then not checked against it).
 */
function cloudflareSettings(v: ReturnType<typeof typedValues>, environments: readonly string[] | undefined, fail: Fail): CloudflareSettings | undefined {
    const zone = v.string("cloudflareZone");
    const zoneId = v.string("cloudflareZoneId");
    const hosts = v.hostMap("originHosts") ?? {};
    const assets = v.nameMap("assetsHosts", "a map of environment: host name, e.g. { live: assets.example.org }") ?? {};
    const envs: readonly string[] = environments ?? [...new Set([...Object.keys(hosts), ...Object.keys(assets)])];

    const zoneProblem = zone === "" ? undefined : dnsNameProblem(zone);
    if (zoneProblem) fail("cloudflareZone", zone, zoneProblem);
    if (zone === "" && Object.keys(hosts).length > 0) {
        fail(
            "originHosts",
            hosts,
            "needs cloudflareZone: set cloudflareZone to the Cloudflare zone these hosts belong to (e.g. example.org), or remove originHosts",
        );
    }
    if (zone === "" && Object.keys(assets).length > 0) {
        fail(
            "assetsHosts",
            assets,
            "needs cloudflareZone: set cloudflareZone to the Cloudflare zone these hosts belong to (e.g. example.org), or remove assetsHosts",
        );
    }
    if (zone === "" && zoneId !== "") {
        fail("cloudflareZoneId", zoneId, "needs cloudflareZone: set cloudflareZone to the zone's name, or remove cloudflareZoneId");
    } else if (zoneId !== "" && !CLOUDFLARE_ZONE_ID.test(zoneId)) {
        fail("cloudflareZoneId", zoneId, "must be a Cloudflare zone id, 32 lowercase hex digits (the zone's Overview page), or empty");
    }

    for (const env of Object.keys(hosts).filter((e) => !envs.includes(e))) {
        fail(`originHosts.${env}`, hosts[env], `${env} is not among this stack's environments (${envs.join(", ")})`);
    }
    const owner = new Map<string, string>();
    const originHosts: Record<EnvName, readonly string[]> = {};
    for (const env of envs.filter((e) => hosts[e] !== undefined)) {
        const list = hosts[env];
        if (list.length === 0) fail(`originHosts.${env}`, list, `list at least one host name, or leave ${env} out (it then gets no rule)`);
        for (const host of list) {
            const problem = dnsNameProblem(host);
            const other = owner.get(host);
            if (problem) fail(`originHosts.${env}`, host, problem);
            else if (zone !== "" && !zoneProblem && !inZone(host, zone)) {
                fail(`originHosts.${env}`, host, `must be in the zone ${zone} (cloudflareZone): ${zone} itself or a name ending with .${zone}`);
            } else if (other === env) fail(`originHosts.${env}`, host, "each host at most once");
            else if (other !== undefined) {
                fail(
                    `originHosts.${env}`,
                    host,
                    `already a host of ${other}: a request gets one environment's origin header, so a host belongs to one environment`,
                );
            }
            owner.set(host, other ?? env);
        }
        originHosts[env] = Object.freeze([...list]);
    }

    const assetsHosts = assetsHostsOf(assets, { envs, zone: zoneProblem ? "" : zone, originOwner: owner }, fail);

    if (zone === "" || zoneProblem) return undefined;
    return Object.freeze({
        zone,
        zoneId: zoneId === "" ? undefined : zoneId,
        originHosts: Object.freeze(originHosts),
        assetsHosts: Object.freeze(assetsHosts),
    });
}

/**
 * The assetsHosts key, validated: each host of an environment of this stack, a DNS name in the
 * zone (when the zone is known) that can name its bucket, and the host of one environment only.
 * It may not be an origin host: Cloudflare proxies an origin host to the load balancer with the
 * zone's Full (strict), an assets host to S3 with Full, and one host gets one of the two.
 */
function assetsHostsOf(
    assets: Readonly<Record<string, string>>,
    context: { readonly envs: readonly string[]; readonly zone: string; readonly originOwner: ReadonlyMap<string, string> },
    fail: Fail,
): Record<EnvName, string> {
    const { envs, zone, originOwner } = context;
    for (const env of Object.keys(assets).filter((e) => !envs.includes(e))) {
        fail(`assetsHosts.${env}`, assets[env], `${env} is not among this stack's environments (${envs.join(", ")})`);
    }
    const owner = new Map<string, string>();
    const assetsHosts: Record<EnvName, string> = {};
    for (const env of envs.filter((e) => assets[e] !== undefined)) {
        const host = assets[env];
        const problem = dnsNameProblem(host) ?? assetsBucketNameProblem(host);
        const origin = originOwner.get(host);
        const other = owner.get(host);
        if (problem) fail(`assetsHosts.${env}`, host, problem);
        else if (zone !== "" && !inZone(host, zone)) {
            fail(`assetsHosts.${env}`, host, `must be in the zone ${zone} (cloudflareZone): ${zone} itself or a name ending with .${zone}`);
        } else if (origin !== undefined) {
            fail(
                `assetsHosts.${env}`,
                host,
                `already an origin host of ${origin}: Cloudflare sends it to the load balancer with Full (strict), so it cannot also serve a bucket with Full`,
            );
        } else if (other !== undefined) {
            fail(`assetsHosts.${env}`, host, `already the assets host of ${other}: a bucket, and so its host, belongs to one environment`);
        }
        owner.set(host, other ?? env);
        assetsHosts[env] = host;
    }
    return assetsHosts;
}

/**
 * `aws:allowedAccountIds` must name exactly one account: the program builds ARNs from it instead
 * of asking AWS (no invoke), and the AWS provider refuses credentials of any other account.
 */
function singleAccount(text: string | undefined, problems: string[], fail: Fail): string | undefined {
    const allowed = 'exactly one 12-digit account id as a quoted string, e.g. ["123456789012"]; the AWS provider then refuses any other account';
    if (text === undefined) {
        problems.push(`key aws:allowedAccountIds is missing: set it to ${allowed}`);
        return undefined;
    }
    let list: unknown;
    try {
        list = JSON.parse(text);
    } catch {
        list = text;
    }
    if (!Array.isArray(list) || list.length !== 1 || typeof list[0] !== "string" || !ACCOUNT_ID.test(list[0])) {
        fail("aws:allowedAccountIds", list, allowed);
        return undefined;
    }
    return list[0];
}

/** Reads the bootstrap's keys with their types, defaults for absent keys, and required keys enforced. */
function typedValues(raw: RawConfig, problems: string[], fail: Fail) {
    const defaultOf = (key: BootstrapKey): unknown => (BOOTSTRAP_KEYS[key] as KeySpec).default;
    const text = (key: BootstrapKey): string | undefined => {
        const value = raw.values[`${BOOTSTRAP_PROJECT}:${key}`];
        if (value === undefined && defaultOf(key) === undefined) {
            problems.push(`key ${BOOTSTRAP_PROJECT}:${key} is required and missing: ${BOOTSTRAP_KEYS[key].description}`);
        }
        return value;
    };
    return {
        string(key: BootstrapKey): string {
            return text(key) ?? String(defaultOf(key) ?? "");
        },
        integer(key: BootstrapKey): number | undefined {
            const t = text(key);
            if (t === undefined) return defaultOf(key) as number;
            if (/^-?\d+$/.test(t.trim())) return Number(t);
            fail(key, t, "wrong type: expected a whole number");
            return undefined;
        },
        boolean(key: BootstrapKey): boolean {
            const t = text(key);
            if (t === undefined) return defaultOf(key) as boolean;
            if (t === "true" || t === "false") return t === "true";
            fail(key, t, "wrong type: expected true or false");
            return false;
        },
        /** The list, or undefined (and a problem) when the value is not a list of strings. */
        list(key: BootstrapKey): string[] | undefined {
            const t = text(key);
            if (t === undefined) return [...(defaultOf(key) as readonly string[])];
            let parsed: unknown;
            try {
                parsed = JSON.parse(t);
            } catch {
                parsed = undefined;
            }
            if (Array.isArray(parsed) && parsed.every((e) => typeof e === "string")) return parsed;
            fail(key, t, "wrong type: expected a list of strings");
            return undefined;
        },
        /** The map of name -> one string, or undefined (and a problem naming `expected`) when the value is not one. */
        nameMap(key: BootstrapKey, expected: string): Record<string, string> | undefined {
            const t = text(key);
            if (t === undefined) return { ...(defaultOf(key) as Record<string, string>) };
            let parsed: unknown;
            try {
                parsed = JSON.parse(t);
            } catch {
                parsed = undefined;
            }
            if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((h) => typeof h === "string")) {
                return parsed as Record<string, string>;
            }
            fail(key, t, `wrong type: expected ${expected}`);
            return undefined;
        },
        /** The map of name -> list of strings, or undefined (and a problem) when the value is not one. */
        hostMap(key: BootstrapKey): Record<string, string[]> | undefined {
            const t = text(key);
            if (t === undefined) return { ...(defaultOf(key) as Record<string, string[]>) };
            let parsed: unknown;
            try {
                parsed = JSON.parse(t);
            } catch {
                parsed = undefined;
            }
            const isList = (l: unknown) => Array.isArray(l) && l.every((e) => typeof e === "string");
            if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every(isList)) {
                return parsed as Record<string, string[]>;
            }
            fail(key, t, "wrong type: expected a map of environment: [host name, ...], e.g. { alpha: [alpha.example.org] }");
            return undefined;
        },
    };
}

/**
 * The settings of the bootstrap stack being deployed, read from the Pulumi engine's configuration.
 * Called once by `bootstrap/index.ts` before any resource exists.
 */
export function loadBootstrapSettings(): BootstrapSettings {
    return buildBootstrapSettings(pulumi.getStack(), { values: pulumi.runtime.allConfig(), secretKeys: [] });
}
