/**
 * The release commands behind `scripts/release.ts`, with every dependency (stack files, AWS CLI,
 * clock, output) passed in, so that the tests run them as the workflows do, offline.
 */
import { parseArgs } from "util";
import { physicalName } from "../lib/aws";
import { ApprovalAction, answerPausedDeployment } from "./approval";
import { BUILD_CONTEXTS_FILE, imageBuilds, parseBuildContexts } from "./builds";
import { deployedTag, resolveDigest, tagDeployed } from "./ecr";
import { EXIT, ReleaseError, UsageError } from "./errors";
import { buildPlatforms, checkGitSha, imageRefWithDigest, imageRepository } from "./image";
import { gammaRunOf } from "./gate";
import { jobTarget, startJobRun } from "./jobs";
import { deployedProgram } from "./program";
import { DIAGNOSIS_KIND } from "../functions/alarmNotifier/diagnosis";
import { explainRollout, publishDiagnosis } from "./explain";
import { Clock, Judgement, RolloutTarget, exitCodeOf, exitCodeOfAll, verifyRollout, verifyRollouts } from "./rollout";
import { Runner } from "./runner";
import { stackStatus } from "./status";
import { ReleaseService, SERVICES_KEY, projectServiceOf, projectServices, serviceOf, stackServices } from "./services";
import { previewStacks, stackTier, stackTiers, stacksInOrder } from "./tiers";
import { TIERS, Tier, stackNameProblem } from "../stacks/keys";

export const USAGE = `usage: npm run --silent release -- <command> [flags]
  stacks [--tier <tier>]                      the stacks with a stack file (all, or those of the tier), in promotion order,
                                              as a JSON list: what main.yml (development), gamma.yml (staging) and live.yml
                                              (production) deploy
  tier --stack <env>                          the stack's tier (production, staging, development or preview)
  preview-stacks                              the stacks each pull request preview job previews, as JSON
                                              {"preview": [...], "previewProduction": [...]} (staging and production)
  services --stack <env>                      the stack's services, one name a line, in the order of its stack file
  image-repository --service <name> [--stack <env>]
                                              registry/repository of the service's image (where main.yml pushes it);
                                              every stack file names the same one
  build-matrix                                the images main.yml builds, as JSON: [{service, repository, context}], one
                                              per service of any stack, contexts from ${BUILD_CONTEXTS_FILE}
  image-platforms                             docker platforms to build for, from every stack's cpuArchitecture
  image-ref --stack <env> --service <name> --digest sha256:<64 hex>
                                              registry/repository@digest to deploy the stack's service with
  resolve-digest --service <name> --sha <40 hex> [--stack <env>]
                                              digest of the service's image built from that commit (aws ecr describe-images)
  tag-deployed --stack <env> --service <name> --sha <40 hex>
                                              tag that image <env>-<sha> as well, once it runs in <env>, so ECR's
                                              lifecycle policy keeps it (aws ecr batch-get-image, put-image)
  deployed-program --stack <env>              commit whose program the stack last ran (pulumi stack tag ls), what a
                                              rollback runs the earlier images with
  gamma-passed --repository <owner/name> --sha <40 hex>
                                              URL of a successful gamma.yml run of that commit, or fail: the live gate (gh api)
  verify-rollout --stack-outputs <file> [--expect-images <JSON map of service name to image>]
  verify-rollout --cluster <name> --service <ECS service name> --task-definition <arn> [--region <region>]
                 [--alarm-topic-arn <SNS topic ARN>] [--timeout-seconds <n, default 1800>] [--interval-seconds <n, default 15>]
                                              wait until ECS rolled out every service of the stack outputs (or that task
                                              definition); one result line per service; fail if any rolled back; for each
                                              service that did not succeed, a diagnosis (the cause, then the evidence),
                                              published to the alarm topic (stack output alarmTopicArn) too
  status --stack <env>                        per service: running/desired tasks, the task definition and image digest each
                                              running revision runs, the deployment in progress (strategy, stage, step, percent
                                              of production traffic on the new revision, bake time left), the last deployment's
                                              outcome
  pause --stack <env>                         minutes a deployment of the stack waits at its approval pause before
                                              ECS rolls it back (approvalTimeoutMinutes, the longest of the stack's and its
                                              services' own); 0: it does not pause
  approve --stack <env> --service <name>      continue the service's deployment that waits at its approval pause
                                              (approvalTimeoutMinutes): aws ecs continue-service-deployment --action CONTINUE
  rollback --stack <env> --service <name>     roll that paused deployment back to the revision that ran before
                                              (--action ROLLBACK); nothing is redeployed
  run-job --stack <env> --job <name>          start a run of the stack's scheduled job now, through its state machine
                                              (same timeout, retries and failure alarm as a scheduled run); prints the
                                              execution's ARN and returns without waiting for the run
exit codes: 0 ok, 1 failed (AWS error, failed or timed-out deployment), 2 bad usage, 3 ECS rolled back (and nothing failed),
            4 image not found`;

