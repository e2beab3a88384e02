/**
 * The stack-wide task size, port and scaling: what every service's tasks run with unless the
 * service overrides it (`stacks/services.ts`), and the autoscaling targets all services share.
 */
import { fargateSizeProblem } from "../lib/aws";
import { KeyValues } from "./raw";
import { Fail, inRange } from "./problems";
import { ServiceDefaults } from "./services";

export const CPU_ARCHITECTURES = ["X86_64", "ARM64"] as const;
export type CpuArchitecture = (typeof CPU_ARCHITECTURES)[number];

/** How every service's tasks run and scale; part of each service's settings. */
export interface TaskSettings {
    /** The image must be built for it; ARM64 (Graviton) is about 20% cheaper. @default "X86_64" */
    readonly cpuArchitecture: CpuArchitecture;
    /** Average CPU utilisation target tracking keeps the service at, percent. @default 60 */
    readonly cpuTargetPercent: number;
    /** Average memory utilisation target tracking keeps the service at, percent. @default 75 */
    readonly memoryTargetPercent: number;
}

type TaskKeys = Pick<
    KeyValues,
    "cpu" | "memory" | "cpuArchitecture" | "containerPort" | "minTasks" | "maxTasks" | "cpuTargetPercent" | "memoryTargetPercent" | "spot"
>;

/**
 * Checks the task keys: a Fargate size, a port a non-root user can bind, task counts (at least two
 * in the production tier, which never runs on Spot) and the scaling targets.
 */
export function parseTasks(
    v: TaskKeys,
    production: boolean,
    fail: Fail,
): { readonly defaults: Omit<ServiceDefaults, "healthCheckPath">; readonly tasks: TaskSettings } {
    const sizeProblem = fargateSizeProblem(v.cpu, v.memory);
    if (sizeProblem) fail("cpu", `${v.cpu} with memory ${v.memory}`, `not a Fargate task size: ${sizeProblem}`);
    if (!(CPU_ARCHITECTURES as readonly string[]).includes(v.cpuArchitecture))
        fail("cpuArchitecture", v.cpuArchitecture, `allowed: ${CPU_ARCHITECTURES.join(", ")}`);
    if (!inRange(v.containerPort, 1024, 65535))
        fail(
            "containerPort",
            v.containerPort,
            "port out of range: allowed 1024 to 65535 (the container runs as a non-root user, which cannot bind ports below 1024)",
        );
    if (v.minTasks < 1) fail("minTasks", v.minTasks, "allowed: 1 or more");
    if (production && v.minTasks < 2)
        fail(
            "minTasks",
            v.minTasks,
            "the production tier needs at least 2 tasks so that one AZ or one task failing does not take the service down; allowed: 2 or more",
        );
    if (v.maxTasks < v.minTasks || v.maxTasks > 100) fail("maxTasks", v.maxTasks, `allowed: minTasks (${v.minTasks}) to 100`);
    for (const key of ["cpuTargetPercent", "memoryTargetPercent"] as const) {
        if (!inRange(v[key], 10, 90)) fail(key, v[key], "allowed: 10 to 90 (percent)");
    }
    if (production && v.spot)
        fail(
            "spot",
            v.spot,
            "the production tier does not run on Fargate Spot (tasks can be reclaimed at two minutes' notice); allowed in the production tier: false",
        );
    return {
        defaults: { cpu: v.cpu, memory: v.memory, minTasks: v.minTasks, maxTasks: v.maxTasks, containerPort: v.containerPort, spot: v.spot },
        tasks: {
            cpuArchitecture: v.cpuArchitecture as CpuArchitecture,
            cpuTargetPercent: v.cpuTargetPercent,
            memoryTargetPercent: v.memoryTargetPercent,
        },
    };
}
