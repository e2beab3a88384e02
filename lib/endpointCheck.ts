/**
 * What the endpoint check (functions/endpointCheck) is given: its targets' names and the compact
 * CHECK_TARGETS. Shared by the settings, which refuse a list that would not fit, and the
 * Monitoring component, which builds it.
 */
import { physicalName } from "./aws";

/** Targets the check accepts (functions/endpointCheck/config.ts MAX_TARGETS). */
export const MAX_CHECK_TARGETS = 20;

/**
 * Characters CHECK_TARGETS may take: Lambda holds 4 KB (4,096 bytes) of environment variables in
 * all, measured as the JSON map; the function's other variables (METRIC_NAMESPACE, ENVIRONMENT, and
 * the punctuation) take under 100.
 */
export const CHECK_TARGETS_BUDGET = 3_990;

/**
 * The name of a service's endpoint on its `index`th host: the service's own for its first (primary)
 * host, `<service>-<host>` for each other one, cut to the 64 characters the check accepts. So each
 * host has its own metric and alarm; adding or dropping another host renames none of the others,
 * and the primary's alarm has the same name in every environment.
 */
export function endpointName(service: string, host: string, index: number): string {
    return index === 0 ? service : physicalName([service, host], 64);
}

/**
 * CHECK_TARGETS in its compact form (functions/endpointCheck/config.ts): `{"<path>": {"<name>":
 * "<host>"}}`, every target expecting 200. The full form repeats the scheme, the path and the keys
 * for every host and overflows Lambda's 4 KB with about seven endpoints. Pure, for tests.
 */
export function compactCheckTargets(endpoints: readonly { readonly name: string; readonly url: string }[]): string {
    const byPath: Record<string, Record<string, string>> = {};
    for (const e of endpoints) {
        const [, host, path] = /^https:\/\/([^/\s]+)(\/\S*)$/.exec(e.url) ?? [];
        if (host === undefined) throw new Error(`endpoint check: ${e.name} must be an https URL with a path, got ${e.url}`);
        (byPath[path] ??= {})[e.name] = host;
    }
    return JSON.stringify(byPath);
}