/** What the commands need from the outside world. */
export interface CliDeps {
    /** Environments with a committed stack file. */
    readonly stacks: () => readonly string[];
    /** A stack's configuration as the Pulumi CLI hands it to the program (full keys, e.g. `shipyard:services`, maps JSON-encoded, project defaults applied). */
    readonly config: (stack: string) => Readonly<Record<string, string>>;
    readonly readFile: (path: string) => string;
    readonly run: Runner;
    readonly clock: Clock;
    /** Results (stdout). */
    readonly out: (text: string) => void;
    /** Progress and errors (stderr). */
    readonly err: (text: string) => void;
}

export type Flags = Record<string, string | undefined>;

/** The string flags `names` of `args`, strictly: an unknown flag or a positional is a usage error. */
export function flags(args: string[], names: readonly string[]): Flags {
    try {
        const { values } = parseArgs({
            args,
            options: Object.fromEntries(names.map((n) => [n, { type: "string" as const }])),
            strict: true,
            allowPositionals: false,
        });
        return values as Flags;
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
}

/** A flag's value; a usage error when it is missing or empty. */
export function required(values: Flags, name: string): string {
    const v = values[name];
    if (v === undefined || v === "") throw new UsageError(`--${name} is required`);
    return v;
}

function stackFlag(values: Flags, deps: CliDeps): string {
    const stack = required(values, "stack");
    const problem = stackNameProblem(stack);
    if (problem) throw new UsageError(`the stack name "${stack}" cannot be used: ${problem}`);
    const known = deps.stacks();
    if (!known.includes(stack)) throw new UsageError(`unknown stack "${stack}": there is no Pulumi.${stack}.yaml; known stacks: ${known.join(", ")}`);
    return stack;
}

function seconds(values: Flags, name: string): number | undefined {
    const v = values[name];
    if (v === undefined) return undefined;
    if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`--${name} "${v}" must be a whole number of seconds, 1 or more`);
    return Number(v);
}

const servicesOf = (stack: string, deps: CliDeps) => stackServices(stack, deps.config(stack)[SERVICES_KEY]);

/** `--stack` and `--service`, both required: a service of that stack. */
function stackServiceFlags(values: Flags, deps: CliDeps): { readonly stack: string; readonly service: ReleaseService } {
    const stack = stackFlag(values, deps);
    return { stack, service: serviceOf(stack, servicesOf(stack, deps), required(values, "service")) };
}

/** `--service` with an optional `--stack`: without it, the service as every stack file names it. */
function serviceFlags(values: Flags, deps: CliDeps): ReleaseService {
    if (values.stack !== undefined) return stackServiceFlags(values, deps).service;
    return projectServiceOf(allServices(deps), required(values, "service"));
}

/** Every service of every stack file, each once, with the one repository all of them name for it. */
const allServices = (deps: CliDeps) => projectServices(Object.fromEntries(deps.stacks().map((s) => [s, servicesOf(s, deps)])));

