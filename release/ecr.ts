/**
 * Commit SHA -> image digest, from ECR. The main workflow tags every image it builds with the full
 * SHA of its commit and ECR's tags are immutable, so a tag names exactly one digest forever.
 */
import { EXIT, ReleaseError } from "./errors";
import { DIGEST, EcrImageRef } from "./image";
import { AwsCliError, Runner, runAws } from "./runner";

/** `aws ecr describe-images` output, as far as we read it. */
export interface DescribeImagesOutput {
    readonly imageDetails?: readonly { readonly imageDigest?: string; readonly imageTags?: readonly string[] }[];
}

/** The CLI arguments that look up the image tagged `sha` in the stack image's repository. */
export function describeImagesArgs(image: EcrImageRef, sha: string): string[] {
    return [
        "ecr",
        "describe-images",
        "--registry-id",
        image.ecr.accountId,
        "--region",
        image.ecr.region,
        "--repository-name",
        image.repository,
        "--image-ids",
        `imageTag=${sha}`,
        "--output",
        "json",
    ];
}

function notBuilt(image: EcrImageRef, sha: string): ReleaseError {
    return new ReleaseError(
        `image ${image.repository}:${sha} not found: was this commit built by the main workflow? Only commits built on main can be promoted (looked in registry ${image.ecr.accountId}, region ${image.ecr.region})`,
        EXIT.IMAGE_NOT_FOUND,
    );
}

/** The digest of the image built from commit `sha`; IMAGE_NOT_FOUND when that commit was never built. */
export async function resolveDigest(run: Runner, image: EcrImageRef, sha: string): Promise<string> {
    let answer: DescribeImagesOutput;
    try {
        answer = (await runAws(run, describeImagesArgs(image, sha))) as DescribeImagesOutput;
    } catch (e) {
        if (e instanceof AwsCliError && e.errorCode === "ImageNotFoundException") {
            throw notBuilt(image, sha);
        }
        if (e instanceof AwsCliError && e.errorCode === "RepositoryNotFoundException") {
            throw new ReleaseError(
                `ECR repository ${image.repository} does not exist (registry ${image.ecr.accountId}, region ${image.ecr.region}): apply the bootstrap project to this account, or correct shipyard:image in the stack file`,
            );
        }
        throw e;
    }
    const details = answer.imageDetails ?? [];
    const detail = details.find((d) => d.imageTags?.includes(sha)) ?? details[0];
    if (!detail) throw notBuilt(image, sha);
    if (!detail.imageDigest || !DIGEST.test(detail.imageDigest)) {
        throw new ReleaseError(`ECR answered an image ${image.repository}:${sha} without a sha256 digest: ${JSON.stringify(detail)}`);
    }
    return detail.imageDigest;
}
