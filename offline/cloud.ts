/**
 * The cloud as the offline runner sees it: the answers to the program's few lookups (invokes),
 * taken from the repository's own declared sources, never from test code.
 *
 * - The bootstrap's stack files (`bootstrap/Pulumi.<stack>.yaml`): for each environment they
 *   list, the SSM parameters the bootstrap writes (`/<appName>/<env>/edge/origin-hosts` with its
 *   `originHosts.<env>`, and an origin secret), exactly as `pulumi up` in bootstrap/ would.
 * - `offline-cloud.yaml` beside the stack files: what only the cloud knows (zone ids, Cloudflare's
 *   published ranges). Every entry is optional; see {@link readOfflineAnswers} for the defaults.
 *
 * What the fake cloud also remembers between two runs (parameters a stack writes), as AWS would
 * between two deployments, lives here too.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PREVIEW_BOOTSTRAP_ENV, previewHostPattern } from "../bootstrap/previews";
import { BOOTSTRAP, committedStacks, stackConfig, stackConfigDir, MAIN } from "./stackConfig";

export const ACCOUNT = "123456789012";

/** The file, beside the environments' stack files, that answers what only the cloud knows. */
export const OFFLINE_CLOUD_FILE = "offline-cloud.yaml";

/**
 * Cloudflare's published ranges (https://www.cloudflare.com/ips/, read 2026-12), used offline
 * when offline-cloud.yaml does not list its own. The real program looks them up at every run.
 */
export const PUBLISHED_CLOUDFLARE_RANGES = Object.freeze({
    ipv4Cidrs: Object.freeze([
        "173.245.48.0/20",
        "103.21.244.0/22",
        "103.22.200.0/22",
        "103.31.4.0/22",
        "141.101.64.0/18",
        "108.162.192.0/18",
        "190.93.240.0/20",
        "188.114.96.0/20",
        "197.234.240.0/22",
        "198.41.128.0/17",
        "162.158.0.0/15",
        "104.16.0.0/13",
        "104.24.0.0/14",
        "172.64.0.0/13",
        "131.0.72.0/22",
    ]),
    ipv6Cidrs: Object.freeze(["2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32"]),
});

/**
 * The origin secret every environment's parameter holds offline. Not a real secret: the real one
 * is random and written by the bootstrap. The program marks what it reads as secret, so this value
 * must never appear in a plan; tests look for it to prove that.
 */
export const ORIGIN_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

export interface CidrRanges {
    readonly ipv4Cidrs: readonly string[];
    readonly ipv6Cidrs: readonly string[];
}

/** An environment the bootstrap has set up: its parameters' path and the hosts its Cloudflare rule covers. */
export interface BootstrappedEnvironment {
    readonly app: string;
    readonly env: string;
    readonly originHosts: readonly string[];
}

/** Everything the offline cloud answers, and where each answer came from. */
export interface OfflineAnswers {
    /** Cloudflare zone name -> zone id, as offline-cloud.yaml lists them. */
    readonly cloudflareZones: Readonly<Record<string, string>>;
    /** Route 53 public hosted zone name -> id, as offline-cloud.yaml lists them. */
    readonly hostedZones: Readonly<Record<string, string>>;
    readonly cloudflareRanges: CidrRanges;
    readonly bootstrapped: readonly BootstrappedEnvironment[];
}

interface OfflineCloudFile {
    cloudflare?: { zones?: Record<string, string>; ipv4Cidrs?: string[]; ipv6Cidrs?: string[] };
    route53?: { hostedZones?: Record<string, string> };
}

function problem(file: string, key: string, value: unknown, allowed: string): Error {
    return new Error(`${file}: key ${key} = ${JSON.stringify(value)}: ${allowed}`);
}

function stringMap(file: string, key: string, value: unknown, idPattern: RegExp, allowed: string): Record<string, string> {
    if (value === undefined) return {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw problem(file, key, value, "a map of zone name to zone id");
    for (const [name, id] of Object.entries(value)) if (typeof id !== "string" || !idPattern.test(id)) throw problem(file, `${key}.${name}`, id, allowed);
    return value as Record<string, string>;
}

function cidrList(file: string, key: string, value: unknown): string[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.length === 0 || value.some((c) => typeof c !== "string" || !c.includes("/")))
        throw problem(file, key, value, "a non-empty list of CIDR blocks");
    return value as string[];
}

