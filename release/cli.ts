/**
 * The release commands behind `scripts/release.ts`, with every dependency (stack files, AWS CLI,
 * clock, output) passed in, so that the tests run them as the workflows do, offline.
 */
import { parseArgs } from "util";
import { deployedTag, resolveDigest, tagDeployed } from "./ecr";
import { EXIT, ReleaseError, UsageError } from "./errors";
import { buildPlatforms, checkGitSha, imageRefWithDigest, imageRepository, stackEcrImage, stackImage } from "./image";
import { gammaRunOf } from "./gate";
import { deployedProgram } from "./program";
import { Clock, RolloutTarget, exitCodeOf, verifyRollout } from "./rollout";
import { Runner } from "./runner";

export const USAGE = `usage: npm run --silent release -- <command> [flags]
  image-repository --stack <env>              registry/repository of the stack's image (where main.yml pushes)
  image-platforms                             docker platforms to build for, from every stack's cpuArchitecture
  image-ref --stack <env> --digest sha256:<64 hex>
                                              registry/repository@digest to deploy the stack with
  resolve-digest --stack <env> --sha <40 hex> digest of the image built from that commit (aws ecr describe-images)
  tag-deployed --stack <env> --sha <40 hex>   tag that image <env>-<sha> as well, once it runs in <env>, so ECR's
                                              lifecycle policy keeps it (aws ecr batch-get-image, put-image)
  deployed-program --stack <env>              commit whose program the stack last ran (pulumi stack tag ls), what a
                                              rollback runs the earlier image with
  gamma-passed --repository <owner/name> --sha <40 hex>
                                              URL of a successful gamma.yml run of that commit, or fail: the live gate (gh api)
  verify-rollout --cluster <name> --service <name> --task-definition <arn> [--region <region>]
  verify-rollout --stack-outputs <file> [--expect-image <ref>]
                 [--timeout-seconds <n, default 1800>] [--interval-seconds <n, default 15>]
                                              wait until ECS rolled out that task definition; fail if it rolled back
exit codes: 0 ok, 1 failed (AWS error, failed or timed-out deployment), 2 bad usage, 3 ECS rolled back, 4 image not found`;

/** What the commands need from the outside world. */
export interface CliDeps {
    /** Environments with a committed stack file. */
    readonly stacks: () => readonly string[];
    /** A stack's configuration as the Pulumi CLI hands it to the program (full keys, e.g. `shipyard:image`, project defaults applied). */
    readonly config: (stack: string) => Readonly<Record<string, string>>;
    readonly readFile: (path: string) => string;
    readonly run: Runner;
    readonly clock: Clock;
    /** Results (stdout). */
    readonly out: (text: string) => void;
    /** Progress and errors (stderr). */
    readonly err: (text: string) => void;
}

type Flags = Record<string, string | undefined>;