/** The JSON file at `file`, or a ReleaseError that says what was expected there. */
function readJson(file: string, expected: string, deps: CliDeps): unknown {
    try {
        return JSON.parse(deps.readFile(file)) as unknown;
    } catch (e) {
        throw new ReleaseError(`cannot read ${expected} from ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const OUTPUT_FIELDS = ["image", "clusterName", "serviceName"] as const;

/** `--expect-images`: the image this deploy set for each service, as deploy.yml collects them. */
function expectedImages(value: string): Readonly<Record<string, string>> {
    const problem = `--expect-images must be a JSON object of service name to image reference, e.g. {"web":"123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:..."}`;
    let parsed: unknown;
    try {
        parsed = JSON.parse(value);
    } catch {
        throw new UsageError(`${problem}; got ${value}`);
    }
    if (!isMap(parsed) || Object.keys(parsed).length === 0 || Object.values(parsed).some((v) => typeof v !== "string" || v === "")) {
        throw new UsageError(`${problem}; got ${value}`);
    }
    return parsed as Record<string, string>;
}

/**
 * The services verify-rollout follows, from `pulumi stack output --json`: its `services` map
 * (name -> image, clusterName, serviceName, exposure). With `expect`, every service must run
 * exactly the image this deploy set, and no other service may be there. Jobs (its `jobs` map: name
 * -> image, stateMachineArn) are checked for their image and never waited for: a job has no
 * rollout, its next run starts the new task definition.
 */
function targetsFromOutputs(file: string, expect: Readonly<Record<string, string>> | undefined, deps: CliDeps): OutputTargets {
    const outputs = readJson(file, "stack outputs (expected the JSON of pulumi stack output --json)", deps);
    const services = isMap(outputs) ? outputs.services : undefined;
    if (!isMap(outputs) || !isMap(services) || Object.keys(services).length === 0) {
        throw new ReleaseError(
            `stack outputs in ${file} lack services (a map of service name to image, clusterName, serviceName and exposure): was this stack deployed by this program?`,
        );
    }
    const lacking = Object.entries(services).flatMap(([name, s]) => {
        const missing = OUTPUT_FIELDS.filter((k) => !isMap(s) || typeof s[k] !== "string" || s[k] === "");
        return missing.length > 0 ? [`services.${name} lacks ${missing.join(", ")}`] : [];
    });
    if (lacking.length > 0) throw new ReleaseError(`stack outputs in ${file}: ${lacking.join("; ")}`);
    const jobs = isMap(outputs.jobs) ? outputs.jobs : {};
    const outputImage = (name: string) => ((services[name] ?? jobs[name]) as Record<string, string>).image;
    if (expect !== undefined) {
        const names = [...Object.keys(services), ...Object.keys(jobs)];
        const expected = Object.keys(expect);
        if (names.length !== expected.length || expected.some((n) => !names.includes(n))) {
            throw new ReleaseError(
                `this deploy set images for ${expected.join(", ")}, but the stack outputs list the services ${names.join(", ")}: pulumi up did not apply the stack file's services`,
            );
        }
        const wrong = expected.filter((n) => outputImage(n) !== expect[n]);
        if (wrong.length > 0) {
            throw new ReleaseError(
                `${wrong.map((n) => `stack output services.${n}.image is ${JSON.stringify(outputImage(n))}, but this deploy set ${expect[n]}`).join("; ")}: pulumi up did not apply the new image`,
            );
        }
    }
    const text = (key: string) => (typeof outputs[key] === "string" && outputs[key] !== "" ? (outputs[key] as string) : undefined);
    const region = text("region");
    const targets = Object.fromEntries(
        Object.entries(services).map(([name, s]) => {
            const o = s as Record<string, string>;
            return [name, { cluster: o.clusterName, service: o.serviceName, release: { image: o.image }, region }];
        }),
    );
    return { targets, jobs: Object.keys(jobs), alarmTopicArn: text("alarmTopicArn"), environment: text("environment") };
}

/** The services verify-rollout follows, the jobs it does not wait for, and where a failure's diagnosis goes. */
interface OutputTargets {
    readonly targets: Readonly<Record<string, RolloutTarget>>;
    /** Scheduled jobs: checked for their image, never waited for. */
    readonly jobs: readonly string[];
    /** The environment's alarm topic (stack output `alarmTopicArn`). */
    readonly alarmTopicArn?: string;
    readonly environment?: string;
}