/**
 * Reads the answers for the stack files in `dir` (the environments' folder; the bootstrap's is
 * `dir/bootstrap` when the folder mirrors the repository, else the repository's `bootstrap/`).
 * Defaults: a zone not listed has an id derived from its name; Cloudflare's ranges are the
 * published ones; environments are bootstrapped exactly as the bootstrap's stack files say.
 */
export function readOfflineAnswers(dir: string = stackConfigDir(MAIN)): OfflineAnswers {
    const file = path.join(dir, OFFLINE_CLOUD_FILE);
    const shown = path.relative(process.cwd(), file) || file;
    const doc: OfflineCloudFile = fs.existsSync(file) ? ((parse(fs.readFileSync(file, "utf8")) ?? {}) as OfflineCloudFile) : {};
    const cf = doc.cloudflare ?? {};
    const ipv4 = cidrList(shown, "cloudflare.ipv4Cidrs", cf.ipv4Cidrs);
    const ipv6 = cidrList(shown, "cloudflare.ipv6Cidrs", cf.ipv6Cidrs);
    return {
        cloudflareZones: stringMap(shown, "cloudflare.zones", cf.zones, /^[0-9a-f]{32}$/, "a Cloudflare zone id: 32 hex digits"),
        hostedZones: stringMap(
            shown,
            "route53.hostedZones",
            doc.route53?.hostedZones,
            /^Z[A-Z0-9]{1,31}$/,
            "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
        ),
        cloudflareRanges: {
            ipv4Cidrs: ipv4 ?? [...PUBLISHED_CLOUDFLARE_RANGES.ipv4Cidrs],
            ipv6Cidrs: ipv6 ?? [...PUBLISHED_CLOUDFLARE_RANGES.ipv6Cidrs],
        },
        bootstrapped: bootstrappedEnvironments(dir),
    };
}

/**
 * Where the bootstrap's stack files are for a folder of stack files: its `bootstrap/` when it has
 * one, else the bootstrap's own folder (the repository's, or SHIPYARD_STACK_CONFIG_DIR's
 * `bootstrap/`: the suite's fixtures for a test's folder of its own).
 */
export function bootstrapStackDir(dir: string): string {
    const mirrored = path.join(dir, path.relative(MAIN.dir, BOOTSTRAP.dir));
    return fs.existsSync(mirrored) ? mirrored : stackConfigDir(BOOTSTRAP);
}

/** The environments every bootstrap stack file in the folder sets up, with their origin hosts. */
function bootstrappedEnvironments(dir: string): BootstrappedEnvironment[] {
    const bootstrapDir = bootstrapStackDir(dir);
    const out: BootstrappedEnvironment[] = [];
    for (const stack of committedStacks(BOOTSTRAP, bootstrapDir)) {
        const values = stackConfig(stack, {}, BOOTSTRAP, bootstrapDir).values;
        const read = (key: string): unknown => {
            const text = values[`${BOOTSTRAP.name}:${key}`];
            if (text === undefined) return undefined;
            try {
                return JSON.parse(text);
            } catch {
                return text;
            }
        };
        const app = String(read("appName"));
        const environments = (read("environments") as string[] | undefined) ?? [];
        const hosts = (read("originHosts") as Record<string, string[]> | undefined) ?? {};
        for (const env of environments) out.push({ app, env, originHosts: hosts[env] ?? [] });
        // previews: true writes the pull-request previews' shared origin parameters (bootstrap/index.ts).
        const zone = read("cloudflareZone");
        if (read("previews") === true && typeof zone === "string" && zone !== "")
            out.push({ app, env: PREVIEW_BOOTSTRAP_ENV, originHosts: [previewHostPattern(zone)] });
    }
    return out;
}

/** A stable id for a zone nobody listed: the same name always gets the same id. */
function derivedZoneId(name: string, provider: "cloudflare" | "route53"): string {
    const digest = crypto.createHash("sha256").update(`${provider}:${name}`).digest("hex");
    return provider === "cloudflare" ? digest.slice(0, 32) : `Z${digest.slice(0, 20).toUpperCase()}`;
}

/**
 * Answers the program's invokes the way the providers would, from {@link OfflineAnswers}, and
 * remembers what stacks write (SSM parameters), as AWS would between two deployments.
 */
