/**
 * Exit codes of `scripts/release.ts` and the error type that carries them. Workflows branch on
 * these codes (main.yml builds the image only when resolve-digest answers IMAGE_NOT_FOUND), so they
 * are part of the command's contract.
 */
export const EXIT = Object.freeze({
    OK: 0,
    /** An AWS call failed, the deployment failed or timed out, or an answer made no sense. */
    FAILED: 1,
    /** Unknown command or flag, or a malformed value. */
    USAGE: 2,
    /** ECS rolled the deployment back (circuit breaker, alarms or a manual rollback). */
    ROLLED_BACK: 3,
    /** No image in ECR is tagged with the commit. */
    IMAGE_NOT_FOUND: 4,
});

/** A failure whose message is meant for the person reading the workflow log, with its exit code. */
export class ReleaseError extends Error {
    constructor(
        message: string,
        readonly exitCode: number = EXIT.FAILED,
    ) {
        super(message);
        this.name = "ReleaseError";
    }
}

/** Bad arguments: exit code 2. */
export class UsageError extends ReleaseError {
    constructor(message: string) {
        super(message, EXIT.USAGE);
        this.name = "UsageError";
    }
}