function flags(args: string[], names: readonly string[]): Flags {
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

function required(values: Flags, name: string): string {
    const v = values[name];
    if (v === undefined || v === "") throw new UsageError(`--${name} is required`);
    return v;
}

function stackFlag(values: Flags, deps: CliDeps): string {
    const stack = required(values, "stack");
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

const imageOf = (stack: string, deps: CliDeps) => deps.config(stack)["shipyard:image"];

/** The stack outputs verify-rollout needs, from `pulumi stack output --json`. */
function targetFromOutputs(file: string, expectImage: string | undefined, deps: CliDeps): RolloutTarget {
    let outputs: Record<string, unknown>;
    try {
        outputs = JSON.parse(deps.readFile(file)) as Record<string, unknown>;
    } catch (e) {
        throw new ReleaseError(
            `cannot read stack outputs from ${file} (expected the JSON of pulumi stack output --json): ${e instanceof Error ? e.message : String(e)}`,
        );
    }
    const keys = ["clusterName", "serviceName", "taskDefinitionArn"];
    const missing = keys.filter((k) => typeof outputs[k] !== "string" || outputs[k] === "");
    if (missing.length > 0) throw new ReleaseError(`stack outputs in ${file} lack ${missing.join(", ")}: was this stack deployed by this program?`);
    if (expectImage !== undefined && outputs.image !== expectImage) {
        throw new ReleaseError(
            `stack output image is ${JSON.stringify(outputs.image)}, but this deploy set ${expectImage}: pulumi up did not apply the new image`,
        );
    }
    return {
        cluster: outputs.clusterName as string,
        service: outputs.serviceName as string,
        taskDefinitionArn: outputs.taskDefinitionArn as string,
        region: typeof outputs.region === "string" && outputs.region !== "" ? outputs.region : undefined,
    };
}

async function verify(args: string[], deps: CliDeps): Promise<number> {
    const v = flags(args, ["cluster", "service", "task-definition", "region", "stack-outputs", "expect-image", "timeout-seconds", "interval-seconds"]);
    const timeoutSeconds = seconds(v, "timeout-seconds");
    const intervalSeconds = seconds(v, "interval-seconds");
    const explicit = ["cluster", "service", "task-definition", "region"].filter((n) => v[n] !== undefined);
    let target: RolloutTarget;
    if (v["stack-outputs"] !== undefined) {
        if (explicit.length > 0) {
            throw new UsageError(
                `--stack-outputs and --${explicit.join(", --")} are mutually exclusive: name the service either by the stack's outputs or explicitly`,
            );
        }
        target = targetFromOutputs(v["stack-outputs"], v["expect-image"], deps);
    } else {
        if (v["expect-image"] !== undefined) throw new UsageError("--expect-image needs --stack-outputs: it is compared with the stack's image output");
        const taskDefinitionArn = required(v, "task-definition");
        if (!/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+$/.test(taskDefinitionArn)) {
            throw new UsageError(
                `--task-definition "${taskDefinitionArn}" is not a task definition ARN (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>)`,
            );
        }
        target = { cluster: required(v, "cluster"), service: required(v, "service"), taskDefinitionArn, region: v.region };
    }
    const judgement = await verifyRollout(target, {
        run: deps.run,
        clock: deps.clock,
        timeoutSeconds,
        intervalSeconds,
        log: (line) => deps.err(`${line}\n`),
    });
    const code = exitCodeOf(judgement.state);
    (code === EXIT.OK ? deps.out : deps.err)(`${judgement.state}: ${judgement.message}\n`);
    return code;
}

const COMMANDS: Readonly<Record<string, (args: string[], deps: CliDeps) => Promise<number>>> = {
    "image-repository": async (args, deps) => {
        const stack = stackFlag(flags(args, ["stack"]), deps);
        deps.out(`${imageRepository(stackImage(stack, imageOf(stack, deps)))}\n`);
        return EXIT.OK;
    },
    "image-platforms": async (args, deps) => {
        flags(args, []);
        const architectures = Object.fromEntries(deps.stacks().map((s) => [s, deps.config(s)["shipyard:cpuArchitecture"] ?? "X86_64"]));
        deps.out(`${buildPlatforms(architectures)}\n`);
        return EXIT.OK;
    },
    "image-ref": async (args, deps) => {
        const v = flags(args, ["stack", "digest"]);
        const stack = stackFlag(v, deps);
        deps.out(`${imageRefWithDigest(stackImage(stack, imageOf(stack, deps)), required(v, "digest"))}\n`);
        return EXIT.OK;
    },
    "resolve-digest": async (args, deps) => {
        const v = flags(args, ["stack", "sha"]);
        const stack = stackFlag(v, deps);
        const sha = checkGitSha(v.sha);
        deps.out(`${await resolveDigest(deps.run, stackEcrImage(stack, imageOf(stack, deps)), sha)}\n`);
        return EXIT.OK;
    },
    "tag-deployed": async (args, deps) => {
        const v = flags(args, ["stack", "sha"]);
        const stack = stackFlag(v, deps);
        const sha = checkGitSha(v.sha);
        const image = stackEcrImage(stack, imageOf(stack, deps));
        const digest = await tagDeployed(deps.run, image, sha, stack);
        deps.err(`${image.repository}@${digest} is tagged ${deployedTag(stack, sha)}\n`);
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
