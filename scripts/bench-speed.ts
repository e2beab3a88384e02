/**
 * npm run bench:speed [-- --runs 5] [--test-runs 1] [--skip test,cdk] [--with ci] [--repo <dir>] [--before <dir>]
 *
 * How fast the feedback is (issue 17), as whole processes: the wall time and the CPU time (user +
 * system, of every process the command starts, from bash's `times`) of
 *   - `npm run plan -- --stack live`;
 *   - the same for a live stack of 50 services (the services benchmark's fleet, scripts/bench-fleet.ts,
 *     written out as a stack file in a folder of its own);
 *   - planning every stack file (`--all`, or one process per stack where the plan has no --all);
 *   - `npm test`;
 *   - with `--with ci`, `bash .ci/run` in a fresh clone (it installs from the lock files);
 *   - for reference, `cdk synth` of one ApplicationLoadBalancedFargateService with its defaults:
 *     aws-cdk-lib, constructs and the aws-cdk CLI installed by this script into a scratch folder
 *     under the system's temporary folder (not a dependency of this project); when npm cannot
 *     install them, the row says so and is skipped.
 * Each is run --runs times (--test-runs for the suite and CI) and the median is shown, then the
 * ratio of the plan to cdk synth. --repo measures another checkout with this script; --before
 * measures a second one (e.g. a worktree of main) alongside, run for run alternating, so that before
 * and after share the machine's load.
 *
 * Exit codes: 0 measured; 1 a measured command failed; 2 bad usage.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { TeamFiles, addOriginHost } from "../offline/adopt";
import { ROOT } from "../offline/stackConfig";
import { fleet, fleetBase } from "./bench-fleet";
import { argsOrUsage, parseFlags, runMain, UsageError } from "./cli";

/** What the cdk synth reference installs: pinned, so that the reference does not move between sittings. */
export const CDK_PACKAGES = { "aws-cdk-lib": "2.276.0", constructs: "10.8.1", "aws-cdk": "2.1148.1" } as const;

const ROWS = ["plan", "fleet", "all", "test", "cdk"] as const;
type Row = (typeof ROWS)[number];

const USAGE = `usage: npm run bench:speed -- [--runs 5] [--test-runs 1] [--skip ${ROWS.join(",")}] [--with ci] [--repo <dir>] [--before <dir>]
  --runs       runs of each plan and of cdk synth; the median is shown (default 5)
  --test-runs  runs of npm test (and of .ci/run with --with ci) (default 1)
  --skip       rows to leave out, comma-separated: ${ROWS.join(", ")}
  --with       ci: also bash .ci/run in a fresh clone of --repo (installs from the lock files: minutes)
  --repo       the checkout to measure (default: this one)
  --before     another checkout to measure alongside, run for run (e.g. a worktree of main): a before and after table
exit codes: 0 measured, 1 a measured command failed, 2 bad usage`;

interface Args {
    readonly runs: number;
    readonly testRuns: number;
    readonly skip: ReadonlySet<Row>;
    readonly ci: boolean;
    readonly repo: string;
    /** Another checkout measured alongside, run for run: the "before" of a before-and-after. */
    readonly before?: string;
}

function count(flag: string, value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} takes a whole number of 1 or more, got ${value}`);
    return n;
}

function parse(argv: string[]): Args {
    const values = parseFlags(
        argv,
        {
            runs: { type: "string", default: "5" },
            "test-runs": { type: "string", default: "1" },
            skip: { type: "string", default: "" },
            with: { type: "string", default: "" },
            repo: { type: "string", default: ROOT },
            before: { type: "string" },
            help: { type: "boolean" },
        },
        USAGE,
    );
    const skip = (values.skip as string).split(",").filter((s) => s !== "");
    const unknown = skip.find((s) => !(ROWS as readonly string[]).includes(s));
    if (unknown !== undefined) throw new UsageError(`--skip: unknown row "${unknown}"; allowed: ${ROWS.join(", ")}`);
    const extra = (values.with as string).split(",").filter((s) => s !== "");
    if (extra.some((s) => s !== "ci")) throw new UsageError(`--with: unknown row "${extra.find((s) => s !== "ci")}"; allowed: ci`);
    const checkout = (flag: string, dir: string) => {
        const full = path.resolve(dir);
        if (!fs.existsSync(path.join(full, "package.json")) || !fs.existsSync(path.join(full, "Pulumi.yaml")))
            throw new UsageError(`--${flag} ${full} is not a checkout of this project (no package.json and Pulumi.yaml)`);
        return full;
    };
    const repo = checkout("repo", values.repo as string);
    const before = values.before === undefined ? undefined : checkout("before", values.before);
    return {
        before,
        runs: count("runs", values.runs as string),
        testRuns: count("test-runs", values["test-runs"] as string),
        skip: new Set(skip as Row[]),
        ci: extra.includes("ci"),
        repo,
    };
}

/** One run of a command: wall seconds, CPU seconds of everything it started, exit status, the end of its stderr. */
export interface Sample {
    readonly wall: number;
    readonly cpu: number;
    readonly status: number | null;
    readonly stderr: string;
}

/** CPU seconds from the children's line of bash's `times` ("0m1.250s 0m0.310s": user, system). */
export function childCpuSeconds(times: string): number {
    const lines = times.trim().split("\n");
    const fields = (lines[1] ?? "").trim().split(/\s+/);
    if (fields.length !== 2) throw new Error(`unexpected output of bash's times: ${JSON.stringify(times)}`);
    return fields
        .map((f) => {
            const m = /^(\d+)m(\d+(?:[.,]\d+)?)s$/.exec(f);
            if (!m) throw new Error(`unexpected time in bash's times: ${f}`);
            return Number(m[1]) * 60 + Number(m[2].replace(",", "."));
        })
        .reduce((a, b) => a + b, 0);
}

