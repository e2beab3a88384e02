/**
 * A fleet of N generated services for a stack, for the services benchmark (scripts/bench-services.ts)
 * and its test: the generated `services` map, the fake cloud it needs, and where each registered
 * resource comes from (one service, or the environment's shared part).
 *
 * The fleet repeats one block of four, so that every exposure is present from N = 4 on:
 *   s<4k>   http      host s<4k>.<zone host>, rule priority 4k + 1, path /*
 *   s<4k+1> tcp       host s<4k+1>.<zone host>, one TLS listener on 443
 *   s<4k+2> internal  called by s<4k+3> (Service Connect)
 *   s<4k+3> worker    no inbound traffic; calls s<4k+2>
 * The zone host is the stack's first http host (live: example.org, alpha: alpha.example.org). Each
 * image is in the stack's registry, in the service's own repository `<app>-<service>` as the
 * bootstrap names them, pinned by a digest made up from the stack and service names. Every other
 * setting is the stack's default (live: at least two tasks, no Spot).
 */
import { createHash } from "crypto";
import { Exposure } from "../stacks/services";
import { parseImageRef } from "../stacks/validators";
import { Graph, Recorded } from "../offline/graph";
import { FakeCloud, readOfflineAnswers } from "../offline/cloud";
import { MAX_CHECK_TARGETS } from "../lib/endpointCheck";
import { stackConfig } from "../offline/stackConfig";

/** The exposures of a block, in the order the fleet repeats them. */
export const BLOCK: readonly Exposure[] = ["http", "tcp", "internal", "worker"];

/** What the fleet takes from the committed stack file. */
export interface FleetBase {
    readonly stack: string;
    readonly app: string;
    /** `<appName>-<stack>`: the program's prefix of logical names. */
    readonly prefix: string;
    /** Registry of the stack's first service's image, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com. */
    readonly registry: string;
    /** The stack's first http host; generated hosts are s<i>.<zoneHost>. */
    readonly zoneHost: string;
}

export interface Fleet {
    readonly base: FleetBase;
    /** N, the number of services. */
    readonly size: number;
    /** The value for the `services` override: name -> settings, as a stack file holds them. */
    readonly services: Readonly<Record<string, Record<string, unknown>>>;
    readonly exposureOf: ReadonlyMap<string, Exposure>;
    /**
     * What a service is for counting: its exposure, and the calls it makes or receives, which may
     * add resources on either side ("internal called by 1", "worker calling 1"). An internal service
     * closing a fleet of 4k + 3 has no caller, so it is a kind of its own.
     */
    readonly kindOf: ReadonlyMap<string, string>;
    readonly hostsOf: ReadonlyMap<string, readonly string[]>;
    /** Host names Cloudflare proxies (the http services'): the bootstrap must list them. */
    readonly proxiedHosts: readonly string[];
}

/** Reads what a fleet needs from the committed `Pulumi.<stack>.yaml`. */
export function fleetBase(stack: string): FleetBase {
    const values = stackConfig(stack).values;
    const committed = JSON.parse(values["shipyard:services"] ?? "{}") as Record<string, { image?: string; expose?: string; hosts?: string[] }>;
    const first = Object.values(committed)[0];
    const registry = first?.image !== undefined ? parseImageRef(first.image)?.registry : undefined;
    const zoneHost = Object.values(committed).find((s) => s.expose === "http" && (s.hosts?.length ?? 0) > 0)?.hosts?.[0];
    if (!registry || !zoneHost)
        throw new Error(
            `Pulumi.${stack}.yaml: the fleet needs the registry of the first service's image and an http service with a host in shipyard:services; found registry ${String(registry)}, host ${String(zoneHost)}`,
        );
    const app = values["shipyard:appName"] ?? "demo";
    return { stack, app, prefix: `${app}-${stack}`, registry, zoneHost };
}

/**
 * N services in the fixed pattern of {@link BLOCK}. Past the endpoint check's limit of public
 * endpoints ({@link MAX_CHECK_TARGETS}, which the settings enforce), the http and tcp places of
 * the pattern are internal services.
 */
export function fleet(base: FleetBase, n: number): Fleet {
    if (!Number.isInteger(n) || n < 1) throw new Error(`a fleet has a whole number of services, 1 or more; got ${n}`);
    const services: Record<string, Record<string, unknown>> = {};
    const exposureOf = new Map<string, Exposure>();
    const hostsOf = new Map<string, string[]>();
    let publicEndpoints = 0;
    for (let i = 0; i < n; i++) {
        const name = `s${i}`;
        const pattern = BLOCK[i % BLOCK.length];
        const isPublic = pattern === "http" || pattern === "tcp";
        const expose: Exposure = isPublic && publicEndpoints >= MAX_CHECK_TARGETS ? "internal" : pattern;
        if (isPublic && expose === pattern) publicEndpoints++;
        const digest = createHash("sha256").update(`${base.stack}/${name}`).digest("hex");
        const host = `${name}.${base.zoneHost}`;
        const spec: Record<string, unknown> = { image: `${base.registry}/${base.app}-${name}@sha256:${digest}`, expose };
        if (expose === "http") Object.assign(spec, { hosts: [host], priority: i + 1 });
        if (expose === "tcp") Object.assign(spec, { hosts: [host], listeners: [{ port: 443, protocol: "TLS" }] });
        if (expose === "worker") spec.calls = [`s${i - 1}`];
        // The environment's database and assets bucket need a user; s0 is in every fleet, so they are fixed cost.
        if (i === 0) spec.uses = ["database", "assets"];
        services[name] = spec;
        exposureOf.set(name, expose);
        hostsOf.set(name, (spec.hosts as string[] | undefined) ?? []);
    }
    const callers = (name: string) => Object.values(services).filter((s) => (s.calls as string[] | undefined)?.includes(name)).length;
    const kindOf = new Map(
        [...exposureOf].map(([name, e]) => {
            const calls = (services[name].calls as string[] | undefined)?.length ?? 0;
            return [name, [e, ...(callers(name) > 0 ? [`called by ${callers(name)}`] : []), ...(calls > 0 ? [`calling ${calls}`] : [])].join(" ")];
        }),
    );
    const proxiedHosts = [...exposureOf].filter(([, e]) => e === "http").flatMap(([name]) => hostsOf.get(name) ?? []);
    return { base, size: n, services, exposureOf, kindOf, hostsOf, proxiedHosts };
}

