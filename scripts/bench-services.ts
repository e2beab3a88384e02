/**
 * npm run bench:services [-- --stack live] [--services 1,10,50] [--runs 5]
 *
 * How the plan grows with the number of services (issue 8): runs the real program for a stack under
 * the mock harness with its `services` replaced by a generated fleet of N services
 * (scripts/bench-fleet.ts: http, tcp, internal, worker, repeated), and prints per N the resources
 * registered, the run's median and p90 time, the time per resource and the heap, then whether
 * resources and time grow linearly.
 *
 * The first run of the process also loads the program and the provider SDKs: it is reported apart
 * and not counted. Before each timed run the heap is collected when node runs with --expose-gc
 * (the npm script passes it), so a run does not pay for its predecessor's garbage.
 *
 * Exit codes: 0 measured; 1 a run failed; 2 bad usage.
 */
import * as os from "os";
import { performance } from "perf_hooks";
import { EXPOSURES, Exposure } from "../stacks/services";
import { runStack, StackRun } from "../offline/runStack";
import { committedStacks } from "../offline/stackConfig";
import { argsOrUsage, parseFlags, requireStack, runMain, UsageError } from "./cli";
import { addFootprints, attribute, Attribution, fitLine, Fleet, fleet, fleetBase, fleetCloud, Footprint, subtractFootprints, total } from "./bench-fleet";

/**
 * Largest relative deviation of the median times from their straight line still called linear.
 * On a quiet 2-CPU machine four invocations put the medians at 1, 10 and 50 services within 1.7%
 * to 6.6% of their line (up to 20% with the CPUs oversubscribed by other work); through those
 * sizes, a quadratic term half the linear one at 50 services puts a point 10% off the line.
 */
const TIME_TOLERANCE = 0.1;

const USAGE = `usage: npm run bench:services -- [--stack <env>] [--services 1,10,50] [--runs 5]
  --stack     environment whose Pulumi.<env>.yaml the fleet replaces the services of (default live; ${committedStacks().join(", ")})
  --services  fleet sizes, comma-separated whole numbers of 1 or more (default 1,10,50)
  --runs      timed runs per size, after one untimed first run of the process (default 5)
exit codes: 0 measured, 1 a run failed, 2 bad usage`;

interface Args {
    readonly stack: string;
    readonly sizes: readonly number[];
    readonly runs: number;
}

