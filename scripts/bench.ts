/**
 * How long running each committed stack under the mock harness takes, and how many resources it
 * registers. The first run in the process also pays for loading the program and the AWS SDK
 * types; it is reported apart. Usage: npm run bench [-- --runs N]
 */
import { performance } from "perf_hooks";
import { runStack } from "../offline/runStack";
import { committedStacks } from "../offline/stackConfig";

async function main(): Promise<void> {
    const i = process.argv.indexOf("--runs");
    const runs = i > 0 ? Number(process.argv[i + 1]) : 5;
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number of 1 or more, got ${process.argv[i + 1]}`);

    const t0 = performance.now();
    await runStack("alpha", { fresh: true });
    const coldMs = performance.now() - t0;

    const rows: string[][] = [];
    for (const stack of committedStacks()) {
        const times: number[] = [];
        let count = 0;
        let custom = 0;
        for (let r = 0; r < runs; r++) {
            const start = performance.now();
            const run = await runStack(stack, { fresh: true });
            times.push(performance.now() - start);
            if (run.error) throw run.error;
            count = run.graph.all.length;
            custom = run.graph.all.filter((x) => x.custom).length;
        }
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)];
        rows.push([stack, String(count), String(custom), median.toFixed(0), times[0].toFixed(0), times[times.length - 1].toFixed(0)]);
    }
    const header = ["stack", "resources", "cloud resources", "median ms", "min ms", "max ms"];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (cells: string[]) => cells.map((cell, c) => cell.padStart(widths[c])).join("  ");
    console.log(`node ${process.version}, ${runs} runs per stack; first run in the process (loading the program): ${coldMs.toFixed(0)} ms`);
    console.log(line(header));
    for (const r of rows) console.log(line(r));
}

main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
