/**
 * A task's size and how many run: `cpu`, `memory`, `platform`, and every form of `count` (a
 * number, spot, a range, spot_from, target tracking on CPU, memory, requests, response time or a
 * queue's backlog).
 */
import { at, child, LNode, plain } from "./located";
import { durationMs } from "./forms";
import { Service } from "./stack";
import { noter, WorkloadContext } from "./context";
import { fargateSizeProblem } from "../../lib/aws";

export function mapSize(m: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, env, name, stack } = ctx;
    const cpu = child(m, "cpu");
    const memory = child(m, "memory");
    const c = Number(plain(cpu));
    const mem = Number(plain(memory));
    if (cpu && memory) {
        const problem = fargateSizeProblem(c, mem);
        if (problem) {
            findings.note(cpu, env, "not carried", `not a Fargate size with memory ${mem}: ${problem}`);
            findings.note(memory, env, "not carried", `not a Fargate size with cpu ${c}`);
        } else {
            svc.cpu = c;
            svc.memory = mem;
            findings.note(cpu, env, "carried", `services.${name}.cpu: ${c}`);
            findings.note(memory, env, "carried", `services.${name}.memory: ${mem}`);
        }
    } else {
        // One of the two: the other is the stack's, which must make a Fargate size with it.
        if (cpu) {
            svc.cpu = c;
            findings.note(cpu, env, "carried", `services.${name}.cpu: ${c}`);
        }
        if (memory) {
            svc.memory = mem;
            findings.note(memory, env, "carried", `services.${name}.memory: ${mem}`);
        }
    }
    const platform = child(m, "platform");
    if (platform) {
        const text = String(
            platform.kind === "map" ? `${String(plain(child(platform, "osfamily")))}/${String(plain(child(platform, "architecture")))}` : plain(platform),
        ).toLowerCase();
        if (/^linux\/(arm64|arm)$/.test(text) || text.endsWith("/arm64")) stack.stackKey("cpuArchitecture", "ARM64", platform, name);
        else if (/^linux\/(amd64|x86_64)$/.test(text)) stack.stackKey("cpuArchitecture", "X86_64", platform, name);
        else findings.note(platform, env, "not carried", `${text}: tasks run Linux on X86_64 or ARM64`);
        findings.read(platform);
    }
}

/** The forms of `count` (Copilot: a number, spot, range as n-m or min/max/spot_from, and target tracking fields). */
export function mapCount(m: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, name, stack } = ctx;
    const note = noter(ctx);
    const count = child(m, "count");
    if (!count) return;
    let min: number | undefined;
    let max: number | undefined;
    let spot: boolean | undefined;
    let minNode: LNode = count;
    if (ctx.type === "Request-Driven Web Service") {
        note(count, "not carried", "App Runner's auto scaling configuration: the service scales between minTasks and maxTasks on CPU and memory");
        return;
    }
    if (count.kind === "scalar") {
        const n = Number(count.value);
        min = max = n;
        note(count, "carried", `services.${name}.minTasks and maxTasks: ${n} (a fixed count)`);
    } else if (count.kind === "map") {
        const spotNode = child(count, "spot");
        if (spotNode) {
            min = max = Number(plain(spotNode));
            spot = true;
            minNode = spotNode;
            note(spotNode, "carried", `services.${name}.minTasks and maxTasks: ${min}, spot: true`);
        }
        const range = child(count, "range");
        if (range?.kind === "scalar") {
            const r = /^(\d+)-(\d+)$/.exec(String(range.value));
            if (r) {
                [min, max] = [Number(r[1]), Number(r[2])];
                minNode = range;
                note(range, "carried", `services.${name}.minTasks: ${min}, maxTasks: ${max}`);
            } else note(range, "not carried", `a range is n-m, not ${String(range.value)}`);
        } else if (range?.kind === "map") {
            min = Number(plain(child(range, "min")));
            max = Number(plain(child(range, "max")));
            minNode = child(range, "min") ?? range;
            note(child(range, "min"), "carried", `services.${name}.minTasks: ${min}`);
            note(child(range, "max"), "carried", `services.${name}.maxTasks: ${max}`);
            const from = child(range, "spot_from");
            if (from) {
                const f = Number(plain(from));
                spot = f <= 1;
                note(
                    from,
                    "approximate",
                    spot
                        ? `services.${name}.spot: true (every task from the first)`
                        : `services.${name}.spot: false: a service runs all its tasks on one capacity, so the tasks from the ${f}th on run on demand too`,
                );
            }
            findings.read(range);
        }
        const target = (field: string, k: string) => {
            const n = child(count, field);
            if (!n) return;
            const v = n.kind === "map" ? child(n, "value") : n;
            stack.stackKey(k, Number(plain(v)), v, name);
            if (n.kind === "map") note(child(n, "cooldown"), "not carried", "scaling cooldowns are Application Auto Scaling's defaults (300 s in, 300 s out)");
            findings.read(n);
        };
        target("cpu_percentage", "cpuTargetPercent");
        target("memory_percentage", "memoryTargetPercent");
        for (const field of ["requests", "response_time"])
            note(
                child(count, field),
                "not carried",
                `scaling on ${field === "requests" ? "requests per task" : "response time"}: services scale on CPU and memory (cpuTargetPercent, memoryTargetPercent); the p99 alarm (alarmP99LatencyMs) watches latency`,
            );
        note(child(count, "cooldown"), "not carried", "scaling cooldowns are Application Auto Scaling's defaults");
        const delay = child(count, "queue_delay");
        if (delay) {
            const latency = durationMs(plain(child(delay, "acceptable_latency")));
            const perMessage = durationMs(plain(child(delay, "msg_processing_time")));
            if (ctx.type === "Worker Service" && latency !== undefined && perMessage !== undefined) {
                svc.scaling = { backlog: { acceptableLatencySeconds: Math.round(latency / 1000), secondsPerMessage: perMessage / 1000 } };
                note(child(delay, "acceptable_latency"), "carried", `services.${name}.scaling.backlog.acceptableLatencySeconds: ${Math.round(latency / 1000)}`);
                note(child(delay, "msg_processing_time"), "carried", `services.${name}.scaling.backlog.secondsPerMessage: ${perMessage / 1000}`);
            } else note(delay, "not carried", "queue_delay scales a Worker Service on its queue's backlog; needs acceptable_latency and msg_processing_time");
            note(child(delay, "cooldown"), "not carried", "scaling cooldowns are Application Auto Scaling's defaults");
            findings.read(delay);
        }
    }
    if (min !== undefined && Number.isInteger(min)) {
        const floor = ctx.production ? 2 : 1;
        if (min < floor) {
            note(
                minNode,
                "approximate",
                `services.${name}.minTasks: ${floor}: ${ctx.production ? "the production tier runs at least 2 tasks" : "a service runs at least 1 task"}`,
            );
            min = floor;
        }
        svc.minTasks = min;
    }
    if (max !== undefined && Number.isInteger(max)) {
        svc.maxTasks = Math.min(Math.max(max, (svc.minTasks as number | undefined) ?? 1), 100);
        if (max > 100) note(count, "approximate", `services.${name}.maxTasks: 100, the most a service scales to`);
    }
    if (spot !== undefined) {
        if (spot && ctx.production) {
            svc.spot = false;
            note(
                child(count, "spot") ?? at(count, "range", "spot_from"),
                "approximate",
                `services.${name}.spot: false: the production tier does not run on Fargate Spot`,
            );
        } else svc.spot = spot;
    }
    findings.read(count);
}
