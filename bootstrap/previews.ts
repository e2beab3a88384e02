/**
 * The names pull-request previews (issue 21) share between the bootstrap, the environments' program,
 * the offline cloud and the preview tooling. Pure, with no Pulumi import.
 */

/** The stacks of pull-request previews are named `pr-<number>`; this pattern names all of them in ARNs and tags. */
export const PREVIEW_STACKS = "pr-*";
/**
 * The bootstrap environment the previews share (their stack files set shipyard:bootstrapEnvironment
 * to it): one boundary `<app>-preview-boundary`, one secrets key, one alarm key and one origin secret
 * for all of them, as the bootstrap cannot list every pull request. Its names never match
 * `<app>-pr-*`, so the preview deploy role cannot change them.
 */
export const PREVIEW_BOOTSTRAP_ENV = "preview";
/**
 * The host names of every preview, `pr-<number>.<zone>` and `pr-<number>-<service>.<zone>`, as one
 * pattern: one label under the zone, so Cloudflare's Universal SSL certificate (`*.<zone>`) covers them.
 */
export function previewHostPattern(zone: string): string {
    return `${PREVIEW_STACKS}.${zone}`;
}

/** The GitHub environment whose jobs may assume the preview deploy role. */
export const PREVIEW_GITHUB_ENVIRONMENT = "preview";

/**
 * A pull request's images are tagged `pr-<git SHA>`, never the bare SHA main's builds use: ECR's
 * lifecycle policy then expires them by a rule of their own ({@link PREVIEW_IMAGE_DAYS}) instead of
 * counting them among main's release images, which they would push out.
 */
export const PREVIEW_IMAGE_TAG_PREFIX = "pr-";
export const previewImageTag = (sha: string) => `${PREVIEW_IMAGE_TAG_PREFIX}${sha}`;
/** The longest a preview may live (release/previews.json ttlDays at most). */
export const PREVIEW_MAX_TTL_DAYS = 14;
/** Days after its push that ECR expires a pull request's image: longer than any preview lives, whose newest image is younger than itself. */
export const PREVIEW_IMAGE_DAYS = PREVIEW_MAX_TTL_DAYS + 1;