/** The fake cloud for a fleet: its bootstrap lists the fleet's proxied hosts for the stack's environment. */
export function fleetCloud(f: Fleet): FakeCloud {
    const answers = readOfflineAnswers();
    const bootstrapped = answers.bootstrapped.map((b) => (b.env === f.base.stack ? { ...b, originHosts: f.proxiedHosts } : b));
    return new FakeCloud({ ...answers, bootstrapped });
}

/** The service a logical name is for, when it is `<service>` or `<service>-<role>` after `prefix-`. */
function serviceNamed(name: string, prefix: string, services: readonly string[]): string | undefined {
    if (!name.startsWith(`${prefix}-`)) return undefined;
    const rest = name.slice(prefix.length + 1);
    return services.find((s) => rest === s || rest.startsWith(`${s}-`));
}

/** How many resources of each kind, keyed `<parent's type> > <type>` ("(stack)" for top-level ones). */
export type Footprint = Record<string, number>;

export interface Attribution {
    /** Each service's resources by parent type and type. */
    readonly perService: ReadonlyMap<string, Footprint>;
    /** The resources no service owns: network, load balancer, certificate, cluster, monitoring's own. */
    readonly shared: Footprint;
}

/**
 * Splits a run's resources between the services and the environment's shared part. A resource is
 * a service's when it or one of its ancestors is named for the service, after the program's prefix
 * (`demo-live-s5`, `demo-live-s5-nlb`) or after its parent's name (`demo-live-lb-s5-tg`,
 * `demo-live-monitoring-s5-cpu`), or when its `name` input is one of the service's hosts or a name
 * under it (its DNS record, its certificate validation record). Naming children after their
 * parent is the house convention (STYLE.md), so this follows the program without knowing its code.
 */
export function attribute(graph: Graph, f: Fleet): Attribution {
    const names = [...f.exposureOf.keys()];
    const byName = new Map(graph.resources.map((x) => [x.name, x]));
    const ownerOf = (r: Recorded): string | undefined => {
        for (let at: Recorded | undefined = r; at; at = at.parent !== undefined ? byName.get(at.parent) : undefined) {
            const owner = serviceNamed(at.name, f.base.prefix, names) ?? (at.parent !== undefined ? serviceNamed(at.name, at.parent, names) : undefined);
            if (owner) return owner;
        }
        const named = typeof r.inputs.name === "string" ? r.inputs.name.replace(/\.$/, "") : undefined;
        if (named === undefined) return undefined;
        return names.find((s) => (f.hostsOf.get(s) ?? []).some((h) => named === h || named.endsWith(`.${h}`)));
    };
    const perService = new Map<string, Footprint>(names.map((s) => [s, {}]));
    const shared: Footprint = {};
    for (const r of graph.all) {
        const parentType = r.parent !== undefined ? byName.get(r.parent)?.type : undefined;
        const key = `${parentType === undefined || parentType === "pulumi:pulumi:Stack" ? "(stack)" : parentType} > ${r.type}`;
        const owner = ownerOf(r);
        const into = owner !== undefined ? (perService.get(owner) as Footprint) : shared;
        into[key] = (into[key] ?? 0) + 1;
    }
    return { perService: new Map([...perService].map(([s, fp]) => [s, sorted(fp)])), shared: sorted(shared) };
}

function sorted(fp: Footprint): Footprint {
    return Object.fromEntries(Object.entries(fp).sort(([a], [b]) => a.localeCompare(b)));
}

export function total(fp: Footprint): number {
    return Object.values(fp).reduce((a, b) => a + b, 0);
}

/** The sum of footprints, keys sorted. */
export function addFootprints(...fps: readonly Footprint[]): Footprint {
    const out: Footprint = {};
    for (const fp of fps) for (const [k, v] of Object.entries(fp)) out[k] = (out[k] ?? 0) + v;
    return sorted(out);
}

/** `b - a` per key, without the keys that are equal; keys sorted. */
export function subtractFootprints(b: Footprint, a: Footprint): Footprint {
    const out: Footprint = {};
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const d = (b[k] ?? 0) - (a[k] ?? 0);
        if (d !== 0) out[k] = d;
    }
    return sorted(out);
}

/** Least-squares straight line y = intercept + slope * x, and the largest |fit - y| / y over the points. */
export function fitLine(points: readonly { x: number; y: number }[]): { intercept: number; slope: number; maxRelativeDeviation: number } {
    if (points.length < 2) throw new Error("a straight line needs two points or more");
    const n = points.length;
    const mx = points.reduce((a, p) => a + p.x, 0) / n;
    const my = points.reduce((a, p) => a + p.y, 0) / n;
    const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
    const slope = sxx === 0 ? 0 : points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx;
    const intercept = my - slope * mx;
    const maxRelativeDeviation = Math.max(...points.map((p) => Math.abs(intercept + slope * p.x - p.y) / Math.abs(p.y)));
    return { intercept, slope, maxRelativeDeviation };
}
