/**
 * Runs a real program (`index.ts`, or another project's) for one stack under Pulumi's mock runtime and records every
 * resource it registers: type, name, parent, options and inputs, with secret values unwrapped and
 * their paths noted. No cloud, no CLI, no network.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { Graph, Recorded } from "./graph";
import { ConfigOverrides, MAIN, Project, stackConfig } from "./stackConfig";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export const ACCOUNT = "123456789012";

/**
 * What the fake cloud remembers between two runs, as AWS would between two deployments. Only
 * what a test needs: SSM parameter versions, which AWS increments on every change of value.
 */
export class FakeCloud {
    private readonly parameters = new Map<string, { value: string; version: number }>();

    putParameter(name: string, value: string): number {
        const prev = this.parameters.get(name);
        const version = !prev ? 1 : prev.value === value ? prev.version : prev.version + 1;
        this.parameters.set(name, { value, version });
        return version;
    }
}

export interface RunOptions {
    readonly overrides?: ConfigOverrides;
    readonly cloud?: FakeCloud;
    /** The Pulumi project to run; the environments' program unless told. */
    readonly project?: Project;
}

export interface StackRun {
    readonly stack: string;
    readonly graph: Graph;
    readonly outputs?: Record<string, unknown>;
    /** The error the program failed with, if it failed. */
    readonly error?: Error;
    /** Invoke tokens the program tried; every one is refused. */
    readonly invokes: readonly string[];
}

type RegisterRequest = {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getDependenciesList(): string[];
    getIgnorechangesList(): string[];
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
    getObject(): unknown;
};
type Callback = (err: unknown, response: { getUrn(): string } | undefined) => void;
type MonitorLike = { registerResource(req: RegisterRequest, cb: Callback): Promise<void> };
type RuntimeInternals = { waitForRPCs(): Promise<void> };

/** Unwraps secret envelopes, returning the plain value and the paths that were secret. */
export function unwrapSecrets(value: unknown, at = "", paths: string[] = []): { value: unknown; paths: string[] } {
    // Assets and archives hold promises; resolveAssets reads them once the engine has them.
    if (value instanceof pulumi.asset.Asset || value instanceof pulumi.asset.Archive) return { value, paths };
    if (Array.isArray(value)) {
        return { value: value.map((v, i) => unwrapSecrets(v, `${at}[${i}]`, paths).value), paths };
    }
    if (typeof value === "object" && value !== null) {
        const o = value as Record<string, unknown>;
        if (o[SIG_KEY] === SECRET_SIG) {
            paths.push(at || "(root)");
            return { value: unwrapSecrets(o.value, at, []).value, paths };
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(o)) out[k] = unwrapSecrets(v, at ? `${at}.${k}` : k, paths).value;
        return { value: out, paths };
    }
    return { value, paths };
}

/**
 * Replaces assets and archives by what they hold: `{ text }` for a string asset, `{ path }` for a
 * file asset, `{ assets: { name: ... } }` for an archive of assets.
 */
async function resolveAssets(value: unknown): Promise<unknown> {
    if (value instanceof pulumi.asset.StringAsset) return { text: await (value as unknown as { text: Promise<string> }).text };
    if (value instanceof pulumi.asset.FileAsset) return { path: await (value as unknown as { path: Promise<string> }).path };
    if (value instanceof pulumi.asset.AssetArchive) {
        const assets = await (value as unknown as { assets: Promise<Record<string, unknown>> }).assets;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(assets)) out[k] = await resolveAssets(v);
        return { assets: out };
    }
    if (Array.isArray(value)) return Promise.all(value.map(resolveAssets));
    if (typeof value === "object" && value !== null) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await resolveAssets(v);
        return out;
    }
    return value;
}

function timeoutsOf(req: RegisterRequest): Recorded["customTimeouts"] {
    const t = req.getCustomtimeouts();
    if (!t || (!t.getCreate() && !t.getUpdate() && !t.getDelete())) return undefined;
    return { create: t.getCreate() || undefined, update: t.getUpdate() || undefined, delete: t.getDelete() || undefined };
}

