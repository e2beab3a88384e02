/**
 * npm run check:adoption [-- --keep] [--reads <log>]
 *
 * Proves that a team can adopt this repository by editing its configuration only. In a copy of the
 * repository (its tracked and untracked, not ignored files; node_modules linked), it makes the
 * edits a team makes, as the README describes them:
 *   1. a new http service `admin` on admin.<zone> in beta, with an encrypted secret (README "Add a service");
 *   2. a new proxied host www.<zone> on live's first http service, listed in the bootstrap's originHosts;
 *   3. the application renamed from demo to acme (stack files, image repositories, bootstrap);
 *   4. new stacks staging2 (tier staging, from gamma) and pr-42 (tier preview, from alpha);
 * then runs the whole test suite there (no file under test/ edited) and plans every stack.
 * Exit 0 when all pass; 1 otherwise, with the failing command's output.
 *
 * What it costs is the suite's run and one plan process for all the stacks (`--all`); the copy
 * shares this repository's transpile cache (scripts/register.js: keyed by the files' text, so the
 * copy's edited files are transpiled afresh and nothing stale is used).
 *
 * `--reads <log>` runs in the copy only the test files that read the team's files in a run of the
 * suite here, as test/teamReads.js logged them (`SHIPYARD_TEAM_READS_LOG=<log> npm test`, what
 * .ci/run does): the edits change nothing else any test reads, so no other file can fail there. A
 * log with a read it could not attribute, or without test/teamStacks.test.ts (not a whole run),
 * makes it run the whole suite.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { addHostToFirstHttpService, addHttpService, addStack, renameApp, TeamFiles } from "../offline/adopt";
import { ROOT } from "../offline/stackConfig";

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { ok: boolean; out: string } {
    const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function copyRepository(to: string): void {
    const files = sh("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT);
    if (!files.ok) throw new Error(`git ls-files failed: ${files.out}`);
    for (const f of files.out.split("\0").filter((x) => x !== "")) {
        const src = path.join(ROOT, f);
        if (!fs.existsSync(src)) continue; // deleted in the working tree
        // A worktree may link node_modules (`node_modules/` in .gitignore matches folders, not links): linked below.
        if (fs.statSync(src).isDirectory()) continue;
        fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
        fs.copyFileSync(src, path.join(to, f));
    }
    for (const modules of ["node_modules", path.join("app", "node_modules")])
        if (fs.existsSync(path.join(ROOT, modules))) fs.symlinkSync(path.join(ROOT, modules), path.join(to, modules), "dir");
}

/** The test files to run in the copy: those the log names, or undefined for the whole suite; and why. */
export function testsToRerun(log: string | undefined): { files?: string[]; why: string } {
    if (log === undefined) return { why: "the whole suite (no --reads log)" };
    let text: string;
    try {
        text = fs.readFileSync(log, "utf8");
    } catch {
        return { why: `the whole suite (no log at ${log})` };
    }
    const files = [
        ...new Set(
            text
                .split("\n")
                .filter((l) => l !== "")
                .map((l) => l.split("\t")[0]),
        ),
    ].sort();
    if (files.includes("?")) return { why: "the whole suite (the log has a read no test file was named for)" };
    if (!files.includes(path.join("test", "teamStacks.test.ts")))
        return { why: "the whole suite (the log is not of a whole run: test/teamStacks.test.ts read nothing)" };
    return { files, why: `the ${files.length} test files that read the team's files (${log})` };
}

function main(): number {
    const keep = process.argv.includes("--keep");
    const at = process.argv.indexOf("--reads");
    const rerun = testsToRerun(at >= 0 ? process.argv[at + 1] : undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-adoption-"));
    const started = Date.now();
    try {
        copyRepository(dir);
        const files = new TeamFiles(dir);
        addHttpService(files, "beta", "admin", { label: "admin", priority: 100 });
        const www = addHostToFirstHttpService(files, "live", "www");
        renameApp(files, "demo", "acme");
        addStack(files, "gamma", "staging2", { tier: "staging", vpcCidr: "10.60.0.0/16" });
        addStack(files, "alpha", "pr-42", { tier: "preview", vpcCidr: "10.70.0.0/16" });
        process.stdout.write(`edited a copy in ${dir}: admin in beta, ${www} in live, app acme, stacks staging2 and pr-42\n`);

        const untouched = sh("diff", ["-r", path.join(ROOT, "test"), path.join(dir, "test")], ROOT);
        if (!untouched.ok) throw new Error(`test/ differs from the repository's:\n${untouched.out}`);

        const stacks = files.stackFiles().map((f) => f.replace(/^Pulumi\.|\.yaml$/g, ""));
        // The suite sets SHIPYARD_STACK_CONFIG_DIR itself (test/setup.ts); a caller's must not leak in.
        const env: NodeJS.ProcessEnv = { ...process.env, SHIPYARD_TS_CACHE: process.env.SHIPYARD_TS_CACHE ?? path.join(ROOT, ".cache", "ts") };
        delete env.SHIPYARD_STACK_CONFIG_DIR;
        delete env.SHIPYARD_TEAM_READS_LOG;
        // Every stack in one process (the plan shares its start-up between them), each with its own section and verdict.
        const plan = sh("npm", ["run", "-s", "plan", "--", "--all"], dir, env);
        const verdicts = /planned \d+ stacks: (.*)\n/.exec(plan.out)?.[1] ?? "";
        if (!plan.ok) throw new Error(`npm run plan -- --all failed in the copy (${verdicts}):\n${plan.out.slice(-20_000)}`);
        const planned = verdicts.split(", ").map((v) => v.split(" ")[0]);
        if (planned.join(",") !== [...stacks].sort().join(","))
            throw new Error(`npm run plan -- --all planned ${planned.join(", ")}; the copy's stack files are ${stacks.join(", ")}`);
        process.stdout.write(`plan --all: ${verdicts}\n`);
        const mocharc = path.join(dir, ".mocharc.json");
        if (rerun.files) fs.writeFileSync(mocharc, JSON.stringify({ ...JSON.parse(fs.readFileSync(mocharc, "utf8")), spec: rerun.files }));
        process.stdout.write(`npm test in the copy: ${rerun.why}\n`);
        const test = sh("npx", ["mocha", "--reporter", "dot"], dir, env);
        const summary = test.out
            .split("\n")
            .filter((l) => /^\s+\d+ (passing|failing|pending)/.test(l))
            .map((l) => l.trim())
            .join(", ");
        if (!test.ok) throw new Error(`npm test failed in the copy (${summary}):\n${test.out.slice(-20_000)}`);
        process.stdout.write(`npm test in the copy: ${summary}\n`);
        process.stdout.write(
            `adoption check passed: ${stacks.length} stacks planned (${stacks.join(", ")}) in ${Math.round((Date.now() - started) / 1000)} s\n`,
        );
        return 0;
    } catch (e) {
        process.stderr.write(`adoption check failed: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
    } finally {
        if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    }
}

if (require.main === module) process.exitCode = main();