export class FakeCloud {
    private readonly parameters = new Map<string, { value: string; version: number }>();
    /** Cloudflare zones by name -> zone id. */
    readonly cloudflareZones: Map<string, string>;
    /** Route 53 public hosted zones by name -> hosted zone id. */
    readonly hostedZones: Map<string, string>;
    /** A zone that is not listed exists with a derived id (offline default); false: it does not exist. */
    deriveUnknownZones = true;
    ipRanges: { ipv4Cidrs: string[]; ipv6Cidrs: string[] };

    constructor(answers: OfflineAnswers = readOfflineAnswers()) {
        this.cloudflareZones = new Map(Object.entries(answers.cloudflareZones));
        this.hostedZones = new Map(Object.entries(answers.hostedZones));
        this.ipRanges = { ipv4Cidrs: [...answers.cloudflareRanges.ipv4Cidrs], ipv6Cidrs: [...answers.cloudflareRanges.ipv6Cidrs] };
        for (const b of answers.bootstrapped) this.bootstrap(b.app, b.env, b.originHosts);
    }

    /** Writes what the bootstrap writes for one environment: its origin secret and origin hosts. */
    bootstrap(app: string, env: string, originHosts: readonly string[]): void {
        this.putParameter(`/${app}/${env}/edge/origin-secret`, ORIGIN_SECRET);
        this.putParameter(`/${app}/${env}/edge/origin-hosts`, originHosts.join(","));
    }

    putParameter(name: string, value: string): number {
        const prev = this.parameters.get(name);
        const version = !prev ? 1 : prev.value === value ? prev.version : prev.version + 1;
        this.parameters.set(name, { value, version });
        return version;
    }

    deleteParameter(name: string): void {
        this.parameters.delete(name);
    }

    private zone(zones: Map<string, string>, provider: "cloudflare" | "route53", name: string | undefined, id: string | undefined) {
        if (id !== undefined) {
            const listed = [...zones].find(([, v]) => v === id)?.[0];
            return listed !== undefined ? { id, name: listed } : undefined;
        }
        if (name === undefined) return undefined;
        const listed = zones.get(name);
        if (listed !== undefined) return { id: listed, name };
        return this.deriveUnknownZones ? { id: derivedZoneId(name, provider), name } : undefined;
    }

    /** Answers an invoke the way the provider would, or throws its error. */
    invoke(token: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
        switch (token) {
            case "cloudflare:index/getZone:getZone": {
                const name = (inputs.filter as { name?: string } | undefined)?.name;
                const zoneId = typeof inputs.zoneId === "string" ? inputs.zoneId : undefined;
                const zone = this.zone(this.cloudflareZones, "cloudflare", name, zoneId);
                if (!zone)
                    throw new Error(
                        `Cloudflare: zone ${String(name ?? zoneId)} not found${zoneId ? ` (offline, a zone id must be listed under cloudflare.zones in ${OFFLINE_CLOUD_FILE})` : ""}`,
                    );
                return { id: zone.id, name: zone.name, status: "active" };
            }
            case "cloudflare:index/getIpRanges:getIpRanges":
                return { ...this.ipRanges, etag: "offline", jdcloudCidrs: [] };
            case "aws:route53/getZone:getZone": {
                const name = typeof inputs.name === "string" ? inputs.name.replace(/\.$/, "") : undefined;
                const zoneId = typeof inputs.zoneId === "string" ? inputs.zoneId : undefined;
                const zone = this.zone(this.hostedZones, "route53", name, zoneId);
                if (!zone)
                    throw new Error(
                        `no matching Route 53 Hosted Zone found${zoneId ? ` (offline, a hosted zone id must be listed under route53.hostedZones in ${OFFLINE_CLOUD_FILE})` : ""}`,
                    );
                return { zoneId: zone.id, id: zone.id, name: zone.name, privateZone: false, arn: `arn:aws:route53:::hostedzone/${zone.id}` };
            }
            case "aws:ssm/getParameter:getParameter": {
                const name = String(inputs.name);
                const p = this.parameters.get(name);
                if (!p) throw new Error(`reading SSM Parameter (${name}): ParameterNotFound`);
                return {
                    name,
                    value: p.value,
                    insecureValue: "",
                    version: p.version,
                    type: "SecureString",
                    arn: `arn:aws:ssm:${region}:${ACCOUNT}:parameter${name}`,
                };
            }
        }
        throw new Error(`invoke ${token} is not answered offline: add it to FakeCloud.invoke (offline/cloud.ts) if the program truly needs it`);
    }
}