/**
 * For every service whose rollout did not succeed: reads what ECS, the load balancer and
 * CloudWatch know, prints the diagnosis on stdout (the deploy job's summary shows it) and
 * publishes it to the alarm topic when there is one. A diagnosis that cannot be read or published
 * is said on stderr and changes no exit code: the rollout's judgement stands.
 */
async function explainFailures(
    judgements: Readonly<Record<string, Judgement>>,
    where: OutputTargets,
    deps: CliDeps,
    label: (name: string) => string,
): Promise<void> {
    for (const [name, j] of Object.entries(judgements)) {
        if (j.state === "succeeded") continue;
        const target = where.targets[name];
        let explained;
        try {
            explained = await explainRollout(deps.run, label(name), target);
        } catch (e) {
            deps.err(`${label(name)}: no diagnosis: ${e instanceof Error ? e.message : String(e)}\n`);
            continue;
        }
        deps.out(explained.text);
        if (!where.alarmTopicArn) continue;
        try {
            const id = await publishDiagnosis(deps.run, where.alarmTopicArn, {
                kind: DIAGNOSIS_KIND,
                environment: where.environment ?? target.cluster,
                service: name,
                ecsService: target.service,
                state: j.state,
                headline: explained.headline,
                causes: explained.causes.map((c) => c.kind),
                text: explained.text,
            });
            deps.err(`${label(name)}: diagnosis published to ${where.alarmTopicArn} (message ${id})\n`);
        } catch (e) {
            deps.err(`${label(name)}: the diagnosis could not be published to ${where.alarmTopicArn}: ${e instanceof Error ? e.message : String(e)}\n`);
        }
    }
}

async function verify(args: string[], deps: CliDeps): Promise<number> {
    const v = flags(args, [
        "cluster",
        "service",
        "task-definition",
        "region",
        "alarm-topic-arn",
        "stack-outputs",
        "expect-images",
        "timeout-seconds",
        "interval-seconds",
    ]);
    const options = {
        run: deps.run,
        clock: deps.clock,
        timeoutSeconds: seconds(v, "timeout-seconds"),
        intervalSeconds: seconds(v, "interval-seconds"),
        log: (line: string) => deps.err(`${line}\n`),
    };
    const explicit = ["cluster", "service", "task-definition", "region", "alarm-topic-arn"].filter((n) => v[n] !== undefined);
    if (v["stack-outputs"] !== undefined) {
        if (explicit.length > 0) {
            throw new UsageError(
                `--stack-outputs and --${explicit.join(", --")} are mutually exclusive: name the services either by the stack's outputs or one explicitly`,
            );
        }
        const expect = v["expect-images"] === undefined ? undefined : expectedImages(v["expect-images"]);
        const where = targetsFromOutputs(v["stack-outputs"], expect, deps);
        for (const job of where.jobs) deps.err(`${job}: a scheduled job: no rollout to wait for; its next run uses the new task definition\n`);
        const judgements = await verifyRollouts(where.targets, options);
        for (const [name, j] of Object.entries(judgements)) deps.out(`${name}: ${j.state}: ${j.message}\n`);
        await explainFailures(judgements, where, deps, (name) => name);
        return exitCodeOfAll(Object.values(judgements).map((j) => j.state));
    }
    if (v["expect-images"] !== undefined) throw new UsageError("--expect-images needs --stack-outputs: it is compared with the stack's services outputs");
    const taskDefinitionArn = required(v, "task-definition");
    if (!/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+$/.test(taskDefinitionArn)) {
        throw new UsageError(
            `--task-definition "${taskDefinitionArn}" is not a task definition ARN (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>)`,
        );
    }
    const target = { cluster: required(v, "cluster"), service: required(v, "service"), release: { taskDefinitionArn }, region: v.region };
    const topic = v["alarm-topic-arn"];
    if (topic !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topic)) {
        throw new UsageError(`--alarm-topic-arn "${topic}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`);
    }
    const judgement = await verifyRollout(target, options);
    deps.out(`${judgement.state}: ${judgement.message}\n`);
    await explainFailures({ [target.service]: judgement }, { targets: { [target.service]: target }, jobs: [], alarmTopicArn: topic }, deps, (name) => name);
    return exitCodeOf(judgement.state);
}

