/**
 * The `services` map of a stack: what runs, how each service is reached, and who may call whom.
 * Pure: turns the raw map (and the per-service secrets) into typed service definitions, reporting
 * every problem through `fail` in the settings' format (stack, key, value, what is allowed).
 */
import { ImageRef, SECRET_LOOKING_NAME, parseImageRef, secretLookingValue } from "./validators";
import { ENV_NAME, fargateSizeProblem } from "../lib/aws";
import { CHECK_TARGETS_BUDGET, compactCheckTargets, endpointName, MAX_CHECK_TARGETS } from "../lib/endpointCheck";
import { SERVICE_DEPLOYMENT_KEYS, ServiceDeploymentOverrides } from "./deployment";
import { checkSubscriptions, MessagingSettings, messagingVariables, parseMessaging } from "./messaging";

/** How a service is reached. */
export const EXPOSURES = ["http", "tcp", "internal", "worker", "job"] as const;
export type Exposure = (typeof EXPOSURES)[number];
export const TCP_PROTOCOLS = ["TCP", "TLS"] as const;
/** What a service may declare it uses: the environment's database, its assets bucket. */
export const USES = ["database", "assets"] as const;
export type Use = (typeof USES)[number];
export type TcpProtocol = (typeof TCP_PROTOCOLS)[number];

/** Rule priority of an http service that names none: after every service that does. */
export const DEFAULT_RULE_PRIORITY = 50000;
/** Conditions values an ALB rule may hold in all (AWS quota "condition values per rule"). */
export const ALB_CONDITION_VALUES = 5;

/** The fields a service may set, besides those of its exposure; each overrides the stack-wide key of the same name. */
const OVERRIDES = ["cpu", "memory", "minTasks", "maxTasks", "containerPort", "spot", "healthCheckPath", "environment"] as const;
const FIELDS: Readonly<Record<Exposure, readonly string[]>> = {
    http: ["image", "expose", "hosts", "paths", "priority", "calls", "uses", "publish", ...OVERRIDES, ...SERVICE_DEPLOYMENT_KEYS],
    tcp: ["image", "expose", "hosts", "listeners", "calls", "uses", "publish", ...OVERRIDES],
    internal: ["image", "expose", "calls", "uses", "publish", ...OVERRIDES],
    worker: ["image", "expose", "calls", "uses", "publish", "subscribe", "scaling", "command", ...OVERRIDES],
    // A job runs on its schedule and exits: no tasks kept running, no port anybody reaches.
    job: ["image", "expose", "uses", "publish", "schedule", "timeoutMinutes", "retries", "command", "cpu", "memory", "spot", "environment"],
};

/** The stack-wide values a service takes unless it overrides them. */
export type ServiceDefaults = Pick<DeclaredService, Exclude<(typeof OVERRIDES)[number], "environment">>;

export interface TcpListener {
    readonly port: number;
    /** TCP passes the bytes through; TLS is terminated at the load balancer with the environment's certificate. */
    readonly protocol: TcpProtocol;
}

/** One service as the stack file declares it, defaults applied (secrets and platform variables are added by settings). */
export interface DeclaredService {
    readonly name: string;
    readonly image: string;
    readonly imageRef: ImageRef;
    readonly exposure: Exposure;
    /** http: host names the ALB routes to it (any host when empty); tcp: its DNS name (at most one). */
    readonly hosts: readonly string[];
    /** http only: path patterns. @default ["/*"] */
    readonly paths: readonly string[];
    /** http only: the ALB rule priority, 1-50000; lower is evaluated first. @default 50000 */
    readonly priority: number;
    /** tcp only: the NLB's listeners. */
    readonly listeners: readonly TcpListener[];
    /** Internal services this one calls by name (Service Connect). */
    readonly calls: readonly string[];
    /** What else it may reach: the environment's database (its security group admits the service), its assets bucket (read). @default [] */
    readonly uses: readonly Use[];
    readonly cpu: number;
    readonly memory: number;
    readonly minTasks: number;
    readonly maxTasks: number;
    readonly containerPort: number;
    readonly spot: boolean;
    readonly healthCheckPath: string;
    /** The service's own plain variables (merged over the stack-wide ones by settings). */
    readonly environment: Readonly<Record<string, string>>;
    /** http only: the deployment keys it sets for itself (checked with the stack's in stacks/deployment.ts). @default {} */
    readonly deploymentOverrides: ServiceDeploymentOverrides;
    /** Topics it publishes, a worker's queue and backlog scaling, a job's schedule (`stacks/messaging.ts`). */
    readonly messaging: MessagingSettings;
    /** worker and job only: the container's command, instead of the image's CMD (e.g. [node, dist/job.js]). @default the image's */
    readonly command?: readonly string[];
}

