/**
 * How the release commands talk to AWS: by running the `aws` CLI that the workflow's
 * configure-aws-credentials step set up, never through an SDK. The runner is injected so that tests
 * answer with recorded, documented payloads instead of a cloud.
 */
import { spawn } from "child_process";
import { ReleaseError } from "./errors";

export interface RunResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a program with arguments (no shell) and reports its exit code and output. */
export type Runner = (command: string, args: readonly string[]) => Promise<RunResult>;

/** The real runner: spawns the program, inheriting the environment (credentials, AWS_REGION). */
export const spawnRunner: Runner = (command, args) =>
    new Promise((resolve, reject) => {
        const child = spawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.on("error", (e) => reject(new ReleaseError(`cannot run ${command}: ${e.message}; is the ${command} CLI installed and on PATH?`)));
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });

/** A failed `aws` call, with the AWS error code when the CLI printed one (`An error occurred (Code) when calling ...`). */
export class AwsCliError extends ReleaseError {
    constructor(
        readonly args: readonly string[],
        readonly code: number,
        readonly stderr: string,
        readonly errorCode: string | undefined,
    ) {
        super(`aws ${args.slice(0, 2).join(" ")} failed (exit ${code}): ${stderr.trim() || "no error output"}`);
        this.name = "AwsCliError";
    }
}

/** Runs `aws <args>` and parses its JSON answer; throws AwsCliError when the CLI fails. */
export async function runAws(run: Runner, args: readonly string[]): Promise<unknown> {
    const result = await run("aws", args);
    if (result.code !== 0) {
        const errorCode = /An error occurred \(([A-Za-z]+)\)/.exec(result.stderr)?.[1];
        throw new AwsCliError(args, result.code, result.stderr, errorCode);
    }
    try {
        return JSON.parse(result.stdout) as unknown;
    } catch {
        throw new ReleaseError(`aws ${args.slice(0, 2).join(" ")} printed something that is not JSON: ${result.stdout.slice(0, 200)}`);
    }
}
