/**
 * Runs a real program (`index.ts`, or another project's) for one stack under Pulumi's mock runtime and records every
 * resource it registers: type, name, parent, options and inputs, with secret values unwrapped and
 * their paths noted. No cloud, no CLI, no network.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { AliasRequest, EngineRules, Registration } from "./engineRules";
import { Graph, Recorded } from "./graph";
import { ACCOUNT, bootstrapStackDir, FakeCloud, readOfflineAnswers } from "./cloud";
import { ConfigOverrides, MAIN, Project, stackConfig, stackConfigDir } from "./stackConfig";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export { ACCOUNT, FakeCloud, ORIGIN_SECRET } from "./cloud";

export interface RunOptions {
    readonly overrides?: ConfigOverrides;
    readonly cloud?: FakeCloud;
    /** The Pulumi project to run; the environments' program unless told. */
    readonly project?: Project;
    /** The folder of the stack files; {@link stackConfigDir} unless told. */
    readonly stackDir?: string;
    /** Run the program even when a run of the same stack and configuration is known (benchmarks). */
    readonly fresh?: boolean;
}

export interface StackRun {
    readonly stack: string;
    readonly graph: Graph;
    readonly outputs?: Record<string, unknown>;
    /** The error the program failed with, if it failed. */
    readonly error?: Error;
    /** Invokes the program made, in order: token and arguments. */
    readonly invokes: readonly { token: string; args: Record<string, unknown> }[];
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
    getAliasesList(): {
        getUrn(): string;
        getSpec():
            { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
    }[];
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

function aliasesOf(req: RegisterRequest): AliasRequest[] {
    return req.getAliasesList().map((a) => {
        const spec = a.getSpec();
        if (!spec) return { urn: a.getUrn() };
        return {
            name: spec.getName(),
            type: spec.getType(),
            stack: spec.getStack(),
            project: spec.getProject(),
            parentUrn: spec.getParenturn(),
            noParent: spec.getNoparent(),
        };
    });
}

function timeoutsOf(req: RegisterRequest): Recorded["customTimeouts"] {
    const t = req.getCustomtimeouts();
    if (!t || (!t.getCreate() && !t.getUpdate() && !t.getDelete())) return undefined;
    return { create: t.getCreate() || undefined, update: t.getUpdate() || undefined, delete: t.getDelete() || undefined };
}

/** A stable 32-hex-digit token, as ACM's validation names have. */
function token(text: string, salt: string): string {
    let h = 2166136261;
    let out = "";
    for (let round = 0; out.length < 32; round++) {
        for (const c of `${salt}:${round}:${text}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
        out += h.toString(16).padStart(8, "0");
    }
    return out.slice(0, 32);
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
            state.arnSuffix = `${inputs.loadBalancerType === "network" ? "net" : "app"}/${physical}/50dc6c495c0c9188`;
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
        case "aws:lambda/function:Function":
            state.arn = `arn:aws:lambda:${region}:${ACCOUNT}:function:${physical}`;
            state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${String(state.arn)}/invocations`;
            break;
        case "aws:sns/topic:Topic":
            state.arn = `arn:aws:sns:${region}:${ACCOUNT}:${physical}`;
            break;
        case "aws:sqs/queue:Queue":
            state.arn = `arn:aws:sqs:${region}:${ACCOUNT}:${physical}`;
            state.url = `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${physical}`;
            break;
        case "aws:dynamodb/table:Table":
            state.arn = `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${physical}`;
            break;
        case "aws:secretsmanager/secret:Secret":
            // Secrets Manager appends a hyphen and six random characters to the name.
            state.arn = `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${physical}-AbCdEf`;
            break;
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            state.arn = `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${physical}`;
            break;
        case "aws:wafv2/webAcl:WebAcl":
            state.arn = `arn:aws:wafv2:${region}:${ACCOUNT}:regional/webacl/${physical}/${token(physical, "webacl").slice(0, 8)}-0000-4000-8000-000000000000`;
            break;
        case "aws:wafv2/ipSet:IpSet":
            state.arn = `arn:aws:wafv2:${region}:${ACCOUNT}:regional/ipset/${physical}/${token(physical, "ipset").slice(0, 8)}-0000-4000-8000-000000000000`;
            break;
        case "aws:scheduler/schedule:Schedule":
            state.arn = `arn:aws:scheduler:${region}:${ACCOUNT}:schedule/${String(inputs.groupName ?? "default")}/${physical}`;
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
        case "aws:ec2/vpc:Vpc":
            // Amazon gives every VPC that asks a /56 of its own; this one is from the documentation range.
            if (inputs.assignGeneratedIpv6CidrBlock) state.ipv6CidrBlock = "2001:db8:1234:5600::/56";
            break;
        case "aws:route53/record:Record":
            state.fqdn = String(inputs.name).replace(/\.$/, "");
            break;
        case "aws:acm/certificate:Certificate": {
            // One CNAME per domain, in the shape ACM gives them (names end with a dot).
            const domains = [inputs.domainName, ...((inputs.subjectAlternativeNames as string[] | undefined) ?? [])].map(String);
            state.domainValidationOptions = domains.map((d) => ({
                domainName: d,
                resourceRecordName: `_${token(d, "name")}.${d}.`,
                resourceRecordType: "CNAME",
                resourceRecordValue: `_${token(d, "value")}.acm-validations.aws.`,
            }));
            state.arn = `arn:aws:acm:${region}:${ACCOUNT}:certificate/${token(domains[0], "arn").slice(0, 8)}-0000-4000-8000-000000000000`;
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
            state.bucket = String(inputs.bucket);
            state.bucketRegionalDomainName = `${String(inputs.bucket)}.s3.${region}.amazonaws.com`;
            break;
        case "aws:rds/instance:Instance": {
            const id = String(inputs.identifier);
            state.arn = `arn:aws:rds:${region}:${ACCOUNT}:db:${id}`;
            state.address = `${id}.c9akciq32.${region}.rds.amazonaws.com`;
            state.endpoint = `${state.address}:${String(inputs.port)}`;
            // RDS names the secret it keeps the master password in rds!db-<resource id>.
            state.masterUserSecrets = inputs.manageMasterUserPassword
                ? [
                      {
                          secretArn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:rds!db-${token(id, "secret").slice(0, 8)}-0000-4000-8000-000000000000-AbCdEf`,
                          secretStatus: "active",
                          kmsKeyId: `arn:aws:kms:${region}:${ACCOUNT}:key/aws-secretsmanager`,
                      },
                  ]
                : [];
            break;
        }
        case "aws:backup/vault:Vault":
            state.arn = `arn:aws:backup:${region}:${ACCOUNT}:backup-vault:${physical}`;
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
        case "aws:sfn/stateMachine:StateMachine":
            state.arn = `arn:aws:states:${region}:${ACCOUNT}:stateMachine:${physical}`;
            break;
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            state.arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}`;
            break;
    }
    return state;
}

/**
 * The id the provider gives a new resource: an IAM role's is its name (what a RolePolicy's `role`
 * then carries, checked against IAM's 64 characters); others get `<logical name>-id`.
 */
function mockId(type: string, name: string, inputs: Record<string, unknown>): string {
    if (type === "aws:iam/role:Role" && typeof inputs.name === "string") return inputs.name;
    return `${name}-id`;
}

/**
 * Runs the program for `stack` and returns everything it registered. Stack traces are off during
 * the run (SHIPYARD_STACK_TRACES=1 keeps them): the Pulumi SDK records `new Error().stack` for every
 * promise it creates, only to report leaked promises, and for every resource, for a source
 * position the mocks ignore; a loader's source maps map each one; that was most of a run's time. Errors keep their messages, which is what the tests read.
 */
export async function runStack(stack: string, options: RunOptions = {}): Promise<StackRun> {
    // The same stack with the same configuration registers the same graph: test files share a run
    // (the graph is only read). The key holds the text of the files the run reads besides the
    // program, so a run is never reused after one of them changed. A run given its own cloud is
    // never shared, since the cloud changes.
    const project = options.project ?? MAIN;
    const dir = options.stackDir ?? stackConfigDir(options.project);
    const key =
        options.cloud || options.fresh
            ? undefined
            : JSON.stringify([stack, options.overrides ?? {}, project.dir, dir, configDigest(project, dir, options.stackDir ?? stackConfigDir())]);
    const known = key === undefined ? undefined : memo.get(key);
    if (known) return known;
    const result = runFresh(stack, options);
    if (key !== undefined) memo.set(key, result);
    return result;
}

const memo = new Map<string, Promise<StackRun>>();

/** The SDK's promise wrapper (runtime/debuggable), as the offline runs switch it. */
interface DebuggableModule {
    debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
    /** The SDK's own wrapper, kept while the pass-through is installed. */
    sdkDebuggablePromise?: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
}

/**
 * The Pulumi SDK passes every promise it makes (four per output property of every resource, and
 * more) through debuggablePromise, which gives it three properties with Object.defineProperty (an
 * id, a context string and a stack trace) and chains a new promise on it that removes it from a
 * set of unsettled promises when it settles. The set and the properties serve one report: the
 * promises still pending when a `pulumi up` process exits, printed by an exit handler that same
 * wrapper installs (and by the Automation API's server). A run under the mock runtime has neither:
 * it ends when the mock monitor has answered every registration (see run). So offline runs pass the
 * promise through unchanged: the wrapper and its garbage were a sixth of a 50-service plan's time
 * (README "Measure"). The outcome is the same (a test runs stacks both ways and compares every
 * resource, output and invoke); a resource may register a few microtask turns earlier, which moves
 * siblings' order of registration. SHIPYARD_LEAN_PROMISES=off keeps the SDK's own
 * wrapper. Returns whether the pass-through is installed: an SDK whose module does not look as
 * expected is left alone (test/speed.test.ts names the version that has it).
 */
export function passPromisesThrough(): boolean {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as Partial<DebuggableModule>;
    if (process.env.SHIPYARD_LEAN_PROMISES === "off") {
        if (debuggable.sdkDebuggablePromise) debuggable.debuggablePromise = debuggable.sdkDebuggablePromise;
        delete debuggable.sdkDebuggablePromise;
        return false;
    }
    if (debuggable.sdkDebuggablePromise) return true;
    if (typeof debuggable.debuggablePromise !== "function" || debuggable.debuggablePromise.length !== 2) return false;
    debuggable.sdkDebuggablePromise = debuggable.debuggablePromise;
    debuggable.debuggablePromise = passThrough;
    return true;
}

const passThrough = <T>(p: Promise<T>): Promise<T> => p;

/**
 * A digest of the configuration files a run reads: the project file, the stack folder's files, and
 * those of the folder the offline cloud's answers come from (readOfflineAnswers: the stack folder
 * given, else the environments' one) with its bootstrap's. Only those: a run of the fixtures must
 * not read the team's stack files (the adoption check reruns the tests that read them,
 * scripts/adoption-check.ts).
 */
function configDigest(project: Project, dir: string, answers: string): string {
    const hash = createHash("sha256");
    const files = [path.join(project.dir, "Pulumi.yaml")];
    for (const folder of [...new Set([dir, answers, bootstrapStackDir(answers)])]) {
        if (!fs.existsSync(folder)) continue;
        files.push(
            ...fs
                .readdirSync(folder)
                .filter((n) => n.endsWith(".yaml"))
                .sort()
                .map((n) => path.join(folder, n)),
        );
    }
    for (const file of files) if (fs.existsSync(file)) hash.update(`${file}\0`).update(fs.readFileSync(file)).update("\0");
    return hash.digest("hex");
}

async function runFresh(stack: string, options: RunOptions): Promise<StackRun> {
    const limit = Error.stackTraceLimit;
    const prepare = Error.prepareStackTrace;
    if (!process.env.SHIPYARD_STACK_TRACES) {
        Error.stackTraceLimit = 0;
        // Every Resource constructor also reads a full stack of its own (its source position, which
        // the mock engine ignores), whatever the limit; a stack of just the error's name and message
        // spares the formatting (and a loader's source mapping) of thousands of frames.
        Error.prepareStackTrace = (e: Error) => Error.prototype.toString.call(e);
    }
    try {
        return await run(stack, options);
    } finally {
        Error.stackTraceLimit = limit;
        Error.prepareStackTrace = prepare;
    }
}

async function run(stack: string, options: RunOptions): Promise<StackRun> {
    passPromisesThrough();
    const project = options.project ?? MAIN;
    const config = stackConfig(stack, options.overrides, project, options.stackDir);
    const region = config.values["aws:region"] ?? "eu-west-1";
    const cloud = options.cloud ?? new FakeCloud(readOfflineAnswers(options.stackDir));
    const invokes: { token: string; args: Record<string, unknown> }[] = [];
    const recorded: Recorded[] = [];
    let pending = 0;

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => ({ id: mockId(args.type, args.name, args.inputs), state: mockState(args.type, args.name, args.inputs, region, cloud) }),
            call: (args) => {
                const inputs = unwrapSecrets(args.inputs).value as Record<string, unknown>;
                invokes.push({ token: args.token, args: inputs });
                try {
                    return cloud.invoke(args.token, inputs, region);
                } catch (e) {
                    // The SDK reads a failed invoke's message from the gRPC error's details, as the engine sends it.
                    const message = e instanceof Error ? e.message : String(e);
                    throw Object.assign(new Error(message), { details: message });
                }
            },
        },
        project.name,
        stack,
        false,
    );

    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
    const register = monitor.registerResource.bind(monitor);
    const engine = new EngineRules(stack, project.name);
    // The first registration the engine would refuse: the run's error, whatever the program makes of it.
    let refusal: Error | undefined;
    let error: Error | undefined;
    monitor.registerResource = (req, cb) => {
        const registration: Registration = {
            type: req.getType(),
            name: req.getName(),
            parentUrn: req.getParent(),
            custom: req.getCustom(),
            aliases: aliasesOf(req),
        };
        let admitted: ReturnType<EngineRules["admit"]>;
        try {
            admitted = engine.admit(registration);
        } catch (e) {
            // The engine stops the deployment here; the run fails with its message.
            const refused = e instanceof Error ? e : new Error(String(e));
            refusal ??= refused;
            cb(refused, undefined);
            return Promise.resolve();
        }
        pending++;
        const { value, paths } = unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject() as never));
        // Deserializing lifts a secret to its top-level property; the request itself still has it where the program put it.
        const leaves = unwrapSecrets((req.getObject() as { toJavaScript(): unknown }).toJavaScript()).paths;
        return register(req, (err, response) => {
            if (!err && response) {
                engine.registered(response.getUrn(), registration, admitted);
                const record = (inputs: unknown) =>
                    recorded.push({
                        type: req.getType(),
                        name: req.getName(),
                        urn: admitted.urn,
                        aliases: admitted.aliases,
                        custom: req.getCustom(),
                        parent: req.getParent() ? nameOfUrn(req.getParent()) : undefined,
                        protect: req.getProtect() ?? false,
                        retainOnDelete: req.getRetainondelete() ?? false,
                        dependsOn: req.getDependenciesList().map(nameOfUrn),
                        ignoreChanges: req.getIgnorechangesList(),
                        customTimeouts: timeoutsOf(req),
                        inputs: inputs as Record<string, unknown>,
                        secretPaths: paths,
                        secretLeaves: leaves,
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

    return {
        stack,
        graph: new Graph(recorded),
        outputs: outputs ? (unwrapSecrets(outputs).value as Record<string, unknown>) : undefined,
        error: refusal ?? error,
        invokes,
    };
}

/**
 * For a suite: runs each of `stacks` once before its tests (the runs are shared with other test
 * files, see runStack) and gives each stack's run and graph; a stack whose program failed fails
 * every test that asks for it, with the program's error.
 */
export function runEachBefore(stacks: readonly string[], options: RunOptions = {}): { run(stack: string): StackRun; graph(stack: string): Graph } {
    const runs = new Map<string, StackRun>();
    before(async () => {
        for (const stack of stacks) runs.set(stack, await runStack(stack, options));
    });
    const run = (stack: string): StackRun => {
        const found = runs.get(stack);
        if (!found) throw new Error(`no run of ${stack}: not among ${stacks.join(", ")}`);
        if (found.error) throw found.error;
        return found;
    };
    return { run, graph: (stack) => run(stack).graph };
}