type Fail = (key: string, value: unknown, allowed: string) => void;

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Parses the services map. `platformVars` may not be set per service; `live` adds live's rules
 * (two tasks at least, no Spot); `gammaOrLive` requires images pinned by digest.
 */
export function parseServices(
    raw: unknown,
    defaults: ServiceDefaults,
    opts: { readonly production: boolean; readonly digestOnly: boolean; readonly platformVars: readonly string[]; readonly env: string },
    fail: Fail,
): DeclaredService[] {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        fail("services", raw, "must be a map of service name to its settings, e.g. web: { image: ..., expose: http, hosts: [alpha.example.org] }");
        return [];
    }
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length === 0) fail("services", raw, "at least one service");
    const out: DeclaredService[] = [];
    for (const [name, spec] of entries) {
        const key = (field?: string) => (field ? `services.${name}.${field}` : `services.${name}`);
        if (!SERVICE_NAME.test(name)) {
            fail(
                key(),
                name,
                "a service name is 2-20 lowercase letters, digits or hyphens, starting with a letter: it becomes part of AWS names (<app>-<env>-<service>, e.g. target groups of 32 characters, IAM roles of 64) and its Service Connect DNS name",
            );
            continue;
        }
        if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
            fail(key(), spec, "must be a map with at least image and expose");
            continue;
        }
        const s = spec as Record<string, unknown>;
        const exposure = s.expose as Exposure;
        if (!(EXPOSURES as readonly unknown[]).includes(s.expose)) {
            fail(key("expose"), s.expose ?? "(missing)", `allowed: ${EXPOSURES.join(", ")}`);
            continue;
        }
        for (const field of Object.keys(s)) {
            if (!FIELDS[exposure].includes(field)) fail(key(field), s[field], `not a setting of ${exposure} services; allowed: ${FIELDS[exposure].join(", ")}`);
        }

        const image = typeof s.image === "string" ? s.image : "";
        const imageRef = parseImageRef(image);
        if (!imageRef) fail(key("image"), s.image ?? "(missing)", "a full image reference registry/repository[:tag]@sha256:<64 hex digits>");
        else if (!imageRef.digest && opts.digestOnly)
            fail(
                key("image"),
                image,
                `${opts.env} (tier staging or production) accepts only an immutable image pinned by digest (...@sha256:<64 hex digits>), not a mutable tag; promote the digest that was tested in development`,
            );
        else if (!imageRef.digest && !imageRef.tag) fail(key("image"), image, "must name a tag or, better, a digest (@sha256:...)");

        const int = (field: (typeof OVERRIDES)[number], fallback: number): number => {
            if (s[field] === undefined) return fallback;
            if (typeof s[field] !== "number" || !Number.isInteger(s[field])) {
                fail(key(field), s[field], "wrong type: expected a whole number");
                return fallback;
            }
            return s[field];
        };
        const strings = (field: string, fallback: readonly string[]): string[] => {
            const v = s[field];
            if (v === undefined) return [...fallback];
            if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
                fail(key(field), v, "wrong type: expected a list of strings");
                return [...fallback];
            }
            return v;
        };
        const messaging = parseMessaging(s, exposure, key, fail);
        const cpu = int("cpu", defaults.cpu);
        const memory = int("memory", defaults.memory);
        // A job keeps no task running; a worker scaling on its backlog may rest at zero tasks.
        const minTasks = exposure === "job" ? 0 : int("minTasks", defaults.minTasks);
        const maxTasks = exposure === "job" ? 0 : int("maxTasks", defaults.maxTasks);
        const containerPort = int("containerPort", defaults.containerPort);
        const spot = typeof s.spot === "boolean" ? s.spot : defaults.spot;
        if (s.spot !== undefined && typeof s.spot !== "boolean") fail(key("spot"), s.spot, "wrong type: expected true or false");
        const healthCheckPath = typeof s.healthCheckPath === "string" ? s.healthCheckPath : defaults.healthCheckPath;

        // Overrides get the checks the stack-wide keys get (those are checked once, by settings).
        if ((s.cpu !== undefined || s.memory !== undefined) && fargateSizeProblem(cpu, memory))
            fail(key("cpu"), `${cpu} with memory ${memory}`, `not a Fargate task size: ${String(fargateSizeProblem(cpu, memory))}`);
        if (s.containerPort !== undefined && (containerPort < 1024 || containerPort > 65535))
            fail(key("containerPort"), containerPort, "allowed: 1024 to 65535 (the container runs as a non-root user)");
        if (s.minTasks !== undefined && messaging.backlog && minTasks < 0)
            fail(key("minTasks"), minTasks, "allowed: 0 or more (a worker scaling on its backlog wakes from zero for one message)");
        else if (s.minTasks !== undefined && !messaging.backlog && minTasks < (opts.production ? 2 : 1))
            fail(
                key("minTasks"),
                minTasks,
                opts.production
                    ? "the production tier needs at least 2 tasks of every service; allowed: 2 or more (0 only for a worker with scaling.backlog)"
                    : "allowed: 1 or more (0 only for a worker with scaling.backlog)",
            );
        if (exposure !== "job" && (s.minTasks !== undefined || s.maxTasks !== undefined) && (maxTasks < Math.max(1, minTasks) || maxTasks > 100))
            fail(key("maxTasks"), maxTasks, `allowed: minTasks (${minTasks}) to 100, and at least 1`);
        if (s.spot === true && opts.production)
            fail(key("spot"), true, "the production tier does not run on Fargate Spot; allowed in the production tier: false");
        if (
            s.healthCheckPath !== undefined &&
            (typeof s.healthCheckPath !== "string" || !/^\/[\x21-\x7e]*$/.test(healthCheckPath) || healthCheckPath.length > 1024)
        )
            fail(key("healthCheckPath"), s.healthCheckPath, "must start with / and hold no spaces (at most 1024 characters, the target group's limit)");

        const hosts = strings("hosts", []);
        for (const h of hosts) if (!HOST_NAME.test(h)) fail(key("hosts"), h, "must be a DNS host name such as api.example.org (lowercase)");
        // A listener rule's host-header value holds at most 128 characters (ELB API Reference, HostHeaderConditionConfig).
        if (exposure === "http")
            for (const h of hosts)
                if (h.length > 128) fail(key("hosts"), h, "an http host name is at most 128 characters (a load balancer rule's host condition)");
        const paths = exposure === "http" ? strings("paths", ["/*"]) : [];
        for (const p of paths)
            if (!/^\/[A-Za-z0-9_\-.$/~"'@:+*?&=%]{0,127}$/.test(p))
                fail(key("paths"), p, "a path pattern starting with /, at most 128 characters, e.g. /api/*");
        if (exposure === "http" && paths.length === 0) fail(key("paths"), paths, "at least one path pattern, e.g. /*");
        let priority = DEFAULT_RULE_PRIORITY;
        if (s.priority !== undefined) {
            if (typeof s.priority !== "number" || !Number.isInteger(s.priority) || s.priority < 1 || s.priority > DEFAULT_RULE_PRIORITY)
                fail(key("priority"), s.priority, `allowed: 1 to ${DEFAULT_RULE_PRIORITY}; lower is evaluated first`);
            else priority = s.priority;
        }
        // One condition value is kept for the origin header.
        if (exposure === "http" && hosts.length + paths.length > ALB_CONDITION_VALUES - 1)
            fail(
                key("hosts"),
                [...hosts, ...paths],
                `hosts and paths together hold at most ${ALB_CONDITION_VALUES - 1} values (an ALB rule holds ${ALB_CONDITION_VALUES}, one is the origin header); split the service's routes or use wildcards`,
            );

        const listeners: TcpListener[] = [];
        if (exposure === "tcp") {
            if (hosts.length > 1) fail(key("hosts"), hosts, "a tcp service has one DNS name (its load balancer's); allowed: zero or one host");
            const rawListeners = s.listeners;
            if (!Array.isArray(rawListeners) || rawListeners.length === 0) {
                fail(key("listeners"), rawListeners ?? "(missing)", "at least one listener, e.g. [{ port: 443, protocol: TLS }]");
            } else {
                for (const l of rawListeners as unknown[]) {
                    const o = (typeof l === "object" && l !== null ? l : {}) as Record<string, unknown>;
                    const port = o.port;
                    const protocol = o.protocol ?? "TCP";
                    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
                        fail(key("listeners"), l, "each listener needs a port from 1 to 65535");
                        continue;
                    }
                    if (!(TCP_PROTOCOLS as readonly unknown[]).includes(protocol)) {
                        fail(key("listeners"), l, `protocol allowed: ${TCP_PROTOCOLS.join(", ")}`);
                        continue;
                    }
                    if (listeners.some((x) => x.port === port)) fail(key("listeners"), port, "two listeners on one port of the service's load balancer");
                    listeners.push({ port, protocol: protocol as TcpProtocol });
                }
                if (listeners.some((l) => l.protocol === "TLS") && hosts.length === 0)
                    fail(key("hosts"), hosts, "a TLS listener presents the environment's certificate for the service's host name: name one host");
            }
        }

        let command: string[] | undefined;
        if (s.command !== undefined) {
            const c = s.command;
            if (!Array.isArray(c) || c.length === 0 || c.length > 20 || !c.every((x) => typeof x === "string" && x.length > 0 && x.length <= 1024))
                fail(key("command"), c, "the container's command as a list of 1 to 20 non-empty strings, e.g. [node, dist/job.js]");
            else command = c as string[];
        }
        const calls = strings("calls", []);
        const uses: Use[] = [];
        for (const u of strings("uses", [])) {
            if (!(USES as readonly string[]).includes(u)) fail(key("uses"), u, `allowed: ${USES.join(", ")}`);
            else if (uses.includes(u as Use)) fail(key("uses"), u, "named twice");
            else uses.push(u as Use);
        }
        const environment: Record<string, string> = {};
        if (s.environment !== undefined) {
            if (typeof s.environment !== "object" || s.environment === null || Array.isArray(s.environment)) {
                fail(key("environment"), s.environment, "wrong type: expected a map of NAME: value");
            } else {
                for (const [n, value] of Object.entries(s.environment as Record<string, unknown>)) {
                    const k = key(`environment.${n}`);
                    if (typeof value === "object" || value === undefined) fail(k, value, "wrong type: expected a string");
                    else if (!ENV_NAME.test(n)) fail(k, n, "invalid variable name: letters, digits and underscores, not starting with a digit");
                    else if (opts.platformVars.includes(n)) fail(k, value, `${n} is set by the platform from the stack (${opts.platformVars.join(", ")})`);
                    else if (messagingVariables(messaging).includes(n))
                        fail(
                            k,
                            value,
                            `${n} is set by the platform from publish and subscribe (${messagingVariables(messaging).join(", ")}); use another name`,
                        );
                    else if (SECRET_LOOKING_NAME.test(n) || secretLookingValue(String(value)))
                        fail(
                            k,
                            "[redacted]",
                            `looks like a secret and would be stored in plain text; move it to secrets with pulumi config set --secret --path 'secrets.${name}.${n}' VALUE`,
                        );
                    else environment[n] = String(value);
                }
            }
        }
        out.push({
            name,
            image,
            imageRef: imageRef as ImageRef,
            exposure,
            hosts,
            paths,
            priority,
            listeners,
            calls,
            uses,
            cpu,
            memory,
            minTasks,
            maxTasks,
            containerPort,
            spot,
            healthCheckPath,
            environment,
            deploymentOverrides: Object.fromEntries(SERVICE_DEPLOYMENT_KEYS.filter((k) => s[k] !== undefined).map((k) => [k, s[k]])),
            messaging,
            ...(command ? { command } : {}),
        });
    }
    crossCheck(out, fail);
    checkSubscriptions(out, fail);
    return out;
}