/**
 * Runs `command` in bash once, its output discarded; bash's `times` gives the CPU time of its children.
 * No start-up file is read (bash given a socket for stdin and no SHLVL reads ~/.bashrc), so the user's
 * shell set-up is not measured.
 */
function sample(command: string, cwd: string, env: NodeJS.ProcessEnv): Sample {
    const errFile = path.join(os.tmpdir(), `shipyard-bench-speed-${process.pid}.err`);
    const script = `{ ${command} ; } >/dev/null 2>${JSON.stringify(errFile)}; status=$?; times; exit $status`;
    const start = process.hrtime.bigint();
    const r = spawnSync("bash", ["--noprofile", "--norc", "-c", script], { cwd, env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const stderr = fs.existsSync(errFile) ? fs.readFileSync(errFile, "utf8") : "";
    fs.rmSync(errFile, { force: true });
    return { wall, cpu: childCpuSeconds(r.stdout), status: r.status, stderr: stderr.slice(-4000) };
}

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A checkout measured: --repo ("after"), and --before when given. */
interface Target {
    readonly name: string;
    readonly repo: string;
}

/** How a row runs in a checkout: the command, its folder and environment, the exit codes that count as success. */
interface Setup {
    readonly command: string;
    readonly cwd: string;
    readonly env?: NodeJS.ProcessEnv;
    readonly ok?: readonly number[];
}

/** A row's medians per checkout. */
export interface Measured {
    readonly label: string;
    readonly runs: number;
    readonly by: Readonly<Record<string, { readonly command: string; readonly wall: number; readonly cpu: number }>>;
}

class CommandFailed extends Error {}

/**
 * Runs a row `runs` times in every checkout, alternating between them (and which goes first), so
 * that a change in the machine's load between runs weighs on before and after alike.
 */
function measure(label: string, runs: number, targets: readonly Target[], setup: (t: Target) => Setup): Measured {
    const setups = targets.map(setup);
    process.stderr.write(`measuring ${label} (${runs} run${runs > 1 ? "s" : ""} in ${targets.map((t) => t.name).join(" and ")}): ${setups[0].command}\n`);
    const samples: Sample[][] = targets.map(() => []);
    for (let i = 0; i < runs; i++) {
        const order = targets.map((_, k) => k);
        if (i % 2 === 1) order.reverse();
        for (const k of order) {
            const { command, cwd, env, ok } = setups[k];
            const s = sample(command, cwd, { ...process.env, ...env });
            if (!(ok ?? [0]).includes(s.status ?? -1)) throw new CommandFailed(`${command} exited with ${s.status} in ${cwd}:\n${s.stderr}`);
            samples[k].push(s);
        }
    }
    const by = Object.fromEntries(
        targets.map((t, k) => [t.name, { command: setups[k].command, wall: median(samples[k].map((x) => x.wall)), cpu: median(samples[k].map((x) => x.cpu)) }]),
    );
    return { label, runs, by };
}

/** Whether the checkout's plan takes --all (older ones plan one stack per process). */
function planTakesAll(repo: string): boolean {
    const r = spawnSync("npm", ["run", "-s", "plan", "--", "--help"], { cwd: repo, encoding: "utf8" });
    return /--all\b/.test(r.stdout ?? "");
}

/**
 * A folder of stack files like the checkout's (with its offline cloud and bootstrap), in which
 * live's services are replaced by the fleet of `size` services and the bootstrap lets Cloudflare
 * reach the fleet's hosts: `npm run plan` plans it with SHIPYARD_STACK_CONFIG_DIR set to it.
 */
export function fleetStackDir(repo: string, size: number): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-bench-fleet-"));
    for (const f of fs.readdirSync(repo).filter((n) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(n) || n === "offline-cloud.yaml"))
        fs.copyFileSync(path.join(repo, f), path.join(dir, f));
    fs.mkdirSync(path.join(dir, "bootstrap"));
    for (const f of fs.readdirSync(path.join(repo, "bootstrap")).filter((n) => n.endsWith(".yaml")))
        fs.copyFileSync(path.join(repo, "bootstrap", f), path.join(dir, "bootstrap", f));
    const f = fleet(fleetBase("live"), size);
    const files = new TeamFiles(dir);
    files.edit("Pulumi.live.yaml", (d) => d.setIn(["config", "shipyard:services"], parseDocument(JSON.stringify(f.services)).contents));
    for (const host of f.proxiedHosts) addOriginHost(files, "live", host);
    return dir;
}

/** Installs the cdk synth reference into a scratch folder (kept between sittings); the reason when npm cannot. */
function cdkApp(): { dir: string } | { skipped: string } {
    const dir = path.join(os.tmpdir(), `shipyard-bench-cdk-${Object.values(CDK_PACKAGES).join("-")}`);
    if (!fs.existsSync(path.join(dir, "node_modules", ".bin", "cdk"))) {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "shipyard-bench-cdk", private: true, dependencies: CDK_PACKAGES }, null, 2));
        process.stderr.write(
            `installing ${Object.entries(CDK_PACKAGES)
                .map(([n, v]) => `${n}@${v}`)
                .join(", ")} into ${dir} (once)...\n`,
        );
        const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir, encoding: "utf8", timeout: 600_000 });
        if (r.status !== 0) {
            const reason = `${r.stderr ?? ""}${r.error?.message ?? ""}`.trim().split("\n").slice(-3).join(" ");
            fs.rmSync(dir, { recursive: true, force: true });
            return { skipped: `npm could not install the CDK (is the registry reachable?): ${reason}` };
        }
    }
    fs.writeFileSync(
        path.join(dir, "app.js"),
        [
            `const cdk = require("aws-cdk-lib");`,
            `const ecs = require("aws-cdk-lib/aws-ecs");`,
            `const patterns = require("aws-cdk-lib/aws-ecs-patterns");`,
            `const app = new cdk.App();`,
            `const stack = new cdk.Stack(app, "Bench");`,
            `// Its defaults: a new VPC, cluster, internet-facing ALB on port 80, one task of 256 CPU / 512 MiB.`,
            `new patterns.ApplicationLoadBalancedFargateService(stack, "Service", {`,
            `    taskImageOptions: { image: ecs.ContainerImage.fromRegistry("public.ecr.aws/nginx/nginx:latest") },`,
            `});`,
            ``,
        ].join("\n"),
    );
    fs.writeFileSync(path.join(dir, "cdk.json"), JSON.stringify({ app: "node app.js" }));
    return { dir };
}