function parse(argv: string[]): Args {
    const values = parseFlags(
        argv,
        {
            stack: { type: "string", default: "live" },
            services: { type: "string", default: "1,10,50" },
            runs: { type: "string", default: "5" },
            help: { type: "boolean" },
        },
        USAGE,
    );
    const stack = values.stack as string;
    requireStack(stack);
    const sizes = (values.services as string).split(",").map((s) => Number(s.trim()));
    if (sizes.some((n) => !Number.isInteger(n) || n < 1))
        throw new UsageError(`--services takes whole numbers of 1 or more separated by commas, e.g. 1,10,50; got ${values.services}`);
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs takes a whole number of 1 or more, got ${values.runs}`);
    return { stack, sizes: [...new Set(sizes)].sort((a, b) => a - b), runs };
}

/** `global.gc` exists when node runs with --expose-gc. */
const gc = (globalThis as { gc?: () => void }).gc;

interface Measured {
    readonly fleet: Fleet;
    readonly resources: number;
    readonly medianMs: number;
    readonly p90Ms: number;
    /** Heap in use after a forced collection, the last run's graph still held; undefined without --expose-gc. */
    readonly heapBytes?: number;
    readonly attribution: Attribution;
}

async function runFleet(f: Fleet): Promise<StackRun> {
    const run = await runStack(f.base.stack, { overrides: { set: { services: f.services } }, cloud: fleetCloud(f) });
    if (run.error) throw new Error(`${f.base.stack} with ${Object.keys(f.services).length} generated services: ${run.error.message}`);
    return run;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
    return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function median(sorted: readonly number[]): number {
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function measure(f: Fleet, runs: number): Promise<Measured> {
    const times: number[] = [];
    let run: StackRun | undefined;
    for (let r = 0; r < runs; r++) {
        const before = run?.graph.all.length;
        // Dropped before collecting, so that the next run does not pay for collecting it.
        run = undefined;
        gc?.();
        const start = performance.now();
        run = await runFleet(f);
        times.push(performance.now() - start);
        if (before !== undefined && run.graph.all.length !== before)
            throw new Error(`${f.base.stack} with ${Object.keys(f.services).length} services registered ${before} resources, then ${run.graph.all.length}`);
    }
    gc?.();
    const heapBytes = gc ? process.memoryUsage().heapUsed : undefined;
    run = run as StackRun;
    times.sort((a, b) => a - b);
    return {
        fleet: f,
        resources: run.graph.all.length,
        medianMs: median(times),
        p90Ms: percentile(times, 90),
        heapBytes,
        attribution: attribute(run.graph, f),
    };
}

/** Change per added service from the previous row, or "-" for the first. */
function perAdded(rows: readonly Measured[], i: number, value: (m: Measured) => number): string {
    if (i === 0) return "-";
    return ((value(rows[i]) - value(rows[i - 1])) / (rows[i].fleet.size - rows[i - 1].fleet.size)).toFixed(1);
}

function table(rows: readonly Measured[]): string[] {
    const header = ["N", "http/tcp/int/wrk", "resources", "per added service", "median ms", "p90 ms", "ms per added service", "ms per resource", "heap MB"];
    const cells = rows.map((m, i) => {
        const count = (e: Exposure) => [...m.fleet.exposureOf.values()].filter((x) => x === e).length;
        return [
            String(m.fleet.size),
            EXPOSURES.map(count).join("/"),
            String(m.resources),
            perAdded(rows, i, (x) => x.resources),
            m.medianMs.toFixed(0),
            m.p90Ms.toFixed(0),
            perAdded(rows, i, (x) => x.medianMs),
            (m.medianMs / m.resources).toFixed(2),
            m.heapBytes !== undefined ? (m.heapBytes / 2 ** 20).toFixed(0) : "n/a",
        ];
    });
    const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c].length)));
    const line = (r: string[]) => r.map((cell, c) => cell.padStart(widths[c])).join("  ");
    return [line(header), ...cells.map(line)];
}

function describe(fp: Footprint): string {
    return Object.entries(fp)
        .map(([k, v]) => `${v > 0 ? "+" : ""}${v} ${k}`)
        .join(", ");
}

function pct(x: number): string {
    return `${(x * 100).toFixed(1)}%`;
}

/**
 * Resources are exactly linear per exposure mix when resources(N) = fixed + the sum over the
 * services of their kind's footprint, with the same fixed part at every N where the same exposures
 * are present. A kind's footprint is what most services of the kind own; the fixed part is the
 * shared resources plus whatever single services own beyond their kind's footprint (one service
 * may carry something the environment has once, such as live's smoke test on its first http
 * service). A service whose resources grow with N changes the fixed part, and is reported.
 */
function resourceVerdict(rows: readonly Measured[]): string[] {
    const owned = rows.flatMap((m) => [...m.attribution.perService].map(([svc, fp]) => ({ kind: m.fleet.kindOf.get(svc) as string, fp })));
    const footprintOf = new Map<string, Footprint>();
    for (const kind of new Set(owned.map((o) => o.kind))) {
        const seen = new Map<string, { fp: Footprint; count: number }>();
        for (const o of owned.filter((x) => x.kind === kind)) {
            const key = JSON.stringify(o.fp);
            seen.set(key, { fp: o.fp, count: (seen.get(key)?.count ?? 0) + 1 });
        }
        footprintOf.set(kind, [...seen.values()].sort((a, b) => b.count - a.count)[0].fp);
    }
    const fixedOf = (m: Measured) =>
        addFootprints(
            m.attribution.shared,
            ...[...m.attribution.perService].map(([svc, fp]) => subtractFootprints(fp, footprintOf.get(m.fleet.kindOf.get(svc) as string) as Footprint)),
        );
    const largest = rows[rows.length - 1];
    const notes = [...largest.attribution.perService].flatMap(([svc, fp]) => {
        const kind = largest.fleet.kindOf.get(svc) as string;
        const extra = subtractFootprints(fp, footprintOf.get(kind) as Footprint);
        return Object.keys(extra).length > 0 ? [`  at N=${largest.fleet.size}, ${svc} owns beyond a ${kind} service's footprint: ${describe(extra)}`] : [];
    });
    const problems: string[] = [];
    const exposuresAt = (m: Measured) => [...new Set(m.fleet.exposureOf.values())].sort().join(", ");
    for (let i = 1; i < rows.length; i++) {
        const [a, b] = [rows[i - 1], rows[i]];
        const d = subtractFootprints(fixedOf(b), fixedOf(a));
        if (Object.keys(d).length === 0) continue;
        const what = `the fixed part from N=${a.fleet.size} to N=${b.fleet.size}: ${describe(d)}`;
        if (exposuresAt(a) === exposuresAt(b)) problems.push(`${what}, with the same exposures present`);
        else notes.push(`  ${what} (N=${a.fleet.size} has ${exposuresAt(a)}; N=${b.fleet.size} has ${exposuresAt(b)})`);
    }
    const fit = rows.length >= 2 ? fitLine(rows.map((m) => ({ x: m.fleet.size, y: m.resources }))) : undefined;
    return [
        `Resources per service, by kind: ${[...footprintOf].map(([k, fp]) => `${k}: ${total(fp)}`).join("; ")}`,
        `Fixed part (shared, and what single services own beyond their kind): ${rows.map((m) => `${total(fixedOf(m))} at N=${m.fleet.size}`).join(", ")}`,
        ...notes,
        fit
            ? `Straight line through (N, resources): ${fit.intercept.toFixed(1)} + ${fit.slope.toFixed(2)} N, largest deviation ${pct(fit.maxRelativeDeviation)}` +
              (fit.maxRelativeDeviation > 0 ? " (the exposure mix differs between the sizes)" : "")
            : "Straight line through (N, resources): needs two sizes or more.",
        problems.length > 0
            ? `Resources: NOT linear per exposure mix:\n${problems.map((p) => `  ${p}`).join("\n")}`
            : rows.length < 2
              ? "Resources: one size only, so linearity is not measured."
              : "Resources: exactly linear per exposure mix (fixed part + services x resources per service of their kind, at every N).",
    ];
}