/** Problems between services: routes, priorities, host names, ports and calls. */
function crossCheck(services: readonly DeclaredService[], fail: Fail): void {
    const byName = new Map(services.map((s) => [s.name, s]));
    const http = services.filter((s) => s.exposure === "http");
    const priorities = new Map<number, string>();
    const routes = new Map<string, string>();
    for (const s of http) {
        const other = priorities.get(s.priority);
        if (other)
            fail(
                `services.${s.name}.priority`,
                s.priority,
                `${other} has the same rule priority${s.priority === DEFAULT_RULE_PRIORITY ? " (the default)" : ""}; give each http service its own, lower for the more specific routes`,
            );
        priorities.set(s.priority, s.name);
        for (const host of s.hosts.length > 0 ? s.hosts : ["*"]) {
            for (const path of s.paths) {
                const route = `${host}${path}`;
                const taken = routes.get(route);
                if (taken) fail(`services.${s.name}.paths`, path, `host ${host} and path ${path} already route to ${taken}; a request must have one service`);
                routes.set(route, s.name);
            }
        }
    }
    if (http.length > 0 && http.every((s) => s.hosts.length === 0))
        fail("services", http.map((s) => s.name).join(", "), "at least one http service names a host: the environment's DNS record and certificate are for it");
    endpointCheckFits(services, fail);
    // A name has one DNS record: an ALB's or one NLB's.
    const owners = new Map<string, string>();
    for (const s of services.filter((x) => x.exposure === "tcp" || x.exposure === "http")) {
        for (const host of s.hosts) {
            const owner = owners.get(host);
            const lb = (x: DeclaredService) => (x.exposure === "http" ? "the application load balancer" : `${x.name}'s network load balancer`);
            if (owner && (s.exposure === "tcp" || byName.get(owner)?.exposure === "tcp"))
                fail(
                    `services.${s.name}.hosts`,
                    host,
                    `${host} already points at ${lb(byName.get(owner) as DeclaredService)} (${owner}); two services on one host and port would need one load balancer: give ${s.name} its own host name`,
                );
            if (!owner) owners.set(host, s.name);
        }
    }
    for (const s of services) {
        for (const callee of s.calls) {
            const target = byName.get(callee);
            if (callee === s.name) fail(`services.${s.name}.calls`, callee, "a service does not call itself through Service Connect");
            else if (!target) fail(`services.${s.name}.calls`, callee, `unknown service; the stack's services are ${services.map((x) => x.name).join(", ")}`);
            else if (target.exposure !== "internal")
                fail(
                    `services.${s.name}.calls`,
                    callee,
                    `${callee} is ${target.exposure}: only internal services are called by name (Service Connect); call ${target.exposure === "worker" || target.exposure === "job" ? `nothing on a ${target.exposure}` : `${callee} by its public host`}`,
                );
        }
        if (new Set(s.calls).size !== s.calls.length) fail(`services.${s.name}.calls`, s.calls, "names a service twice");
    }
}

