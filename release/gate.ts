/**
 * The live gate: production gets only a commit that gamma.yml, the tag-triggered workflow, deployed
 * successfully. Asked of GitHub's Actions API, not of deployments: GitHub records a deployment with
 * the run's own commit, so a rollback.yml run started from main (github.sha: main's head) that
 * deployed an older image to gamma would pass for a gamma deployment of main's head.
 */
import { ReleaseError } from "./errors";
import { Runner } from "./runner";

/** The workflow whose successful run proves that gamma ran a commit: a push of a v* tag deploys that tag's commit there. */
export const GAMMA_WORKFLOW = ".github/workflows/gamma.yml";

/** A run in GitHub's "List workflow runs for a workflow" answer, as far as we read it. */
interface WorkflowRun {
    readonly id?: number;
    readonly path?: string;
    readonly head_sha?: string;
    readonly event?: string;
    readonly status?: string;
    readonly conclusion?: string | null;
    readonly html_url?: string;
}

/**
 * The URL of a successful gamma.yml run, started by a tag push, for commit `sha`. The API filters
 * by head_sha, status and event (REST API, "List workflow runs for a workflow"); each field is
 * checked again here, so that a filter the API ignored cannot open the gate.
 */
export async function gammaRunOf(run: Runner, repository: string, sha: string): Promise<string> {
    const workflow = GAMMA_WORKFLOW.slice(GAMMA_WORKFLOW.lastIndexOf("/") + 1);
    const args = [
        "api",
        "--method",
        "GET",
        `repos/${repository}/actions/workflows/${workflow}/runs`,
        "-f",
        `head_sha=${sha}`,
        "-f",
        "status=success",
        "-f",
        "event=push",
        "-f",
        "per_page=100",
    ];
    const result = await run("gh", args);
    if (result.code !== 0)
        throw new ReleaseError(`gh ${args.slice(0, 4).join(" ")} failed (exit ${result.code}): ${result.stderr.trim() || "no error output"}`);
    let answer: { workflow_runs?: readonly WorkflowRun[] };
    try {
        answer = JSON.parse(result.stdout) as typeof answer;
    } catch {
        throw new ReleaseError(`gh api printed something that is not JSON: ${result.stdout.slice(0, 200)}`);
    }
    const passed = (answer.workflow_runs ?? []).find(
        (r) =>
            (r.path === GAMMA_WORKFLOW || r.path?.startsWith(`${GAMMA_WORKFLOW}@`)) &&
            r.head_sha === sha &&
            r.event === "push" &&
            r.status === "completed" &&
            r.conclusion === "success",
    );
    if (!passed) {
        throw new ReleaseError(
            `commit ${sha} has no successful ${GAMMA_WORKFLOW} run: tag it v* on main and let gamma.yml deploy it first (a rollback.yml run to gamma does not count), then re-run this workflow`,
        );
    }
    return passed.html_url ?? `run ${String(passed.id)}`;
}
