/**
 * What the bootstrap and the release tooling decide by an environment's tier, never by its name:
 * the order a commit reaches the environments in, which preview role may read an environment, and
 * how many of the images deployed to it ECR keeps. Pure, with no Pulumi import, so that the release
 * commands (and through them the workflows) apply the same rules as the bootstrap's IAM.
 */
import { DEFAULT_TIERS, ENVIRONMENTS, Tier } from "../stacks/keys";

/** Tiers in the order a commit reaches them: a pull request's own stack, then main's, the rehearsal, production. */
export const PROMOTION_ORDER: readonly Tier[] = ["preview", "development", "staging", "production"];

/**
 * Tiers previewed only in the GitHub environment `preview-production`, whose reviewers approve each
 * job: their stacks hold production's secrets and data (staging rehearses with them). The other
 * tiers' previews run on any pull request of a branch of the repository.
 */
export const PREVIEW_PRODUCTION_TIERS: readonly Tier[] = ["staging", "production"];

/**
 * Images ever deployed to an environment of these tiers that ECR keeps, newest first (the deploy
 * tags them `<env>-<sha>`), besides the bootstrap's `keepReleaseImages`. These environments lag main
 * by more than that many commits; development and preview stacks run main's newest commits, which
 * the catch-all rule keeps.
 */
export const KEEP_DEPLOYED_IMAGES: Readonly<Partial<Record<Tier, number>>> = Object.freeze({ production: 50, staging: 20 });

/**
 * `names` in promotion order: by tier ({@link PROMOTION_ORDER}), within a tier the default
 * environments in their own order (alpha before beta), then the others in the order given.
 */
export function inPromotionOrder(names: readonly string[], tiers: Readonly<Record<string, Tier>>): string[] {
    const rank = (name: string) => (name in tiers ? PROMOTION_ORDER.indexOf(tiers[name]) : PROMOTION_ORDER.length);
    const defaultRank = (name: string) => (name in DEFAULT_TIERS ? ENVIRONMENTS.indexOf(name) : ENVIRONMENTS.length);
    return [...names].sort((a, b) => rank(a) - rank(b) || defaultRank(a) - defaultRank(b));
}

/** Splits the environments into those the pull-request preview role reads and those only the production preview role reads. */
export function previewGroups(
    environments: readonly string[],
    tiers: Readonly<Record<string, Tier>>,
): { readonly preview: string[]; readonly previewProduction: string[] } {
    const production = (env: string) => PREVIEW_PRODUCTION_TIERS.includes(tiers[env]);
    return { preview: environments.filter((env) => !production(env)), previewProduction: environments.filter(production) };
}

/**
 * The environments whose deployed images ECR keeps by a rule of their own, with how many, most kept
 * first (each rule takes precedence over the ones after it).
 */
export function keptDeployedImages(environments: readonly string[], tiers: Readonly<Record<string, Tier>>): { readonly env: string; readonly keep: number }[] {
    return environments
        .flatMap((env) => {
            const keep = KEEP_DEPLOYED_IMAGES[tiers[env]];
            return keep === undefined ? [] : [{ env, keep }];
        })
        .sort((a, b) => b.keep - a.keep);
}
