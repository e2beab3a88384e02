/**
 * What each kind of service (its `expose` setting) gets from the environment, in one table, so
 * the wiring asks the table instead of branching on `exposure === "http"` in each step.
 */
import type { Exposure } from "../stacks/services";

export interface ServiceKind {
    /** The load balancer in front: the environment's ALB, a network load balancer of its own, or none. */
    readonly loadBalancer?: "application" | "network";
    /** Can be released blue/green: ECS shifts its ALB listener rules (the others roll). */
    readonly blueGreen: boolean;
    /** Its hosts get DNS records, proxied through Cloudflare when the stack proxies (raw TCP cannot be). */
    readonly dns?: { readonly proxiable: boolean };
    /**
     * Which of its hosts serve its health path over HTTPS and are checked from outside: all of them
     * (http), or only behind a TLS listener on 443 (tcp: an HTTP app behind TLS, such as sockets).
     */
    readonly endpointChecked: "always" | "tlsOn443" | "never";
    /** Offers its port by name in the environment's Service Connect namespace, to the services that call it. */
    readonly discoverable: boolean;
}

export const SERVICE_KINDS: Readonly<Record<Exposure, ServiceKind>> = {
    http: { loadBalancer: "application", blueGreen: true, dns: { proxiable: true }, endpointChecked: "always", discoverable: false },
    tcp: { loadBalancer: "network", blueGreen: false, dns: { proxiable: false }, endpointChecked: "tlsOn443", discoverable: false },
    internal: { blueGreen: false, endpointChecked: "never", discoverable: true },
    worker: { blueGreen: false, endpointChecked: "never", discoverable: false },
    // Runs on its schedule and exits (components/scheduledJob.ts): no ECS service, nothing reaches it.
    job: { blueGreen: false, endpointChecked: "never", discoverable: false },
};