function nameOfUrn(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

function mockState(type: string, name: string, inputs: Record<string, unknown>, region: string, cloud: FakeCloud): Record<string, unknown> {
    const [pkg, mod] = type.split(":");
    const service = pkg === "aws" ? mod.split("/")[0] : pkg;
    const physical = typeof inputs.name === "string" ? inputs.name : name;
    const state: Record<string, unknown> = {
        ...inputs,
        name: physical,
        arn: `arn:aws:${service}:${region}:${ACCOUNT}:${mod.split("/")[1] ?? mod}/${physical}`,
    };
    // ARNs in the shapes AWS gives them, for the types whose ARNs the program passes on.
    switch (type) {
        case "aws:lb/loadBalancer:LoadBalancer":
            state.arnSuffix = `app/${physical}/50dc6c495c0c9188`;
            state.arn = `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:loadbalancer/${state.arnSuffix}`;
            state.dnsName = `${physical}-1234567890.${region}.elb.amazonaws.com`;
            state.zoneId = "Z32O12XQLNTSW2";
            break;
        case "aws:lb/targetGroup:TargetGroup":
            state.arnSuffix = `targetgroup/${physical}/73e2d6bc24d8a067`;
            state.arn = `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:${state.arnSuffix}`;
            break;
        case "aws:cloudwatch/logGroup:LogGroup":
            state.arn = `arn:aws:logs:${region}:${ACCOUNT}:log-group:${physical}`;
            break;
        case "aws:iam/role:Role":
            state.arn = `arn:aws:iam::${ACCOUNT}:role/${physical}`;
            break;
        case "aws:ssm/parameter:Parameter": {
            const v = unwrapSecrets(inputs.value).value;
            state.arn = `arn:aws:ssm:${region}:${ACCOUNT}:parameter/${physical.replace(/^\//, "")}`;
            state.version = cloud.putParameter(physical, String(v));
            break;
        }
        case "aws:ec2/eip:Eip": {
            // A stable documentation address (RFC 5737) per allocation.
            let h = 0;
            for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 254;
            state.publicIp = `198.51.100.${h + 1}`;
            break;
        }
        case "aws:ecs/taskDefinition:TaskDefinition":
            state.arn = `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/${String(inputs.family)}:1`;
            break;
        case "aws:s3/bucket:Bucket":
            state.arn = `arn:aws:s3:::${String(inputs.bucket)}`;
            break;
        case "aws:kms/key:Key":
            state.keyId = `${name}-id`;
            state.arn = `arn:aws:kms:${region}:${ACCOUNT}:key/${name}-id`;
            break;
        case "aws:kms/alias:Alias":
            state.arn = `arn:aws:kms:${region}:${ACCOUNT}:${physical}`;
            break;
        case "aws:ecr/repository:Repository":
            state.registryId = ACCOUNT;
            state.repositoryUrl = `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${physical}`;
            break;
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            state.arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}`;
            break;
    }
    return state;
}

/**
 * Runs the program for `stack` and returns everything it registered. Stack traces are off during
 * the run (SHIPYARD_STACK_TRACES=1 keeps them): the Pulumi SDK records `new Error().stack` for every
 * promise it creates, only to report leaked promises, and ts-node source-maps each one; that is
 * most of a run's time. Errors keep their messages, which is what the tests read.
 */
export async function runStack(stack: string, options: RunOptions = {}): Promise<StackRun> {
    const limit = Error.stackTraceLimit;
    if (!process.env.SHIPYARD_STACK_TRACES) Error.stackTraceLimit = 0;
    try {
        return await run(stack, options);
    } finally {
        Error.stackTraceLimit = limit;
    }
}

async function run(stack: string, options: RunOptions): Promise<StackRun> {
    const project = options.project ?? MAIN;
    const config = stackConfig(stack, options.overrides, project);
    const region = config.values["aws:region"] ?? "eu-west-1";
    const cloud = options.cloud ?? new FakeCloud();
    const invokes: string[] = [];
    const recorded: Recorded[] = [];
    let pending = 0;

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => ({ id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs, region, cloud) }),
            call: (args) => {
                invokes.push(args.token);
                throw new Error(`invoke ${args.token} is not answered by the harness: the program must not look up cloud state`);
            },
        },
        project.name,
        stack,
        false,
    );

    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        pending++;
        const { value, paths } = unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject() as never));
        return register(req, (err, response) => {
            if (!err && response) {
                const urn = response.getUrn();
                const record = (inputs: unknown) =>
                    recorded.push({
                        type: req.getType(),
                        name: req.getName(),
                        urn,
                        custom: req.getCustom(),
                        parent: req.getParent() ? nameOfUrn(req.getParent()) : undefined,
                        protect: req.getProtect() ?? false,
                        retainOnDelete: req.getRetainondelete() ?? false,
                        dependsOn: req.getDependenciesList().map(nameOfUrn),
                        ignoreChanges: req.getIgnorechangesList(),
                        customTimeouts: timeoutsOf(req),
                        inputs: inputs as Record<string, unknown>,
                        secretPaths: paths,
                        outputs: unwrapSecrets(pulumi.runtime.deserializeProperties((response as unknown as { getObject(): never }).getObject()))
                            .value as Record<string, unknown>,
                    });
                // Counted as pending until recorded, so the run waits for asset contents too.
                void resolveAssets(value)
                    .then(record, (e: unknown) => {
                        error ??= e instanceof Error ? e : new Error(String(e));
                    })
                    .finally(() => pending--);
            } else {
                pending--;
            }
            cb(err, response);
        });
    };

    pulumi.runtime.setAllConfig(config.values, [...config.secretKeys]);
    // Loaded after the mocks are set: the program is a function called once per run.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(path.join(project.dir, "index")) as () => Record<string, unknown>;
    let outputs: Record<string, unknown> | undefined;
    let error: Error | undefined;
    // When the program throws, the SDK rejects the stack's output promise (caught below) and also
    // promises of its own that nobody awaits; keep the first error and stop the process from dying.
    const onUnhandled = (reason: unknown) => {
        error ??= reason instanceof Error ? reason : new Error(String(reason));
    };
    process.on("unhandledRejection", onUnhandled);
    try {
        outputs = (await pulumi.runtime.runInPulumiStack(async () => program())) as Record<string, unknown>;
    } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
    }
    // Resources created inside apply() register late: wait until the queue is empty and stays so.
    const internals = pulumi.runtime as unknown as RuntimeInternals;
    do {
        await internals.waitForRPCs();
        await new Promise((resolve) => setImmediate(resolve));
    } while (pending > 0);
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onUnhandled);

    return { stack, graph: new Graph(recorded), outputs: outputs ? (unwrapSecrets(outputs).value as Record<string, unknown>) : undefined, error, invokes };
}
