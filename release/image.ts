/**
 * The images the stacks run, as the release commands need them: where they live, how to pin one by
 * digest, and which platforms to build them for. Pure functions over configuration values; the
 * stack files stay the one place where each service's repository is written down.
 */
import { ImageRef, parseImageRef } from "../stacks/validators";
import { UsageError, ReleaseError } from "./errors";

/** An image digest as ECR reports it (`imageDigest`). */
export const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** A full commit SHA, which is also the image's tag in ECR. */
export const GIT_SHA = /^[a-f0-9]{40}$/;

/** An image that lives in an Amazon ECR private registry. */
export type EcrImageRef = ImageRef & { readonly ecr: NonNullable<ImageRef["ecr"]> };

/**
 * Parses an image reference from a stack file, e.g. the value of `shipyard:services.web.image`; the
 * error names the stack, the key, the value and what is allowed.
 */
export function stackImage(stack: string, key: string, value: unknown): ImageRef {
    if (value === undefined || value === "") {
        throw new ReleaseError(
            `stack "${stack}": key ${key} is not set; it must name the service's image, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:...`,
        );
    }
    const ref = typeof value === "string" ? parseImageRef(value) : undefined;
    if (!ref) {
        throw new ReleaseError(
            `stack "${stack}": key ${key} = ${JSON.stringify(value)} is not a full image reference registry/repository[:tag][@sha256:<64 hex>]`,
        );
    }
    return ref;
}

/** The same, but the registry must be ECR: releases look the commit's image up there. */
export function stackEcrImage(stack: string, key: string, value: unknown): EcrImageRef {
    const ref = stackImage(stack, key, value);
    if (!ref.ecr) {
        throw new ReleaseError(
            `stack "${stack}": key ${key} = ${JSON.stringify(value)} is not in an Amazon ECR private registry (<account>.dkr.ecr.<region>.amazonaws.com); releases resolve commits to digests in ECR`,
        );
    }
    return ref as EcrImageRef;
}

/** `registry/repository`, without tag or digest: where the build job pushes. */
export function imageRepository(ref: ImageRef): string {
    return `${ref.registry}/${ref.repository}`;
}

/** `registry/repository@sha256:...`: the immutable reference a stack is deployed with. */
export function imageRefWithDigest(ref: ImageRef, digest: string): string {
    if (!DIGEST.test(digest)) {
        throw new UsageError(`--digest "${digest}" is not an image digest; expected sha256: followed by 64 lowercase hex digits, as ECR reports imageDigest`);
    }
    return `${imageRepository(ref)}@${digest}`;
}

/** Checks a commit SHA given on the command line. */
export function checkGitSha(sha: string | undefined): string {
    if (!sha || !GIT_SHA.test(sha)) {
        throw new UsageError(
            `--sha "${sha ?? ""}" is not a commit SHA; expected the 40 lowercase hex digits of a commit (git rev-parse HEAD): images are tagged with the full SHA`,
        );
    }
    return sha;
}

/** Docker platform for each ECS `cpuArchitecture` value the settings accept. */
export const PLATFORMS: Readonly<Record<string, string>> = Object.freeze({ X86_64: "linux/amd64", ARM64: "linux/arm64" });

/**
 * The platforms to build every service's image for: every architecture some stack runs on, so
 * that the same digest can be promoted to all of them (a multi-platform index when they differ).
 */
export function buildPlatforms(architectures: Readonly<Record<string, string>>): string {
    const platforms = new Set<string>();
    for (const [stack, arch] of Object.entries(architectures)) {
        const platform = PLATFORMS[arch];
        if (!platform) {
            throw new ReleaseError(
                `stack "${stack}": key shipyard:cpuArchitecture = "${arch}" has no build platform; allowed: ${Object.keys(PLATFORMS).join(", ")}`,
            );
        }
        platforms.add(platform);
    }
    if (platforms.size === 0) throw new ReleaseError("no stack files: cannot tell which platforms to build for");
    return [...platforms].sort().join(",");
}
