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
    /** blueGreen: the smoke test's answer when it judges at once (every round, every request to its timeout); 0 otherwise. */
    readonly smokeTestSeconds: number;
    /** blueGreen: the smoke test's worst case, when ECS has to call it back (IN_PROGRESS) the most times it allows. */
    readonly smokeTestWorstSeconds: number;
    /**
     * Until the release carries all production traffic: rolling, new tasks healthy and old ones
     * drained; blueGreen, green healthy and smoke-tested (blue drains only after the bake time).
     */
    readonly beforeBakeSeconds: number;
    /** blueGreen: minutes blue stays ready after the switch, in seconds; 0 for rolling. */
    readonly bakeSeconds: number;
    /** Everything above (smoke test answering at once). */
    readonly totalSeconds: number;
    /** The same with the smoke test's worst case: what `pulumi up` may have to wait. */
    readonly worstSeconds: number;
    /** The same path with AWS's default health check and drain. */
    readonly awsDefaultLoadBalancerSeconds: number;
    /** canary and linear: seconds between green taking its first production traffic and taking all of it (the steps' intervals); 0 otherwise. */
    readonly shiftSeconds: number;
    /**
     * The share of production traffic (percent) a bad release reaches before the deployment alarms
     * (2 of 3 one-minute periods) roll it back: rolling, about half the tasks by then; blueGreen all
     * of it; canary its percentage; linear the steps taken in the alarm's 3 minutes.
     */
    readonly exposedPercent: number;
}

/** The deployment alarms judge 2 of 3 one-minute periods (containerService.ts rollbackAlarms): a bad release has served this long when they fire. */
export const ALARM_SECONDS = 180;

/** Percent of production traffic on the new revision when the alarms fire, and seconds from the first shift to 100 percent. */
export function exposure(d: Settings["deployment"]): { exposedPercent: number; shiftSeconds: number } {
    if (d.strategy === "canary")
        return { exposedPercent: d.shiftIntervalMinutes * 60 >= ALARM_SECONDS ? d.canaryPercent : 100, shiftSeconds: d.shiftIntervalMinutes * 60 };
    if (d.strategy === "linear") {
        const steps = Math.ceil(100 / d.linearStepPercent);
        const interval = d.shiftIntervalMinutes * 60;
        // Step 1 at t=0, step k at (k-1) x interval: the steps taken within the alarm's window.
        const taken = interval === 0 ? steps : Math.min(steps, Math.floor(ALARM_SECONDS / interval) + 1);
        return { exposedPercent: Math.min(100, taken * d.linearStepPercent), shiftSeconds: (steps - 1) * interval };
    }
    // Rolling replaces tasks at 100%/200%: new tasks join the old ones, half the targets when all are in.
    return { exposedPercent: d.strategy === "rolling" ? 50 : 100, shiftSeconds: 0 };
}

/** Smoke test defaults of functions/smokeHook: 3 rounds of GET /health, 2000 ms each at most. */
const SMOKE_ROUNDS = 3;
const SMOKE_TIMEOUT_SECONDS = 2;
/** ECS calls an IN_PROGRESS hook back after 30 s; the hook gives up after 5 (functions/smokeHook/hook.ts). */
const SMOKE_CALLBACKS = 5;
const SMOKE_CALLBACK_SECONDS = 30;

export function rolloutPath(settings: Settings): RolloutPath {
    const hc = settings.loadBalancer.healthCheck;
    const d = settings.deployment;
    const blueGreen = d.strategy !== "rolling";
    const { exposedPercent, shiftSeconds } = exposure(d);
    const healthySeconds = hc.healthyThreshold * hc.intervalSeconds;
    const drainSeconds = settings.loadBalancer.deregistrationDelaySeconds;
    const smokeTestSeconds = blueGreen && d.smokeTest ? SMOKE_ROUNDS * SMOKE_TIMEOUT_SECONDS : 0;
    const smokeTestWorstSeconds = smokeTestSeconds > 0 ? smokeTestSeconds + SMOKE_CALLBACKS * SMOKE_CALLBACK_SECONDS : 0;
    const bakeSeconds = blueGreen ? d.bakeTimeMinutes * 60 : 0;
    return {
        stack: settings.env,
        strategy: d.strategy,
        healthySeconds,
        drainSeconds,
        loadBalancerSeconds: healthySeconds + drainSeconds,
        smokeTestSeconds,
        smokeTestWorstSeconds,
        beforeBakeSeconds: blueGreen ? healthySeconds + smokeTestSeconds + shiftSeconds : healthySeconds + drainSeconds,
        bakeSeconds,
        totalSeconds: healthySeconds + drainSeconds + smokeTestSeconds + shiftSeconds + bakeSeconds,
        // The approval pause holds up to its timeout: `pulumi up` must outwait it.
        worstSeconds: healthySeconds + drainSeconds + smokeTestWorstSeconds + shiftSeconds + bakeSeconds + (blueGreen ? d.approvalTimeoutMinutes * 60 : 0),
        awsDefaultLoadBalancerSeconds: AWS_DEFAULTS.healthyThreshold * AWS_DEFAULTS.intervalSeconds + AWS_DEFAULTS.deregistrationDelaySeconds,
        shiftSeconds,
        exposedPercent,
    };
}

/** Minutes `pulumi up` should wait for the service to be stable: the worst rollout, plus starting tasks and margin. */
/**
 * The rollout paths of the services that deploy otherwise than their stack (their own
 * `deployment` keys), each named `<stack>/<service>`.
 */
export function serviceRolloutPaths(settings: Settings): RolloutPath[] {
    return settings.services
        .filter((s) => s.deployment !== settings.deployment)
        .map((s) => ({ ...rolloutPath({ ...settings, deployment: s.deployment }), stack: `${settings.env}/${s.name}` }));
}

export function steadyStateTimeoutMinutes(path: RolloutPath): number {
    return Math.max(20, Math.ceil(path.worstSeconds / 60) + 15);
}

const duration = (seconds: number) => (seconds >= 120 ? `${Math.round((seconds / 60) * 10) / 10} min` : `${seconds} s`);

export function formatRolloutTable(paths: readonly RolloutPath[]): string {
    const header = [
        "stack",
        "strategy",
        "healthy",
        "drain",
        "LB overhead",
        "smoke test",
        "shift steps",
        "before bake",
        "bake",
        "total",
        "bad release reaches",
        "AWS defaults (LB)",
    ];
    const rows = paths.map((p) => {
        const bg = p.strategy !== "rolling";
        return [
            p.stack,
            p.strategy,
            `${p.healthySeconds} s`,
            `${p.drainSeconds} s`,
            `${p.loadBalancerSeconds} s`,
            bg && p.smokeTestSeconds > 0 ? `${p.smokeTestSeconds} s (<= ${duration(p.smokeTestWorstSeconds)})` : "-",
            p.shiftSeconds > 0 ? duration(p.shiftSeconds) : "-",
            `${p.beforeBakeSeconds} s`,
            bg ? `${p.bakeSeconds / 60} min` : "-",
            duration(p.totalSeconds),
            `${p.exposedPercent}%`,
            `${p.awsDefaultLoadBalancerSeconds} s`,
        ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
