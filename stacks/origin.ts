/**
 * The contract between the bootstrap, which owns the Cloudflare zone's settings and its one
 * request-header transform ruleset, and the environments' stacks, whose load balancers admit
 * only requests that carry the header that rule adds. Cloudflare's addresses are shared by all
 * its customers, so the address ranges alone do not prove a request came through our zone.
 */

/** The header Cloudflare adds to every request it forwards to an environment's origin. */
export const ORIGIN_HEADER = "x-origin-verify";

/** SSM SecureString parameter holding an environment's origin secret (written by the bootstrap). */
export function originSecretParameter(app: string, env: string): string {
    return `/${app}/${env}/edge/origin-secret`;
}

/**
 * SSM String parameter listing, comma-separated, the host names for which the bootstrap's
 * Cloudflare rule adds an environment's origin header. The environment's stack checks that its
 * host names are among them before it closes its load balancer to everyone else.
 */
export function originHostsParameter(app: string, env: string): string {
    return `/${app}/${env}/edge/origin-hosts`;
}