/** Time is linear when the medians lie within TIME_TOLERANCE of their least-squares straight line in N. */
function timeVerdict(rows: readonly Measured[], load: number): string[] {
    const fit = fitLine(rows.map((m) => ({ x: m.fleet.size, y: m.medianMs })));
    const byResources = fitLine(rows.map((m) => ({ x: m.resources, y: m.medianMs })));
    // The load average counts this process too: beyond one per CPU, runs waited for a CPU.
    const busy =
        load > os.cpus().length
            ? ` The CPUs were oversubscribed (load average up to ${load.toFixed(1)} on ${os.cpus().length}): run again on a quiet machine before trusting the times.`
            : "";
    return [
        `Straight line through (N, median ms): ${fit.intercept.toFixed(0)} + ${fit.slope.toFixed(1)} N, largest deviation ${pct(fit.maxRelativeDeviation)}; ` +
            `through (resources, median ms): ${byResources.intercept.toFixed(0)} + ${byResources.slope.toFixed(2)} per resource, largest deviation ${pct(byResources.maxRelativeDeviation)}`,
        (fit.maxRelativeDeviation <= TIME_TOLERANCE
            ? `Time: linear in N within the tolerance of ${pct(TIME_TOLERANCE)}.`
            : `Time: NOT linear in N: ${pct(fit.maxRelativeDeviation)} from its straight line, beyond the tolerance of ${pct(TIME_TOLERANCE)}.`) + busy,
    ];
}

async function main(): Promise<number> {
    const args = argsOrUsage("bench:services", USAGE, parse);
    if (typeof args === "number") return args;
    try {
        const base = fleetBase(args.stack);
        let load = os.loadavg()[0];
        const first = performance.now();
        await runFleet(fleet(base, args.sizes[0]));
        const coldMs = performance.now() - first;
        const rows: Measured[] = [];
        for (const n of args.sizes) rows.push(await measure(fleet(base, n), args.runs));
        load = Math.max(load, os.loadavg()[0]);

        console.log(
            `node ${process.version}, ${os.cpus().length} CPUs, load average up to ${load.toFixed(1)}; stack ${args.stack}, timed runs per size: ${args.runs}; ` +
                `first run in the process (loads the program, not counted): ${coldMs.toFixed(0)} ms at N=${args.sizes[0]}`,
        );
        console.log(
            gc
                ? "heap MB: in use after a forced collection, the last run's graph still held"
                : "heap MB: not measured: node runs without --expose-gc (npm run bench:services passes it)",
        );
        for (const l of table(rows)) console.log(l);
        console.log("");
        for (const l of resourceVerdict(rows)) console.log(l);
        for (const l of rows.length >= 2 ? timeVerdict(rows, load) : ["Time: a straight line needs two sizes or more."]) console.log(l);
        return 0;
    } catch (e) {
        process.stderr.write(`bench:services: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
    }
}

runMain("bench:services", main);
