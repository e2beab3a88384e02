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

/** The CLI arguments that look up the image tagged `sha` in the service image's repository. */
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
        `image ${image.repository}:${sha} not found: was this commit built by the main workflow, with this service in a stack file? Only commits built on main can be promoted, each service's image from the commits that had the service (looked in registry ${image.ecr.accountId}, region ${image.ecr.region})`,
        EXIT.IMAGE_NOT_FOUND,
    );
}

/**
 * The digest of the image tagged `sha` (a commit's SHA, or another tag such as `live-<sha>`);
 * IMAGE_NOT_FOUND when there is none, which for a SHA means the commit was never built.
 */
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
                `ECR repository ${image.repository} does not exist (registry ${image.ecr.accountId}, region ${image.ecr.region}): list the service in the bootstrap's services (bootstrap/Pulumi.shared.yaml) and apply the bootstrap to this account, or correct the service's image in the stack files`,
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

/** The tag a deploy adds to the image it deployed: `<env>-<sha>`. ECR's lifecycle policy keeps images by it (bootstrap/policies.ts). */
export function deployedTag(env: string, sha: string): string {
    return `${env}-${sha}`;
}

/**
 * Manifest media types batch-get-image may answer with: single-platform manifests and image
 * indexes, Docker and OCI. Naming them all makes ECR return the manifest exactly as it was pushed,
 * whose bytes put-image needs to name the same digest.
 */
export const MANIFEST_MEDIA_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
];

/** `aws ecr batch-get-image` output, as far as we read it. */
interface BatchGetImageOutput {
    readonly images?: readonly {
        readonly imageId?: { readonly imageDigest?: string };
        readonly imageManifest?: string;
        readonly imageManifestMediaType?: string;
    }[];
    readonly failures?: readonly { readonly failureCode?: string; readonly failureReason?: string }[];
}

const registryArgs = (image: EcrImageRef) => ["--registry-id", image.ecr.accountId, "--region", image.ecr.region, "--repository-name", image.repository];

/**
 * Adds the tag `<env>-<sha>` to the image built from commit `sha`, without pulling or pushing it:
 * put-image with the image's own manifest and a new tag (ECR user guide, "Retagging an image"),
 * and `--image-digest` so that ECR refuses any manifest that is not byte for byte the deployed one.
 * Tags are immutable, so a tag is added once; running it again changes nothing: ECR answers
 * ImageAlreadyExistsException ("already been pushed, and there were no changes to the manifest or
 * image tag", ECR API reference, PutImage), and an ImageTagAlreadyExistsException is accepted too
 * when the tag already names this digest. Returns the digest.
 */
export async function tagDeployed(run: Runner, image: EcrImageRef, sha: string, env: string): Promise<string> {
    const tag = deployedTag(env, sha);
    const got = (await runAws(run, [
        "ecr",
        "batch-get-image",
        ...registryArgs(image),
        "--image-ids",
        `imageTag=${sha}`,
        "--accepted-media-types",
        ...MANIFEST_MEDIA_TYPES,
        "--output",
        "json",
    ])) as BatchGetImageOutput;
    const found = got.images?.[0];
    if (!found) {
        if (got.failures?.some((f) => f.failureCode === "ImageNotFound")) throw notBuilt(image, sha);
        throw new ReleaseError(`ECR returned no image ${image.repository}:${sha}: ${JSON.stringify(got.failures ?? [])}`);
    }
    const digest = found.imageId?.imageDigest;
    if (!digest || !DIGEST.test(digest) || !found.imageManifest || !found.imageManifestMediaType) {
        throw new ReleaseError(`ECR answered an image ${image.repository}:${sha} without a digest, manifest or media type: ${JSON.stringify(found.imageId)}`);
    }
    try {
        await runAws(run, [
            "ecr",
            "put-image",
            ...registryArgs(image),
            "--image-tag",
            tag,
            "--image-manifest",
            found.imageManifest,
            "--image-manifest-media-type",
            found.imageManifestMediaType,
            "--image-digest",
            digest,
            "--output",
            "json",
        ]);
    } catch (e) {
        if (!(e instanceof AwsCliError)) throw e;
        if (e.errorCode === "ImageAlreadyExistsException") return digest;
        if (e.errorCode === "ImageTagAlreadyExistsException") {
            const other = await resolveDigest(run, image, tag);
            if (other === digest) return digest;
            throw new ReleaseError(
                `tag ${image.repository}:${tag} already names ${other}, not ${digest}, the image of ${sha}: tags are immutable, so someone pushed that tag by hand; find out why before deploying`,
            );
        }
        throw e;
    }
    return digest;
}