function seconds(x: number): string {
    return x.toFixed(2);
}

/** The table of the README's Measure section: one checkout with its commands, or before and after side by side. */
export function renderTable(rows: readonly Measured[], targets: readonly string[]): string {
    if (targets.length === 1) {
        const [t] = targets;
        const lines = ["| what | runs | wall s (median) | CPU s (median) | command |", "| --- | ---: | ---: | ---: | --- |"];
        for (const r of rows) lines.push(`| ${r.label} | ${r.runs} | ${seconds(r.by[t].wall)} | ${seconds(r.by[t].cpu)} | \`${r.by[t].command}\` |`);
        return lines.join("\n");
    }
    const [a, b] = targets;
    const lines = [
        `| what | runs | ${a} wall s | ${a} CPU s | ${b} wall s | ${b} CPU s | ${b} / ${a} wall | ${b} / ${a} CPU |`,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ];
    for (const r of rows) {
        const [x, y] = [r.by[a], r.by[b]];
        lines.push(
            `| ${r.label} | ${r.runs} | ${seconds(x.wall)} | ${seconds(x.cpu)} | ${seconds(y.wall)} | ${seconds(y.cpu)} | ${seconds(y.wall / x.wall)} | ${seconds(y.cpu / x.cpu)} |`,
        );
    }
    return lines.join("\n");
}