/** Where ECS runs a service of the stack: the names components/cluster.ts and components/containerService.ts give them. */
function ecsNames(stack: string, service: string, deps: CliDeps): { readonly cluster: string; readonly service: string; readonly region: string } {
    const config = deps.config(stack);
    const app = config["shipyard:appName"];
    const region = config["aws:region"];
    if (!app || !region) throw new ReleaseError(`stack "${stack}": keys shipyard:appName and aws:region must be set to find its ECS service`);
    return { cluster: physicalName([app, stack], 255), service: physicalName([app, stack, service], 255), region };
}

/** approve and rollback: ECS's answer to a deployment paused for a person, for the stack's service. */
async function answerPause(args: string[], deps: CliDeps, action: ApprovalAction): Promise<number> {
    const { stack, service } = stackServiceFlags(flags(args, ["stack", "service"]), deps);
    deps.out(`${await answerPausedDeployment(deps.run, ecsNames(stack, service.name, deps), action)}\n`);
    return EXIT.OK;
}

/** The stacks with a stack file, each with its tier; a stack file of a name no stack may have is an error, not skipped. */
function tiersOf(deps: CliDeps) {
    const stacks = deps.stacks();
    for (const stack of stacks) {
        const problem = stackNameProblem(stack);
        if (problem) throw new ReleaseError(`stack file Pulumi.${stack}.yaml: the stack name "${stack}" cannot be used: ${problem}`);
    }
    return stackTiers(stacks, deps.config);
}

