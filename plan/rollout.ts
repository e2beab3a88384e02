/**
 * The rollout critical path of a stack: how long a release spends waiting on the load balancer
 * and ECS, from settings alone. What it does not count (image pull, container start, the app's
 * own readiness) depends on the image, not on the platform's settings.
 */
import { Settings } from "../stacks/settings";

/** AWS's defaults, for comparison: health check every 30 s, 5 healthy checks, 300 s drain. */
export const AWS_DEFAULTS = { intervalSeconds: 30, healthyThreshold: 5, deregistrationDelaySeconds: 300 } as const;

export interface RolloutPath {
    readonly stack: string;
    readonly strategy: Settings["deployment"]["strategy"];
    /** Seconds until the load balancer calls a new task healthy: threshold x interval (the worst case). */
    readonly healthySeconds: number;
    /** Seconds an old task keeps draining after it leaves the target group. */
    readonly drainSeconds: number;
    /** healthy + drain: the load balancer's share of every rollout. */
    readonly loadBalancerSeconds: number;
    /** blueGreen: the smoke test's worst case (every round, every request to its timeout); 0 otherwise. */
    readonly smokeTestSeconds: number;
    /** blueGreen: minutes blue stays ready after the switch, in seconds; 0 for rolling. */
    readonly bakeSeconds: number;
    /** Everything above. */
    readonly totalSeconds: number;
    /** The same path with AWS's default health check and drain. */
    readonly awsDefaultLoadBalancerSeconds: number;
}

/** Smoke test defaults of functions/smokeHook: 3 rounds of GET /health, 2000 ms each at most. */
const SMOKE_ROUNDS = 3;
const SMOKE_TIMEOUT_SECONDS = 2;

export function rolloutPath(settings: Settings): RolloutPath {
    const hc = settings.loadBalancer.healthCheck;
    const d = settings.deployment;
    const blueGreen = d.strategy === "blueGreen";
    const healthySeconds = hc.healthyThreshold * hc.intervalSeconds;
    const drainSeconds = settings.loadBalancer.deregistrationDelaySeconds;
    const smokeTestSeconds = blueGreen && d.smokeTest ? SMOKE_ROUNDS * SMOKE_TIMEOUT_SECONDS : 0;
    const bakeSeconds = blueGreen ? d.bakeTimeMinutes * 60 : 0;
    return {
        stack: settings.env,
        strategy: d.strategy,
        healthySeconds,
        drainSeconds,
        loadBalancerSeconds: healthySeconds + drainSeconds,
        smokeTestSeconds,
        bakeSeconds,
        totalSeconds: healthySeconds + drainSeconds + smokeTestSeconds + bakeSeconds,
        awsDefaultLoadBalancerSeconds: AWS_DEFAULTS.healthyThreshold * AWS_DEFAULTS.intervalSeconds + AWS_DEFAULTS.deregistrationDelaySeconds,
    };
}

export function formatRolloutTable(paths: readonly RolloutPath[]): string {
    const header = ["stack", "strategy", "healthy", "drain", "LB overhead", "smoke test", "bake", "total", "AWS defaults (LB)"];
    const rows = paths.map((p) => [
        p.stack,
        p.strategy,
        `${p.healthySeconds} s`,
        `${p.drainSeconds} s`,
        `${p.loadBalancerSeconds} s`,
        p.strategy === "blueGreen" ? `<= ${p.smokeTestSeconds} s` : "-",
        p.strategy === "blueGreen" ? `${p.bakeSeconds / 60} min` : "-",
        p.totalSeconds >= 120 ? `${Math.round((p.totalSeconds / 60) * 10) / 10} min` : `${p.totalSeconds} s`,
        `${p.awsDefaultLoadBalancerSeconds} s`,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
