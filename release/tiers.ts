/**
 * Which stacks a workflow deploys or previews, from the stack files present and their tiers: main
 * deploys the development tier's, a v* tag the staging tier's, a release the production tier's, and
 * previews split by the bootstrap's rule (`bootstrap/tiers.ts`). No stack name is hard-coded, so a
 * team's fifth stack is deployed by the workflow of its tier as soon as its stack file exists.
 */
import { DEFAULT_TIERS, PROJECT, TIERS, Tier } from "../stacks/keys";
import { inPromotionOrder, previewGroups } from "../bootstrap/tiers";
import { ReleaseError } from "./errors";

/**
 * The stack's tier as the program reads it (`tierOf` in `stacks/settings.ts`): its `shipyard:tier`,
 * else a default environment's own. Read here without the program's settings module, which loads
 * the Pulumi SDK (about two seconds a command).
 */
export function stackTier(stack: string, config: Readonly<Record<string, string>>): Tier {
    const set = config[`${PROJECT}:tier`];
    if (set !== undefined && set !== "") {
        if ((TIERS as readonly string[]).includes(set)) return set as Tier;
        throw new ReleaseError(`stack "${stack}": key ${PROJECT}:tier = ${JSON.stringify(set)}: allowed: ${TIERS.join(", ")}`);
    }
    const known = DEFAULT_TIERS[stack];
    if (known) return known;
    throw new ReleaseError(
        `stack "${stack}": key ${PROJECT}:tier is missing: the stack is not one of the default environments (${Object.keys(DEFAULT_TIERS).join(", ")}), so Pulumi.${stack}.yaml must set it, allowed: ${TIERS.join(", ")}`,
    );
}

/** Every stack's tier, by name. */
export function stackTiers(stacks: readonly string[], config: (stack: string) => Readonly<Record<string, string>>): Record<string, Tier> {
    return Object.fromEntries(stacks.map((s) => [s, stackTier(s, config(s))]));
}

/** The stacks in promotion order (`inPromotionOrder`), all of them or those of `tier`. */
export function stacksInOrder(tiers: Readonly<Record<string, Tier>>, tier?: Tier): string[] {
    return inPromotionOrder(Object.keys(tiers), tiers).filter((s) => tier === undefined || tiers[s] === tier);
}

/** The stacks each preview job previews: `preview` with the pull request's role, `previewProduction` after approval. */
export function previewStacks(tiers: Readonly<Record<string, Tier>>): { readonly preview: string[]; readonly previewProduction: string[] } {
    return previewGroups(stacksInOrder(tiers), tiers);
}