/**
 * The endpoint check carries every public health URL in its environment (environment/serviceKinds.ts
 * says which: every host of an http service, the host of a tcp service with TLS on 443): at most
 * MAX_CHECK_TARGETS of them, in Lambda's 4 KB.
 */
function endpointCheckFits(services: readonly DeclaredService[], fail: Fail): void {
    const checked = services.filter((s) => s.exposure === "http" || (s.exposure === "tcp" && s.listeners.some((l) => l.port === 443 && l.protocol === "TLS")));
    const endpoints = checked.flatMap((s) => s.hosts.map((host, i) => ({ name: endpointName(s.name, host, i), url: `https://${host}${s.healthCheckPath}` })));
    const names = checked.map((s) => s.name).join(", ");
    if (endpoints.length > MAX_CHECK_TARGETS)
        fail(
            "services",
            names,
            `the public hosts of these services make ${endpoints.length} endpoints to check from outside; allowed: at most ${MAX_CHECK_TARGETS} (the endpoint check's limit), so list fewer hosts`,
        );
    else {
        const size = compactCheckTargets(endpoints).length;
        if (size > CHECK_TARGETS_BUDGET)
            fail(
                "services",
                names,
                `their public hosts and health check paths take ${size} characters in the endpoint check's environment; allowed: at most ${CHECK_TARGETS_BUDGET} (Lambda holds 4 KB of environment variables), so shorten the healthCheckPath of a service or list fewer hosts`,
            );
    }
}