async function main(): Promise<number> {
    const args = argsOrUsage("bench:speed", USAGE, parse);
    if (typeof args === "number") return args;
    const targets: Target[] = [
        ...(args.before ? [{ name: "before", repo: args.before }] : []),
        { name: args.before ? "after" : "this checkout", repo: args.repo },
    ];
    const rows: Measured[] = [];
    let cdk: Measured | undefined;
    const notes: string[] = [];
    const [load1] = os.loadavg();
    const cleanups: (() => void)[] = [];
    try {
        if (!args.skip.has("plan"))
            rows.push(measure("plan live", args.runs, targets, (t) => ({ command: "npm run -s plan -- --stack live", cwd: t.repo, ok: [0, 3] })));
        if (!args.skip.has("fleet")) {
            rows.push(
                measure("plan live with 50 services", args.runs, targets, (t) => {
                    const dir = fleetStackDir(t.repo, 50);
                    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
                    return { command: "npm run -s plan -- --stack live", cwd: t.repo, env: { SHIPYARD_STACK_CONFIG_DIR: dir }, ok: [0, 3] };
                }),
            );
        }
        if (!args.skip.has("all")) {
            const stacks = fs.readdirSync(args.repo).filter((n) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(n)).length;
            rows.push(
                measure(`plan every stack (${stacks})`, args.runs, targets, (t) => ({
                    command: planTakesAll(t.repo)
                        ? "npm run -s plan -- --all"
                        : `for f in Pulumi.*.yaml; do s=\${f#Pulumi.}; npm run -s plan -- --stack \${s%.yaml} || exit 1; done`,
                    cwd: t.repo,
                    ok: [0, 3],
                })),
            );
        }
        if (!args.skip.has("test")) rows.push(measure("npm test", args.testRuns, targets, (t) => ({ command: "npm test", cwd: t.repo })));
        if (args.ci) {
            rows.push(
                measure("bash .ci/run, fresh clone of HEAD", args.testRuns, targets, (t) => {
                    const clone = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-bench-ci-"));
                    cleanups.push(() => fs.rmSync(clone, { recursive: true, force: true }));
                    const r = spawnSync("git", ["clone", "-q", t.repo, clone], { encoding: "utf8" });
                    if (r.status !== 0) throw new CommandFailed(`git clone ${t.repo} failed: ${r.stderr}`);
                    // Each run starts from a fresh clone: what CI installs, transpiles and caches, it does each time.
                    return { command: `git clean -qfdx && bash .ci/run`, cwd: clone };
                }),
            );
        }
        if (!args.skip.has("cdk")) {
            const app = cdkApp();
            if ("skipped" in app) notes.push(`cdk synth: skipped, ${app.skipped}`);
            else
                cdk = measure("cdk synth, one ApplicationLoadBalancedFargateService", args.runs, [{ name: "reference", repo: app.dir }], () => ({
                    command: "npx cdk synth -q --no-notices --no-version-reporting",
                    cwd: app.dir,
                    env: { CDK_DISABLE_VERSION_CHECK: "true", CDK_DISABLE_CLI_TELEMETRY: "true" },
                }));
        }
    } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        process.stderr.write(`bench:speed: ${e.message}\n`);
        return 1;
    } finally {
        for (const c of cleanups) c();
    }
    const out = (text: string) => process.stdout.write(`${text}\n`);
    out(
        `node ${process.version}, ${os.cpus().length} CPUs, load average ${load1.toFixed(2)} at the start; ${targets.map((t) => `${t.name}: ${t.repo}`).join("; ")}`,
    );
    out("");
    out(
        renderTable(
            rows,
            targets.map((t) => t.name),
        ),
    );
    if (targets.length > 1) for (const r of rows) out(`  ${r.label}: ${targets.map((t) => `${t.name} \`${r.by[t.name].command}\``).join(", ")}`);
    if (cdk) {
        const ref = cdk.by.reference;
        out(
            `\n${cdk.label}: ${seconds(ref.wall)} s wall, ${seconds(ref.cpu)} s CPU (median of ${cdk.runs}; \`${ref.command}\`, aws-cdk-lib ${CDK_PACKAGES["aws-cdk-lib"]})`,
        );
        const plan = rows.find((r) => r.label === "plan live");
        if (plan)
            for (const t of targets)
                out(
                    `plan live / cdk synth (${t.name}): ${(plan.by[t.name].wall / ref.wall).toFixed(2)} of the wall time, ${(plan.by[t.name].cpu / ref.cpu).toFixed(2)} of the CPU time`,
                );
    }
    for (const n of notes) out(`\n${n}`);
    return 0;
}

if (require.main === module) runMain("bench:speed", main);
