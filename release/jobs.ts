/**
 * `release run-job`: a scheduled job's run started now, outside its schedule, through the same
 * Step Functions state machine the schedule starts (components/scheduledJob.ts), so the run has
 * the same timeout, retries and failure notification. It returns once Step Functions has the
 * execution: a job has no rollout to wait for, and its run may last up to its timeout.
 */
import { partitionOf, physicalName, stateMachineArn } from "../lib/aws";
import { ReleaseError, UsageError } from "./errors";
import { Runner, runAws } from "./runner";
import { SERVICES_KEY } from "./services";

/** The job `job` of `stack` from its stack file's configuration, and its state machine's ARN. */
export function jobTarget(stack: string, job: string, config: Readonly<Record<string, string>>): { readonly stateMachineArn: string; readonly region: string } {
    const services = JSON.parse(config[SERVICES_KEY] ?? "{}") as Record<string, { expose?: string }>;
    const jobs = Object.entries(services)
        .filter(([, s]) => s?.expose === "job")
        .map(([n]) => n);
    if (!services[job]) throw new UsageError(`stack "${stack}" has no service ${JSON.stringify(job)}; its jobs (expose: job) are ${jobs.join(", ") || "none"}`);
    if (services[job].expose !== "job")
        throw new UsageError(
            `${job} in stack "${stack}" is expose: ${services[job].expose}, not a job; its jobs (expose: job) are ${jobs.join(", ") || "none"}`,
        );
    const app = config["shipyard:appName"];
    const region = config["aws:region"];
    const accounts = JSON.parse(config["aws:allowedAccountIds"] ?? "[]") as unknown;
    const account = Array.isArray(accounts) && typeof accounts[0] === "string" ? accounts[0] : undefined;
    if (!app || !region || !account)
        throw new ReleaseError(`stack "${stack}": keys shipyard:appName, aws:region and aws:allowedAccountIds must be set to find the job's state machine`);
    // The name components/scheduledJob.ts gives it.
    return { stateMachineArn: stateMachineArn(partitionOf(region), region, account, physicalName([app, stack, job], 80)), region };
}

/** Starts one execution; returns its ARN. The execution's name says it was started by hand, and when. */
export async function startJobRun(run: Runner, target: { readonly stateMachineArn: string; readonly region: string }, now: Date): Promise<string> {
    const name = `manual-${now.toISOString().replace(/[:.]/g, "-")}`;
    const started = (await runAws(run, [
        "stepfunctions",
        "start-execution",
        "--state-machine-arn",
        target.stateMachineArn,
        "--name",
        name,
        "--input",
        "{}",
        "--region",
        target.region,
        "--output",
        "json",
    ])) as { executionArn?: string };
    if (typeof started.executionArn !== "string") throw new ReleaseError(`aws stepfunctions start-execution answered without an executionArn`);
    return started.executionArn;
}
