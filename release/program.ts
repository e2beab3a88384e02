/**
 * Which program (the commit of this repository whose Pulumi code and stack files ran) an
 * environment was last deployed with. deploy.yml records it as a stack tag after `pulumi up`; a
 * rollback runs the previous image with that program, so that rolling back changes the image only.
 */
import { ReleaseError } from "./errors";
import { GIT_SHA } from "./image";
import { Runner } from "./runner";

/** The stack tag deploy.yml sets after each `pulumi up`: `pulumi stack tag set shipyard:program-commit <sha>`. */
export const PROGRAM_COMMIT_TAG = "shipyard:program-commit";

/** The commit whose program `stack` last ran, from its stack tags (`pulumi stack tag ls --json`). */
export async function deployedProgram(run: Runner, stack: string): Promise<string> {
    const args = ["stack", "tag", "ls", "--json", "--stack", stack];
    const result = await run("pulumi", args);
    if (result.code !== 0) {
        throw new ReleaseError(`pulumi ${args.join(" ")} failed (exit ${result.code}): ${result.stderr.trim() || "no error output"}`);
    }
    let tags: unknown;
    try {
        tags = JSON.parse(result.stdout);
    } catch {
        throw new ReleaseError(`pulumi ${args.join(" ")} printed something that is not JSON: ${result.stdout.slice(0, 200)}`);
    }
    const commit = typeof tags === "object" && tags !== null ? (tags as Record<string, unknown>)[PROGRAM_COMMIT_TAG] : undefined;
    if (commit === undefined) {
        throw new ReleaseError(
            `stack "${stack}" records no program commit (stack tag ${PROGRAM_COMMIT_TAG}): its last deploy ran before deploy.yml recorded it. Run the rollback again with the program input set to the commit its last deploy ran (the deploy's job summary names it)`,
        );
    }
    if (typeof commit !== "string" || !GIT_SHA.test(commit)) {
        throw new ReleaseError(`stack "${stack}": stack tag ${PROGRAM_COMMIT_TAG} = ${JSON.stringify(commit)} is not a commit SHA (40 lowercase hex digits)`);
    }
    return commit;
}
