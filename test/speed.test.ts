/**
 * What makes feedback fast without making it wrong (issue 17): the TypeScript loader's cache
 * (scripts/register.js) never serves output for a text it was not made from; a shared stack run is
 * never reused after a configuration file changed; the speed benchmark's arithmetic.
 */
import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { passPromisesThrough, runStack } from "../offline/runStack";
import { ROOT, stackFile } from "../offline/stackConfig";
import { childCpuSeconds, median, renderTable } from "../scripts/bench-speed";
import { trackedSources } from "../scripts/warm-cache";

const LOADER = path.join(ROOT, "scripts", "register.js");

/** Runs `file` with the loader and the cache in `cache`: its stdout, stderr and exit status. */
function load(file: string, cache: string) {
    const r = spawnSync(process.execPath, ["-r", LOADER, file], { env: { ...process.env, SHIPYARD_TS_CACHE: cache }, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The cached outputs (.js) in a cache folder. */
function cached(cache: string): string[] {
    if (!fs.existsSync(cache)) return [];
    return fs.readdirSync(cache, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js"));
}

describe("the TypeScript loader's cache (scripts/register.js)", function () {
    this.timeout(30_000);
    let dir: string;
    let cache: string;
    let file: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-loader-"));
        cache = path.join(dir, "cache");
        file = path.join(dir, "probe.ts");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("GIVEN a file loaded once WHEN loaded again THEN the second process uses the one cached output, which is TypeScript's own transpileModule output", () => {
        const source = "const answer: number = 6 * 7;\nprocess.stdout.write(String(answer));\n";
        fs.writeFileSync(file, source);
        assert.deepEqual(load(file, cache), { status: 0, stdout: "42", stderr: "" });
        const outputs = cached(cache);
        assert.equal(outputs.length, 1);
        const expected = ts.transpileModule(source, {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, strict: true },
            fileName: "probe.ts",
        });
        const text = fs.readFileSync(path.join(cache, outputs[0]), "utf8");
        assert.equal(text, expected.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n"));
        // A cached output is what the process runs: replaced in the cache, the replacement runs.
        fs.writeFileSync(path.join(cache, outputs[0]), 'process.stdout.write("from the cache");\n');
        assert.deepEqual(load(file, cache), { status: 0, stdout: "from the cache", stderr: "" });
        assert.equal(cached(cache).length, 1);
    });

    it("GIVEN CommonJS modules loaded twice WHEN the second process compiles them from V8's code cache THEN require, require.resolve, require.main and __filename behave as Node's own, and import() works; corrupt cache data is rejected, not run", () => {
        const js = path.join(dir, "main.js");
        fs.writeFileSync(path.join(dir, "dep.js"), "module.exports = 40;\n");
        fs.writeFileSync(path.join(dir, "dyn.js"), 'module.exports = () => import("node:path").then((p) => typeof p.join);\n');
        fs.writeFileSync(
            js,
            'const path = require("path");\nconst dep = require("./dep");\nprocess.stdout.write([dep + 2, require.main === module, path.basename(require.resolve("./dep")), __filename === module.filename].join(","));\nif (process.env.DYNAMIC) require("./dyn")().then((t) => process.stdout.write(`,${t}`));\n',
        );
        const expected = { status: 0, stdout: "42,true,dep.js,true", stderr: "" };
        const v8 = path.join(dir, "v8");
        const entries = () =>
            fs.existsSync(v8) ? fs.readdirSync(v8, { recursive: true, encoding: "utf8" }).filter((f) => /^[0-9a-f]{2}[/\\][0-9a-f]{40}$/.test(f)) : [];
        assert.deepEqual(load(js, cache), expected);
        const written = entries();
        assert.equal(written.length, 2, `code cache entries: ${written.join(" ")}`);
        assert.deepEqual(load(js, cache), expected);
        assert.deepEqual(entries(), written);
        for (const f of written) fs.writeFileSync(path.join(v8, f), "not V8's data");
        assert.deepEqual(load(js, cache), expected);
        for (const f of written) assert.notEqual(fs.readFileSync(path.join(v8, f), "utf8"), "not V8's data", `${f} was rewritten`);
        // A module that calls import(), in two processes: Node compiles it (a script made from
        // cached data loses its import() callback on Node 20), so it resolves both times.
        for (let i = 0; i < 2; i++) {
            const r = spawnSync(process.execPath, ["-r", LOADER, js], { env: { ...process.env, SHIPYARD_TS_CACHE: cache, DYNAMIC: "1" }, encoding: "utf8" });
            assert.deepEqual([r.status, r.stdout, r.stderr], [0, "42,true,dep.js,true,function", ""], `run ${i + 1}`);
        }
        assert.deepEqual(entries(), written);
    });

    it("GIVEN a process with other V8 flags WHEN it loads the same modules THEN it keeps code cache entries of its own (V8 rejects another flag set's) and the first process's stay as they were", () => {
        const js = path.join(dir, "main.js");
        fs.writeFileSync(js, "process.stdout.write(String(6 * 7));\n");
        const v8 = path.join(dir, "v8");
        const entries = () =>
            new Map(
                fs
                    .readdirSync(v8, { recursive: true, encoding: "utf8" })
                    .filter((f) => /[0-9a-f]{40}$/.test(f))
                    .map((f) => [f, fs.readFileSync(path.join(v8, f), "latin1")]),
            );
        const run = (flags: string[]) =>
            spawnSync(process.execPath, [...flags, "-r", LOADER, js], { env: { ...process.env, SHIPYARD_TS_CACHE: cache }, encoding: "utf8" });
        assert.equal(run([]).stdout, "42");
        const first = entries();
        assert.equal(first.size, 1);
        assert.equal(run(["--expose-gc"]).stdout, "42");
        const both = entries();
        assert.equal(both.size, 2);
        for (const [f, data] of first) assert.equal(both.get(f), data, `${f} was rewritten`);
    });

    it("GIVEN a cached file WHEN its text is edited THEN the edited text runs and gets an output of its own", () => {
        fs.writeFileSync(file, 'process.stdout.write("before");\n');
        assert.equal(load(file, cache).stdout, "before");
        fs.writeFileSync(file, 'process.stdout.write("after");\n');
        assert.equal(load(file, cache).stdout, "after");
        assert.equal(cached(cache).length, 2);
    });

    it("GIVEN the same text in two folders WHEN both are loaded THEN they share one output (the adoption check's copy)", () => {
        const other = path.join(dir, "copy");
        fs.mkdirSync(other);
        fs.writeFileSync(file, "process.stdout.write(__dirname);\n");
        fs.writeFileSync(path.join(other, "probe.ts"), "process.stdout.write(__dirname);\n");
        assert.equal(load(file, cache).stdout, dir);
        assert.equal(load(path.join(other, "probe.ts"), cache).stdout, other);
        assert.equal(cached(cache).length, 1);
    });

    it("GIVEN an error thrown from a cached file WHEN its stack is printed THEN it names the TypeScript line, not the output's", () => {
        fs.writeFileSync(
            file,
            [
                "interface Shape {",
                "    readonly side: number;",
                "}",
                "",
                "function area(s: Shape): number {",
                "    throw new Error(`no area for ${s.side}`);",
                "}",
                "area({ side: 2 });",
                "",
            ].join("\n"),
        );
        for (const round of ["transpiled", "cached"]) {
            const r = load(file, cache);
            assert.equal(r.status, 1, round);
            assert.match(r.stderr, new RegExp(`at area \\(${file.replace(/[.]/g, "\\.")}:6:11\\)`), round);
        }
    });

    it("GIVEN a file precompiled (npm run warm) WHEN precompiled again THEN the second finds the output the first wrote, and only one is written", () => {
        fs.writeFileSync(file, "export const x: number = 1;\n");
        const script = `const { precompile } = require(${JSON.stringify(LOADER)}); process.stdout.write([precompile(${JSON.stringify(file)}), precompile(${JSON.stringify(file)})].join(","))`;
        const r = spawnSync(process.execPath, ["-r", LOADER, "-e", script], { env: { ...process.env, SHIPYARD_TS_CACHE: cache }, encoding: "utf8" });
        assert.deepEqual([r.status, r.stdout, r.stderr], [0, "false,true", ""]);
        assert.equal(cached(cache).length, 1);
    });

    it("GIVEN the repository WHEN npm run warm lists what to precompile THEN it is every tracked TypeScript file but the sample app's and declarations", () => {
        const files = trackedSources(ROOT).map((f) => path.relative(ROOT, f));
        assert.ok(files.includes("index.ts") && files.includes(path.join("test", "speed.test.ts")) && files.includes(path.join("scripts", "warm-cache.ts")));
        assert.deepEqual(
            files.filter((f) => f.startsWith(`app${path.sep}`) || f.endsWith(".d.ts") || !f.endsWith(".ts")),
            [],
        );
        assert.equal(new Set(files).size, files.length);
    });

    it("GIVEN SHIPYARD_TS_CACHE=off WHEN a file is loaded THEN it runs and nothing is written", () => {
        fs.writeFileSync(file, 'process.stdout.write("uncached");\n');
        assert.deepEqual(load(file, "off"), { status: 0, stdout: "uncached", stderr: "" });
        assert.deepEqual(fs.readdirSync(dir), ["probe.ts"]);
    });
});

describe("what a plan does not load (scripts/register.js, components/functionCode.ts)", function () {
    this.timeout(30_000);
    const HEAVY = /[/\\]node_modules[/\\](typescript|@npmcli[/\\]arborist|normalize-package-data)[/\\]/;
    /** The heavy packages a process with the loader has loaded after `script`, by name. */
    function heavyLoaded(script: string, env: NodeJS.ProcessEnv = {}): string[] {
        const probe = `${script}; console.log(JSON.stringify([...new Set(Object.keys(require.cache).map((k) => (${HEAVY}.exec(k) || [])[1]).filter(Boolean))].sort()))`;
        const r = spawnSync(process.execPath, ["-r", LOADER, "-e", probe], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout.trim().split("\n").pop()!) as string[];
    }

    it("GIVEN the Pulumi SDK and the functions' packaging loaded, with the functions transpiled before THEN neither TypeScript, Arborist nor normalize-package-data is", () => {
        const packageFunction = `require("@pulumi/pulumi"); require("./components/functionCode").functionCode("alarmNotifier")`;
        // The first process to package the function transpiles it (a fresh clone): TypeScript, then.
        heavyLoaded(packageFunction);
        assert.deepEqual(heavyLoaded(packageFunction), []);
    });

    it("GIVEN the program's @pulumi/aws WHEN a namespace is read THEN it is the package's own module and the index (all 250 namespaces) is not loaded until another member is", () => {
        const script = `const aws = require("@pulumi/aws"); const index = () => Object.keys(require.cache).some((f) => f.endsWith(${JSON.stringify(path.join("@pulumi", "aws", "index.js"))}));
            const seen = [index(), aws.ec2 === require("@pulumi/aws/ec2"), typeof aws.ec2.Vpc, index(), typeof aws.getRegion, index(), aws.ec2 === aws.ec2, "ec2" in aws];
            console.log(JSON.stringify(seen))`;
        const r = spawnSync(process.execPath, ["-r", LOADER, "-e", script], { cwd: ROOT, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), [false, true, "function", false, "function", true, true, true]);
    });

    it("GIVEN live WHEN planned with the namespaces loaded on use and with the whole index (SHIPYARD_LAZY_AWS=off) THEN the plans are the same, byte for byte", () => {
        const plan = (env: NodeJS.ProcessEnv) =>
            spawnSync(process.execPath, ["-r", LOADER, "scripts/plan.ts", "--stack", "live", "--format", "json"], {
                cwd: ROOT,
                env: { ...process.env, ...env },
                encoding: "utf8",
                maxBuffer: 64 * 1024 * 1024,
            });
        const lazy = plan({});
        const whole = plan({ SHIPYARD_LAZY_AWS: "off" });
        assert.equal(lazy.status, 0, lazy.stderr);
        assert.ok(lazy.stdout.length > 100_000, `${lazy.stdout.length} bytes`);
        assert.equal(lazy.stdout, whole.stdout);
    });

    it("GIVEN SHIPYARD_LAZY_CLOSURE=off THEN the SDK loads all three on start-up, as without the loader", () => {
        assert.deepEqual(heavyLoaded(`require("@pulumi/pulumi")`, { SHIPYARD_LAZY_CLOSURE: "off" }), [
            "@npmcli/arborist",
            "normalize-package-data",
            "typescript",
        ]);
    });

    it("GIVEN a program that serializes a function's closure WHEN it does THEN the deferred packages load and the function's text comes out", () => {
        const script = `require("@pulumi/pulumi").runtime.serializeFunction(() => 6 * 7).then((f) => console.log(JSON.stringify(f.text.includes("6 * 7"))))`;
        const r = spawnSync(process.execPath, ["-r", LOADER, "-e", script], { cwd: ROOT, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "true");
    });
});

describe("the offline runtime's promise pass-through (offline/runStack.ts passPromisesThrough)", function () {
    this.timeout(60_000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T> };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const store = () => (require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } }).getStore();
    afterEach(() => {
        delete process.env.SHIPYARD_LEAN_PROMISES;
        passPromisesThrough();
    });

    it("GIVEN the pinned Pulumi SDK THEN the SDK's wrapper gives back the promise itself and tracks nothing; WHEN SHIPYARD_LEAN_PROMISES=off THEN the SDK's own wrapper tracks it until it settles", async () => {
        assert.equal(passPromisesThrough(), true);
        const pending = new Promise<number>(() => undefined);
        assert.equal(debuggable.debuggablePromise(pending, "probe"), pending);
        assert.equal(store().leakCandidates.has(pending), false);

        process.env.SHIPYARD_LEAN_PROMISES = "off";
        assert.equal(passPromisesThrough(), false);
        let resolve!: (v: number) => void;
        const settling = new Promise<number>((r) => (resolve = r));
        const wrapped = debuggable.debuggablePromise(settling, "probe");
        assert.notEqual(wrapped, settling);
        assert.equal(store().leakCandidates.has(settling), true);
        resolve(7);
        assert.equal(await wrapped, 7);
        assert.equal(store().leakCandidates.has(settling), false);
    });

    for (const stack of ["alpha", "live"]) {
        it(`GIVEN ${stack} WHEN run with the pass-through and with the SDK's own wrapper THEN every resource, its inputs and options, every output and every invoke are the same`, async () => {
            /** The run as data, resources by URN (the pass-through may change siblings' order of registration). */
            const outcome = async () => {
                const r = await runStack(stack, { fresh: true });
                assert.equal(r.error, undefined);
                const resources = [...r.graph.resources].sort((a, b) => a.urn.localeCompare(b.urn));
                return JSON.stringify({ resources, outputs: r.outputs, invokes: r.invokes });
            };
            assert.equal(passPromisesThrough(), true);
            const lean = await outcome();
            process.env.SHIPYARD_LEAN_PROMISES = "off";
            const sdk = await outcome();
            assert.ok(lean.length > 100_000, `${lean.length} characters`);
            assert.equal(lean, sdk);
        });
    }
});

describe("a shared stack run", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-shared-run-"));
        fs.cpSync(path.dirname(stackFile("alpha")), dir, { recursive: true });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("GIVEN a run of a stack WHEN asked again with the same files THEN it is the same run; WHEN the stack file changed THEN the program runs again on the new text", async () => {
        const first = await runStack("alpha", { stackDir: dir });
        assert.equal(await runStack("alpha", { stackDir: dir }), first);
        const file = path.join(dir, "Pulumi.alpha.yaml");
        const text = fs.readFileSync(file, "utf8");
        assert.match(text, /\n {4}FEATURE_FLAGS: new-checkout,dark-mode\n/);
        fs.writeFileSync(file, text.replace("    FEATURE_FLAGS: new-checkout,dark-mode\n", "    FEATURE_FLAGS: new-checkout\n"));
        const second = await runStack("alpha", { stackDir: dir });
        assert.notEqual(second, first);
        // The web service's FEATURE_FLAGS, as its task definition passes it to the container.
        const flags = (r: typeof first) =>
            r.graph
                .ofType("aws:ecs/taskDefinition:TaskDefinition")
                .filter((t) => String(t.inputs.family).endsWith("-web"))
                .flatMap((t) =>
                    (JSON.parse(String(t.inputs.containerDefinitions)) as { environment?: { name: string; value: string }[] }[]).flatMap(
                        (c) => c.environment ?? [],
                    ),
                )
                .filter((e) => e.name === "FEATURE_FLAGS")
                .map((e) => e.value);
        assert.deepEqual(flags(first), ["new-checkout,dark-mode"]);
        assert.deepEqual(flags(second), ["new-checkout"]);
    });
});

describe("the speed benchmark (scripts/bench-speed.ts)", () => {
    it("GIVEN bash's times output WHEN read THEN the CPU time is the children's user plus system", () => {
        assert.equal(childCpuSeconds("0m0.010s 0m0.002s\n0m1.250s 0m0.310s\n"), 1.56);
        assert.equal(childCpuSeconds("0m0.010s 0m0.002s\n2m1.500s 0m0,500s\n"), 122);
        assert.throws(() => childCpuSeconds("0m0.010s 0m0.002s\n"), /unexpected output of bash's times/);
    });
    it("GIVEN an odd or even number of samples WHEN the median is taken THEN it is the middle one or the mean of the two middle ones", () => {
        assert.equal(median([3, 1, 2]), 2);
        assert.equal(median([4, 1, 3, 2]), 2.5);
    });
    it("GIVEN rows of one checkout WHEN rendered THEN the table has one line per row with two decimals and its command", () => {
        const row = { label: "plan live", runs: 5, by: { "this checkout": { command: "npm run -s plan -- --stack live", wall: 1.234, cpu: 1.5 } } };
        assert.equal(
            renderTable([row], ["this checkout"]),
            [
                "| what | runs | wall s (median) | CPU s (median) | command |",
                "| --- | ---: | ---: | ---: | --- |",
                "| plan live | 5 | 1.23 | 1.50 | `npm run -s plan -- --stack live` |",
            ].join("\n"),
        );
    });
    it("GIVEN rows of before and after WHEN rendered THEN each row has both medians and after's share of before's", () => {
        const row = {
            label: "plan live",
            runs: 3,
            by: { before: { command: "a", wall: 4, cpu: 5 }, after: { command: "b", wall: 1, cpu: 2 } },
        };
        assert.equal(
            renderTable([row], ["before", "after"]),
            [
                "| what | runs | before wall s | before CPU s | after wall s | after CPU s | after / before wall | after / before CPU |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                "| plan live | 3 | 4.00 | 5.00 | 1.00 | 2.00 | 0.25 | 0.40 |",
            ].join("\n"),
        );
    });
});