const COMMANDS: Readonly<Record<string, (args: string[], deps: CliDeps) => Promise<number>>> = {
    stacks: async (args, deps) => {
        const tier = flags(args, ["tier"]).tier;
        if (tier !== undefined && !(TIERS as readonly string[]).includes(tier))
            throw new UsageError(`--tier "${tier}" is not a tier; allowed: ${TIERS.join(", ")}`);
        deps.out(`${JSON.stringify(stacksInOrder(tiersOf(deps), tier as Tier | undefined))}\n`);
        return EXIT.OK;
    },
    tier: async (args, deps) => {
        const stack = stackFlag(flags(args, ["stack"]), deps);
        deps.out(`${stackTier(stack, deps.config(stack))}\n`);
        return EXIT.OK;
    },
    "preview-stacks": async (args, deps) => {
        flags(args, []);
        deps.out(`${JSON.stringify(previewStacks(tiersOf(deps)))}\n`);
        return EXIT.OK;
    },
    services: async (args, deps) => {
        const stack = stackFlag(flags(args, ["stack"]), deps);
        deps.out(
            servicesOf(stack, deps)
                .map((s) => `${s.name}\n`)
                .join(""),
        );
        return EXIT.OK;
    },
    "image-repository": async (args, deps) => {
        const service = serviceFlags(flags(args, ["stack", "service"]), deps);
        deps.out(`${imageRepository(service.image)}\n`);
        return EXIT.OK;
    },
    "build-matrix": async (args, deps) => {
        flags(args, []);
        const services = allServices(deps);
        let text: string;
        try {
            text = deps.readFile(BUILD_CONTEXTS_FILE);
        } catch (e) {
            throw new ReleaseError(`cannot read ${BUILD_CONTEXTS_FILE}: ${e instanceof Error ? e.message : String(e)}`);
        }
        deps.out(`${JSON.stringify(imageBuilds(services, parseBuildContexts(text)))}\n`);
        return EXIT.OK;
    },
    "image-platforms": async (args, deps) => {
        flags(args, []);
        const architectures = Object.fromEntries(deps.stacks().map((s) => [s, deps.config(s)["shipyard:cpuArchitecture"] ?? "X86_64"]));
        deps.out(`${buildPlatforms(architectures)}\n`);
        return EXIT.OK;
    },
    "image-ref": async (args, deps) => {
        const v = flags(args, ["stack", "service", "digest"]);
        const { service } = stackServiceFlags(v, deps);
        deps.out(`${imageRefWithDigest(service.image, required(v, "digest"))}\n`);
        return EXIT.OK;
    },
    "resolve-digest": async (args, deps) => {
        const v = flags(args, ["stack", "service", "sha"]);
        const service = serviceFlags(v, deps);
        const sha = checkGitSha(v.sha);
        deps.out(`${await resolveDigest(deps.run, service.image, sha)}\n`);
        return EXIT.OK;
    },
    "tag-deployed": async (args, deps) => {
        const v = flags(args, ["stack", "service", "sha"]);
        const { stack, service } = stackServiceFlags(v, deps);
        const sha = checkGitSha(v.sha);
        const digest = await tagDeployed(deps.run, service.image, sha, stack);
        deps.err(`${service.image.repository}@${digest} is tagged ${deployedTag(stack, sha)}\n`);
        deps.out(`${deployedTag(stack, sha)}\n`);
        return EXIT.OK;
    },
    "deployed-program": async (args, deps) => {
        const stack = stackFlag(flags(args, ["stack"]), deps);
        deps.out(`${await deployedProgram(deps.run, stack)}\n`);
        return EXIT.OK;
    },
    "gamma-passed": async (args, deps) => {
        const v = flags(args, ["repository", "sha"]);
        const repository = required(v, "repository");
        if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository)) throw new UsageError(`--repository "${repository}" is not owner/name`);
        deps.out(`${await gammaRunOf(deps.run, repository, checkGitSha(v.sha))}\n`);
        return EXIT.OK;
    },
    "verify-rollout": verify,
    pause: async (args, deps) => {
        const stack = stackFlag(flags(args, ["stack"]), deps);
        const config = deps.config(stack);
        const value = config["shipyard:approvalTimeoutMinutes"] ?? "0";
        if (!/^\d+$/.test(value)) throw new ReleaseError(`stack "${stack}": key shipyard:approvalTimeoutMinutes = ${value} is not a whole number of minutes`);
        // An http service may pause for itself (its own approvalTimeoutMinutes): the stack's deploy waits for the longest.
        servicesOf(stack, deps); // the map is checked first, like every command that reads it
        const own = Object.entries(JSON.parse(config[SERVICES_KEY] ?? "{}") as Record<string, Record<string, unknown>>).map(([name, s]) => {
            const minutes = s.approvalTimeoutMinutes ?? 0;
            if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 0)
                throw new ReleaseError(
                    `stack "${stack}": key ${SERVICES_KEY}.${name}.approvalTimeoutMinutes = ${JSON.stringify(minutes)} is not a whole number of minutes`,
                );
            return minutes;
        });
        deps.out(`${Math.max(Number(value), ...own)}\n`);
        return EXIT.OK;
    },
    status: async (args, deps) => {
        const stack = stackFlag(flags(args, ["stack"]), deps);
        const targets = servicesOf(stack, deps).map((s) => ({ name: s.name, ...ecsNames(stack, s.name, deps) }));
        await stackStatus(deps.run, targets, deps.clock, deps.out);
        return EXIT.OK;
    },
    "run-job": async (args, deps) => {
        const v = flags(args, ["stack", "job"]);
        const stack = stackFlag(v, deps);
        const target = jobTarget(stack, required(v, "job"), deps.config(stack));
        deps.out(`${await startJobRun(deps.run, target, new Date(deps.clock.now()))}\n`);
        return EXIT.OK;
    },
    approve: (args, deps) => answerPause(args, deps, "CONTINUE"),
    rollback: (args, deps) => answerPause(args, deps, "ROLLBACK"),
};

/** Runs one command; returns the exit code. Errors are printed, never thrown. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
    const [command, ...args] = argv;
    if (command === "--help" || command === "help") {
        deps.out(`${USAGE}\n`);
        return EXIT.OK;
    }
    const handler = command === undefined ? undefined : COMMANDS[command];
    try {
        if (!handler) throw new UsageError(command === undefined ? "a command is required" : `unknown command "${command}"`);
        return await handler(args, deps);
    } catch (e) {
        if (e instanceof ReleaseError) {
            deps.err(`release ${command ?? ""}: ${e.message}\n${e instanceof UsageError ? `${USAGE}\n` : ""}`);
            return e.exitCode;
        }
        deps.err(`release ${command ?? ""}: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        return EXIT.FAILED;
    }
}
