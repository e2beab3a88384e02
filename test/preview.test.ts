/**
 * Pull-request previews (issue 21): the stack file a preview is made from, its plan under the
 * harness against alpha's, the team's preview settings, and the preview commands run as the
 * workflows run them, against fake `pulumi`, `gh` and `aws` CLIs that keep state between calls.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { Recorded } from "../offline/graph";
import { runStack, StackRun } from "../offline/runStack";
import { PREVIEW_DEFAULTS, parsePreviewSettings, previewStack, previewStackFile, PREVIEW_SETTINGS_FILE } from "../release/preview";
import { COMMENT_MARKER, CREATED_TAG, PREVIEW_EXIT, PreviewDeps, runPreviewCli } from "../release/previewCli";
import { RunResult, Runner } from "../release/runner";
import { FIXTURES } from "./setup";
import { previewStackDir } from "./harness/previewStack";

const ALPHA = fs.readFileSync(path.join(FIXTURES, "Pulumi.alpha.yaml"), "utf8");
const REPO = "example-org/shipyard";
const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
const WEB_DIGEST = `sha256:${"a1".repeat(32)}`;
const API_DIGEST = `sha256:${"b2".repeat(32)}`;
const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const PROVIDER = "awskms://alias/demo-pulumi-preview?region=eu-west-1";
/** The deploy command as the workflow runs it for pull request `pr`, commit `sha`. */
const deployArgs = (pr: number | string = 7, sha = SHA) => ["deploy", "--pr", String(pr), "--sha", sha, "--repository", REPO, "--secrets-provider", PROVIDER];

type Config = Record<string, unknown>;
const configOf = (text: string) => (parse(text) as { config: Config }).config;

describe("previews: the stack file of pull request #7, made from the fixture alpha's", () => {
    const alpha = configOf(ALPHA);
    const preview = configOf(previewStackFile("pr-7", "alpha", ALPHA, { number: 7, repository: REPO }));

    it("sets the preview tier and the previews' shared bootstrap environment, first", () => {
        assert.deepEqual(Object.keys(preview).slice(0, 2), ["shipyard:tier", "shipyard:bootstrapEnvironment"]);
        assert.equal(preview["shipyard:tier"], "preview");
        assert.equal(preview["shipyard:bootstrapEnvironment"], "preview");
    });

    it("gives alpha's own host to web as pr-7.<zone> and api's own host as pr-7-api.<zone>, and changes nothing else of the services", () => {
        const services = (c: Config) => c["shipyard:services"] as Record<string, Record<string, unknown>>;
        assert.deepEqual(services(alpha).web.hosts, ["alpha.example.org"]);
        assert.deepEqual(services(alpha).api.hosts, ["api.alpha.example.org"]);
        assert.deepEqual(services(preview), {
            web: { ...services(alpha).web, hosts: ["pr-7.example.org"] },
            api: { ...services(alpha).api, hosts: ["pr-7-api.example.org"] },
        });
    });

    it("keeps every other key of alpha's with its value, and adds none", () => {
        const rest = (c: Config) =>
            Object.fromEntries(Object.entries(c).filter(([k]) => !["shipyard:tier", "shipyard:bootstrapEnvironment", "shipyard:services"].includes(k)));
        assert.deepEqual(rest(preview), rest(alpha));
    });

    it("GIVEN a source that pins the tier's keys, secrets and per-service scaling THEN the preview leaves them to the preview tier and drops the secrets", () => {
        const pinned = ALPHA.replace(
            "  shipyard:dnsZone: example.org\n",
            [
                "  shipyard:dnsZone: example.org",
                "  shipyard:natGateways: single",
                "  shipyard:protect: true",
                "  shipyard:logRetentionDays: 30",
                "  shipyard:databaseInstanceClass: db.m7g.large",
                "  shipyard:slackWebhookUrl:",
                "    secure: v1:c2hpcHlhcmQ=:ZW5jcnlwdGVk",
                "  shipyard:secrets:",
                "    web:",
                "      API_KEY:",
                "        secure: v1:c2hpcHlhcmQ=:ZW5jcnlwdGVk",
                "",
            ].join("\n"),
        ).replace("      expose: http\n", "      expose: http\n      minTasks: 3\n      spot: false\n");
        const c = configOf(previewStackFile("pr-7", "alpha", pinned, { number: 7 }));
        for (const key of ["natGateways", "protect", "logRetentionDays", "databaseInstanceClass", "slackWebhookUrl", "secrets"])
            assert.equal(c[`shipyard:${key}`], undefined, key);
        const web = (c["shipyard:services"] as Record<string, Record<string, unknown>>).web;
        assert.equal(web.minTasks, undefined);
        assert.equal(web.spot, undefined);
        assert.equal(web.expose, "http");
    });

    it("refuses pull request numbers that make no stack name, before anything runs", () => {
        assert.equal(previewStack(7), "pr-7");
        assert.equal(previewStack("1234567890123"), "pr-1234567890123");
        assert.throws(() => previewStack("0"), /--pr "0" must be a pull request number \(1 or more\)/);
        assert.throws(() => previewStack("7a"), /--pr "7a" must be a pull request number/);
        assert.throws(() => previewStack("12345678901234"), /--pr 12345678901234: the stack pr-12345678901234 cannot be used: a stack name is 2 to 16/);
    });
});

describe("previews: the team's settings (release/previews.json)", () => {
    it("the committed file holds the issue's defaults: alpha, 3 days to live, 1 day idle, at most 5", () => {
        assert.deepEqual(parsePreviewSettings(fs.readFileSync(path.join(__dirname, "..", PREVIEW_SETTINGS_FILE), "utf8")), {
            source: "alpha",
            ttlDays: 3,
            idleDays: 1,
            maxPreviews: 5,
        });
        assert.deepEqual(parsePreviewSettings("{}"), PREVIEW_DEFAULTS);
    });
    for (const [text, problem] of [
        ['{"ttlDays": 0}', "key ttlDays = 0: allowed: a whole number from 1 to 14"],
        ['{"ttlDays": 15}', "key ttlDays = 15: allowed: a whole number from 1 to 14"],
        ['{"idleDays": 1.5}', "key idleDays = 1.5: allowed: a whole number from 1 to 14"],
        ['{"maxPreviews": 51}', "key maxPreviews = 51: allowed: a whole number from 1 to 50"],
        ['{"source": "Alpha"}', 'key source = "Alpha": the name of a stack with a stack file, e.g. alpha'],
        ['{"ttl": 3}', "key ttl = 3: unknown; known keys are source, ttlDays, idleDays, maxPreviews"],
    ] as const) {
        it(`refuses ${text}, naming the file, the key, the value and what is allowed`, () => {
            assert.throws(
                () => parsePreviewSettings(text),
                (e: Error) => e.message === `${PREVIEW_SETTINGS_FILE} has invalid settings:\n  - ${problem}`,
            );
        });
    }
});

// ---- The plan of the sample pull request's preview against alpha's ----

/** Names and ids that differ only because the stack's name does: alpha's names read as pr-7's, the mock's ids masked. */
function normalized(r: Recorded, rename: (s: string) => string): string {
    const text = JSON.stringify({ ...r.inputs, ...(r.type === "aws:lambda/function:Function" ? { code: "(same code)" } : {}) });
    return rename(text)
        .replace(/rds!db-[0-9a-f-]+-AbCdEf/g, "rds!db-<id>")
        .replace(/certificate\/[0-9a-f-]+/g, "certificate/<id>")
        .replace(/_[0-9a-f]{32}\./g, "_<hash>.");
}

function leaves(value: unknown, prefix = ""): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (v: unknown, p: string) => {
        if (typeof v === "string" && /^[[{]/.test(v)) {
            try {
                return walk(JSON.parse(v), p);
            } catch {
                // not JSON: a plain string
            }
        }
        if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${p}.${k}`);
        else out.set(p, JSON.stringify(v));
    };
    walk(value, prefix);
    return out;
}

describe("previews: the sample pull request #7 planned under the harness, against the fixture alpha", function () {
    this.timeout(120_000);
    let alpha: StackRun;
    let pr: StackRun;
    let dir: string;
    before(async () => {
        dir = previewStackDir("pr-7", 7);
        alpha = await runStack("alpha", { stackDir: FIXTURES });
        pr = await runStack("pr-7", { stackDir: dir });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("plans without error, with as many resources of each type as alpha and the same names but for the stack's", () => {
        assert.equal(alpha.error, undefined);
        assert.equal(pr.error, undefined);
        assert.ok(pr.graph.all.length > 100, `only ${pr.graph.all.length} resources recorded`);
        const names = (run: StackRun, rename = (s: string) => s) => run.graph.all.map((r) => `${r.type} ${rename(r.name)}`).sort();
        assert.deepEqual(
            names(pr),
            names(alpha, (s) => s.replace(/\balpha\b/g, "pr-7")),
        );
    });

    it("differs from alpha in exactly: host names, VPC block, log retention, task ceiling, the previews' boundary and alarm key", () => {
        // alpha's names as pr-7's; the one host rule of previews applied to alpha's own two hosts.
        const rename = (s: string) => s.replace(/api\.alpha\.example\.org/g, "pr-7-api.example.org").replace(/\balpha\b/g, "pr-7");
        const before = new Map(alpha.graph.all.map((r) => [`${r.type} ${rename(r.name)}`, leaves(JSON.parse(normalized(r, rename)))]));
        const differences: string[] = [];
        for (const r of pr.graph.all) {
            const key = `${r.type} ${r.name}`;
            const a = before.get(key) as Map<string, string>;
            const b = leaves(JSON.parse(normalized(r, (s) => s)));
            for (const field of new Set([...a.keys(), ...b.keys()]))
                if (a.get(field) !== b.get(field)) differences.push(`${r.name}${field}: ${a.get(field)} -> ${b.get(field)}`);
        }
        const boundary = (name: string) =>
            `${name}.permissionsBoundary: "arn:aws:iam::123456789012:policy/demo-pr-7-boundary" -> "arn:aws:iam::123456789012:policy/demo-preview-boundary"`;
        assert.deepEqual(
            differences.sort(),
            [
                `demo-pr-7-alarms-topic.kmsMasterKeyId: "alias/demo-pr-7-alarms" -> "alias/demo-preview-alarms"`,
                `demo-pr-7-api-logs.retentionInDays: 7 -> 3`,
                `demo-pr-7-api-scaling.maxCapacity: 2 -> 1`,
                boundary("demo-pr-7-api-execution"),
                boundary("demo-pr-7-api-task"),
                `demo-pr-7-monitoring-endpoint-check-logs.retentionInDays: 7 -> 3`,
                boundary("demo-pr-7-monitoring-endpoint-check"),
                boundary("demo-pr-7-monitoring-endpoint-check-schedule"),
                `demo-pr-7-private-0.cidrBlock: "10.10.16.0/20" -> "10.50.16.0/20"`,
                `demo-pr-7-private-1.cidrBlock: "10.10.32.0/20" -> "10.50.32.0/20"`,
                `demo-pr-7-public-0.cidrBlock: "10.10.0.0/24" -> "10.50.0.0/24"`,
                `demo-pr-7-public-1.cidrBlock: "10.10.1.0/24" -> "10.50.1.0/24"`,
                `demo-pr-7-vpc.cidrBlock: "10.10.0.0/16" -> "10.50.0.0/16"`,
                boundary("demo-pr-7-web-execution"),
                `demo-pr-7-web-logs.retentionInDays: 7 -> 3`,
                `demo-pr-7-web-scaling.maxCapacity: 2 -> 1`,
                boundary("demo-pr-7-web-task"),
            ].sort(),
        );
    });

    it("serves pr-7.example.org (web, proxied) and pr-7-api.example.org (api's NLB, not proxied), and no other name", () => {
        const records = pr.graph.ofType("cloudflare:index/dnsRecord:DnsRecord").filter((r) => !/_[0-9a-f]{32}\./.test(String(r.inputs.name)));
        assert.deepEqual(records.map((r) => [r.inputs.name, r.inputs.proxied]).sort(), [
            ["pr-7-api.example.org", false],
            ["pr-7.example.org", true],
        ]);
    });

    it("runs like the product at the preview tier's price: one Spot task per service, no NAT gateway, db.t4g.micro Single-AZ, nothing protected", () => {
        const services = pr.graph.ofType("aws:ecs/service:Service");
        assert.equal(services.length, 2);
        for (const s of services) {
            assert.equal(s.inputs.desiredCount, 1, s.name);
            assert.deepEqual(s.inputs.capacityProviderStrategies, [{ capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 }], s.name);
        }
        assert.equal(pr.graph.ofType("aws:ec2/natGateway:NatGateway").length, 0);
        const [db] = pr.graph.ofType("aws:rds/instance:Instance");
        assert.equal(db.inputs.instanceClass, "db.t4g.micro");
        assert.equal(db.inputs.multiAz, false);
        assert.equal(db.inputs.deletionProtection, false);
        assert.equal(db.inputs.skipFinalSnapshot, true);
        assert.deepEqual(
            pr.graph.all.filter((r) => r.protect).map((r) => r.name),
            [],
        );
    });

    it("reads its origin header from the previews' shared parameter, which the bootstrap writes for pr-*.example.org", () => {
        assert.deepEqual(
            pr.invokes.filter((i) => i.token === "aws:ssm/getParameter:getParameter").map((i) => i.args.name),
            ["/demo/preview/edge/origin-hosts", "/demo/preview/edge/origin-secret"],
        );
    });
});

// ---- The commands against fake pulumi, gh and aws ----

interface FakeStack {
    lastUpdate?: string;
    tags: Record<string, string>;
    updateInProgress?: boolean;
}

/** `pulumi`, `gh` and `aws` as the commands use them, with the state a real backend, repository and registry would keep. */
class FakeClis {
    readonly stacks = new Map<string, FakeStack>();
    readonly comments: { id: number; pr: number; body: string }[] = [];
    readonly pulls = new Map<number, "open" | "closed">();
    readonly calls: string[][] = [];
    failUp?: string;
    readonly failDestroy = new Set<string>();
    /** Repositories without the pull request's image yet. */
    readonly missingImages = new Set<string>();
    private nextComment = 9001;

    constructor(readonly now: () => Date) {}

    readonly run: Runner = async (command, args) => {
        this.calls.push([command, ...args]);
        const ok = (stdout = ""): RunResult => ({ code: 0, stdout, stderr: "" });
        const stackOf = () => args[args.indexOf("--stack") + 1];
        if (command === "pulumi") {
            const verb = args.slice(0, 2).join(" ");
            if (verb === "stack ls")
                return ok(
                    JSON.stringify(
                        [...this.stacks].map(([name, s]) => ({
                            name,
                            current: false,
                            lastUpdate: s.lastUpdate,
                            updateInProgress: s.updateInProgress ?? false,
                        })),
                    ),
                );
            if (verb === "stack init") {
                if (this.stacks.has(args[2])) return { code: 255, stdout: "", stderr: `error: stack '${args[2]}' already exists` };
                this.stacks.set(args[2], { tags: {} });
                return ok(`Created stack '${args[2]}'\n`);
            }
            if (verb === "stack tag" && args[2] === "set") {
                (this.stacks.get(stackOf()) as FakeStack).tags[args[3]] = args[4];
                return ok();
            }
            if (verb === "stack tag" && args[2] === "ls") return ok(JSON.stringify(this.stacks.get(stackOf())?.tags ?? {}));
            if (verb === "config refresh") return this.stacks.has(stackOf()) ? ok() : { code: 255, stdout: "", stderr: "error: no stack" };
            if (args[0] === "up") {
                const s = this.stacks.get(stackOf());
                if (!s) return { code: 255, stdout: "", stderr: `error: no stack named '${stackOf()}' found` };
                if (this.failUp) return { code: 255, stdout: "", stderr: this.failUp };
                s.lastUpdate = this.now().toISOString();
                return ok("Resources: 158 created\n");
            }
            if (args[0] === "destroy") {
                if (this.failDestroy.has(stackOf())) return { code: 255, stdout: "", stderr: "error: deleting ELBv2 Load Balancer: ResourceInUse" };
                this.stacks.delete(stackOf());
                return ok("The resources in the stack have been deleted, and the stack has been removed.\n");
            }
        }
        if (command === "gh" && args[0] === "api") {
            const method = args[1] === "--method" ? args[2] : "GET";
            const route = method === "GET" ? args[1] : args[3];
            const body = args.find((a) => a.startsWith("body="))?.slice(5);
            let m = /^repos\/example-org\/shipyard\/issues\/(\d+)\/comments$/.exec(route);
            if (m && method === "GET")
                return ok(
                    this.comments
                        .filter((c) => c.pr === Number(m?.[1]) && c.body.startsWith(COMMENT_MARKER))
                        .map((c) => `${c.id}\n`)
                        .join(""),
                );
            if (m && method === "POST") {
                this.comments.push({ id: this.nextComment++, pr: Number(m[1]), body: body as string });
                return ok("{}");
            }
            m = /^repos\/example-org\/shipyard\/issues\/comments\/(\d+)$/.exec(route);
            if (m && method === "PATCH") {
                (this.comments.find((c) => c.id === Number(m?.[1])) as { body: string }).body = body as string;
                return ok("{}");
            }
            m = /^repos\/example-org\/shipyard\/pulls\/(\d+)$/.exec(route);
            if (m) return ok(`${this.pulls.get(Number(m[1])) ?? "open"}\n`);
        }
        if (command === "aws" && args[0] === "ecr" && args[1] === "describe-images") {
            const repository = args[args.indexOf("--repository-name") + 1];
            const digest = { "demo-web": WEB_DIGEST, "demo-api": API_DIGEST }[repository];
            if (!digest || args[args.indexOf("--image-ids") + 1] !== `imageTag=pr-${SHA}` || this.missingImages.has(repository))
                return { code: 254, stdout: "", stderr: "An error occurred (ImageNotFoundException) when calling the DescribeImages operation: not found" };
            return ok(JSON.stringify({ imageDetails: [{ imageDigest: digest, imageTags: [`pr-${SHA}`] }] }));
        }
        throw new Error(`the fake has no answer for ${command} ${args.join(" ")}`);
    };

    commentsOf(pr: number): string[] {
        return this.comments.filter((c) => c.pr === pr).map((c) => c.body);
    }
}

/** The calls of a first deploy, by their first three words: list, create, two digests, tag, up, find and post the comment. */
const FIRST_DEPLOY_CALLS = [
    "pulumi stack ls",
    "pulumi stack init",
    "aws ecr describe-images",
    "aws ecr describe-images",
    "pulumi stack tag",
    "pulumi up --yes",
    "gh api repos/example-org/shipyard/issues/7/comments",
    "gh api --method",
];

function harness(start = "2026-12-04T08:00:00Z") {
    let now = new Date(start);
    const clis = new FakeClis(() => now);
    const files = new Map<string, string>([
        ["Pulumi.alpha.yaml", ALPHA],
        [PREVIEW_SETTINGS_FILE, JSON.stringify(PREVIEW_DEFAULTS)],
        ["release/images.json", JSON.stringify({ web: "app", api: "app" })],
    ]);
    let out = "";
    let err = "";
    const deps: PreviewDeps = {
        readFile: (f) => files.get(f),
        writeFile: (f, t) => void files.set(f, t),
        run: clis.run,
        now: () => now,
        // $104.88 a month: $3.45 a day.
        estimateMonthlyUsd: async () => 104.88,
        out: (t) => void (out += t),
        err: (t) => void (err += t),
    };
    return {
        clis,
        files,
        deps,
        out: () => out,
        err: () => err,
        at: (iso: string) => void (now = new Date(iso)),
        deploy: (pr: number, extra: string[] = []) => runPreviewCli([...deployArgs(pr), ...extra], deps),
    };
}

describe("previews: npm run preview -- deploy, against fake pulumi, gh and aws", () => {
    it("GIVEN a pull request without a preview WHEN deployed THEN the stack is created with the commit's digests, tagged with its creation time, brought up, and the pull request told its URLs and daily cost", async () => {
        const h = harness();
        assert.equal(await h.deploy(7, ["--run-url", "https://github.com/example-org/shipyard/actions/runs/1"]), PREVIEW_EXIT.OK);
        assert.deepEqual(
            h.clis.calls.map((c) => c.slice(0, 3).join(" ")),
            FIRST_DEPLOY_CALLS,
        );
        assert.deepEqual(h.clis.calls[1], ["pulumi", "stack", "init", "pr-7", "--secrets-provider", PROVIDER]);
        assert.deepEqual(h.clis.calls[4], ["pulumi", "stack", "tag", "set", CREATED_TAG, "2026-12-04T08:00:00.000Z", "--stack", "pr-7"]);
        const services = configOf(h.files.get("Pulumi.pr-7.yaml") as string)["shipyard:services"] as Record<string, { image: string }>;
        assert.equal(services.web.image, `${REGISTRY}/demo-web@${WEB_DIGEST}`);
        assert.equal(services.api.image, `${REGISTRY}/demo-api@${API_DIGEST}`);
        assert.equal(h.out(), "https://pr-7.example.org\npr-7-api.example.org:443\n");
        const [body] = h.clis.commentsOf(7);
        assert.equal(h.clis.commentsOf(7).length, 1);
        assert.ok(
            body.startsWith(
                `${COMMENT_MARKER}\n**Preview \`pr-7\`** of 3f78685 is up ([workflow run](https://github.com/example-org/shipyard/actions/runs/1)).`,
            ),
            body,
        );
        assert.ok(body.includes("| web | https://pr-7.example.org |\n| api | pr-7-api.example.org:443 |"), body);
        assert.ok(body.includes("Estimated cost while idle: **$3.45 a day**"), body);
        assert.ok(body.includes("expires 3 days after its first deploy or after 1 day without a push"), body);
    });

    it("GIVEN a preview WHEN the pull request gets a push THEN the same stack is updated, its creation time kept, and the one comment edited", async () => {
        const h = harness();
        await h.deploy(7);
        h.at("2026-12-04T10:00:00Z");
        const before = h.clis.calls.length;
        assert.equal(await h.deploy(7), PREVIEW_EXIT.OK);
        const calls = h.clis.calls.slice(before).map((c) => c.slice(0, 3).join(" "));
        assert.equal(calls.filter((c) => c === "pulumi stack init" || c === "pulumi stack tag").length, 0);
        assert.equal(h.clis.stacks.get("pr-7")?.tags[CREATED_TAG], "2026-12-04T08:00:00.000Z");
        assert.equal(h.clis.stacks.get("pr-7")?.lastUpdate, "2026-12-04T10:00:00.000Z");
        assert.equal(h.clis.commentsOf(7).length, 1);
        assert.ok(h.clis.calls.some((c) => c[0] === "gh" && c[3] === "PATCH"));
    });

    it("GIVEN a fresh checkout of an existing preview THEN its configuration is refreshed from the last deployment first (the secrets provider's key), then kept in the new stack file", async () => {
        const h = harness();
        h.clis.stacks.set("pr-7", { tags: { [CREATED_TAG]: "2026-12-04T07:00:00.000Z" }, lastUpdate: "2026-12-04T07:00:00.000Z" });
        const runOriginal = h.clis.run;
        // What pulumi config refresh writes: the stack file of the last deployment, with the provider's key.
        const deps: PreviewDeps = {
            ...h.deps,
            run: async (c, a) => {
                const r = await runOriginal(c, a);
                if (c === "pulumi" && a[0] === "config" && a[1] === "refresh")
                    h.files.set(
                        "Pulumi.pr-7.yaml",
                        "secretsprovider: awskms://alias/demo-pulumi-preview?region=eu-west-1\nencryptedkey: AQICAHh=\nconfig: {}\n",
                    );
                return r;
            },
        };
        assert.equal(await runPreviewCli(["deploy", "--pr", "7", "--sha", SHA, "--repository", REPO], deps), PREVIEW_EXIT.OK);
        assert.deepEqual(h.clis.calls[1], ["pulumi", "config", "refresh", "--force", "--stack", "pr-7"]);
        const file = parse(h.files.get("Pulumi.pr-7.yaml") as string) as Record<string, unknown>;
        assert.equal(file.secretsprovider, PROVIDER);
        assert.equal(file.encryptedkey, "AQICAHh=");
        assert.equal((file.config as Config)["shipyard:tier"], "preview");
    });

    it("GIVEN the offline plan fails WHEN deployed THEN the preview is still reported up, with its cost unknown and why", async () => {
        const h = harness();
        const deps: PreviewDeps = { ...h.deps, estimateMonthlyUsd: () => Promise.reject(new Error("no price table for eu-south-2\nmore")) };
        assert.equal(await runPreviewCli(deployArgs(), deps), PREVIEW_EXIT.OK);
        assert.ok(
            h.clis.commentsOf(7)[0].includes("Estimated cost while idle: unknown (the offline plan failed: no price table for eu-south-2)."),
            h.clis.commentsOf(7)[0],
        );
    });

    it("GIVEN no secrets provider WHEN a new preview is deployed THEN no stack is made and the comment says which variable to set", async () => {
        const h = harness();
        assert.equal(await runPreviewCli(["deploy", "--pr", "7", "--sha", SHA, "--repository", REPO], h.deps), PREVIEW_EXIT.FAILED);
        assert.deepEqual(
            h.clis.calls.filter((c) => c[0] === "pulumi").map((c) => c.slice(1, 3).join(" ")),
            ["stack ls"],
        );
        assert.ok(h.clis.commentsOf(7)[0].includes("a new preview needs --secrets-provider"), h.clis.commentsOf(7)[0]);
        assert.ok(h.clis.commentsOf(7)[0].includes("PREVIEW_SECRETS_PROVIDER"));
    });

    it("GIVEN pulumi up fails WHEN deployed THEN the comment says the preview failed to deploy, with pulumi's error, and the command fails", async () => {
        const h = harness();
        h.clis.failUp =
            "error: update failed: creating ECS Service (demo-pr-7-web-service): InvalidParameterException: The target group does not have an associated load balancer.";
        assert.equal(await h.deploy(7, ["--run-url", "https://github.com/example-org/shipyard/actions/runs/2"]), PREVIEW_EXIT.FAILED);
        const [body] = h.clis.commentsOf(7);
        assert.ok(
            body.startsWith(
                `${COMMENT_MARKER}\n**Preview \`pr-7\` failed to deploy** 3f78685 ([workflow run](https://github.com/example-org/shipyard/actions/runs/2)):`,
            ),
            body,
        );
        assert.ok(body.includes("InvalidParameterException: The target group does not have an associated load balancer."), body);
        assert.ok(!body.includes("is up"), body);
        assert.match(h.err(), /^preview: pulumi up --yes --non-interactive failed \(exit 255\)/m);
    });

    it("GIVEN the commit has no image of a service WHEN deployed THEN nothing is brought up and the comment says which image is missing", async () => {
        const h = harness();
        const other = "0".repeat(40);
        assert.equal(await runPreviewCli(deployArgs(7, other), h.deps), PREVIEW_EXIT.IMAGE_NOT_FOUND);
        assert.equal(h.clis.calls.filter((c) => c[0] === "pulumi" && c[1] === "up").length, 0);
        assert.ok(
            h.clis
                .commentsOf(7)[0]
                .includes(`image demo-web:pr-${other} not found (registry 123456789012, region eu-west-1): the preview workflow's build step pushes it`),
        );
    });

    it("GIVEN maxPreviews (5) previews exist WHEN a sixth pull request is labelled THEN no stack is made and its comment says why and what to do", async () => {
        const h = harness();
        for (const n of [1, 2, 3, 4, 5]) h.clis.stacks.set(`pr-${n}`, { tags: {} });
        h.clis.stacks.set("alpha", { tags: {} });
        assert.equal(await h.deploy(7), PREVIEW_EXIT.CAP_REACHED);
        assert.deepEqual(
            h.clis.calls.filter((c) => c[0] === "pulumi").map((c) => c.slice(1, 3).join(" ")),
            ["stack ls"],
        );
        assert.equal(
            h.clis.commentsOf(7)[0],
            `${COMMENT_MARKER}\n**No preview for this pull request:** 5 previews exist already (#1, #2, #3, #4, #5), the most release/previews.json allows (maxPreviews 5). Remove the \`preview\` label from another pull request or close it, then push or label this one again; previews also expire after 3 days, or 1 day without a push.`,
        );
    });

    it("GIVEN maxPreviews previews exist, this pull request's among them WHEN it gets a push THEN its preview is updated", async () => {
        const h = harness();
        for (const n of [1, 2, 3, 4, 7]) h.clis.stacks.set(`pr-${n}`, { tags: {} });
        h.files.set("Pulumi.pr-7.yaml", "config: {}\n");
        assert.equal(await h.deploy(7), PREVIEW_EXIT.OK);
    });

    for (const [argv, message] of [
        [["deploy", "--pr", "x", "--sha", SHA, "--repository", REPO], '--pr "x" must be a pull request number'],
        [["deploy", "--pr", "7", "--sha", "abc", "--repository", REPO], "--sha"],
        [["deploy", "--pr", "7", "--sha", SHA, "--repository", "not a repo"], '--repository "not a repo" must be owner/name'],
        [["deploy", "--pr", "7", "--sha", SHA], "--repository is required"],
        [["teardown"], 'unknown command "teardown"'],
    ] as const) {
        it(`refuses ${argv.join(" ")} with exit 2 before calling anything`, async () => {
            const h = harness();
            assert.equal(await runPreviewCli(argv, h.deps), PREVIEW_EXIT.USAGE);
            assert.ok(h.err().includes(message), h.err());
            assert.deepEqual(h.clis.calls, []);
        });
    }
});

describe("previews: npm run preview -- build-plan, against a fake aws", () => {
    it("GIVEN the commit's web image in ECR and not api's THEN only api is to build, from its context, tagged pr-<sha> in its repository", async () => {
        const h = harness();
        h.clis.missingImages.add("demo-api");
        assert.equal(await runPreviewCli(["build-plan", "--sha", SHA], h.deps), PREVIEW_EXIT.OK);
        assert.deepEqual(JSON.parse(h.out()), [{ service: "api", context: "app", ref: `${REGISTRY}/demo-api:pr-${SHA}` }]);
        assert.deepEqual(
            h.clis.calls.map((c) => c[c.indexOf("--image-ids") + 1]),
            [`imageTag=pr-${SHA}`, `imageTag=pr-${SHA}`],
        );
    });

    it("GIVEN a service of alpha without a build context THEN it fails naming the file and the service", async () => {
        const h = harness();
        h.files.set("release/images.json", JSON.stringify({ web: "app" }));
        assert.equal(await runPreviewCli(["build-plan", "--sha", SHA], h.deps), PREVIEW_EXIT.FAILED);
        assert.match(h.err(), /release\/images\.json has no build context for api, a service of Pulumi\.alpha\.yaml/);
    });
});

describe("previews: npm run preview -- destroy and sweep, against fake pulumi and gh", () => {
    it("GIVEN a preview WHEN its pull request closes THEN the stack is destroyed and removed, and the pull request told", async () => {
        const h = harness();
        await h.deploy(7);
        assert.equal(await runPreviewCli(["destroy", "--pr", "7", "--repository", REPO], h.deps), PREVIEW_EXIT.OK);
        assert.equal(h.clis.stacks.has("pr-7"), false);
        assert.deepEqual(h.clis.calls.filter((c) => c[0] === "pulumi").slice(-2), [
            ["pulumi", "config", "refresh", "--force", "--stack", "pr-7"],
            ["pulumi", "destroy", "--yes", "--non-interactive", "--skip-preview", "--remove", "--stack", "pr-7"],
        ]);
        assert.equal(h.clis.commentsOf(7).length, 1);
        assert.equal(h.clis.commentsOf(7)[0], `${COMMENT_MARKER}\nPreview \`pr-7\` destroyed: the pull request was closed or its \`preview\` label removed.`);
    });

    it("GIVEN no preview WHEN the pull request closes THEN nothing is destroyed and nobody is told", async () => {
        const h = harness();
        assert.equal(await runPreviewCli(["destroy", "--pr", "8", "--repository", REPO], h.deps), PREVIEW_EXIT.OK);
        assert.deepEqual(h.clis.calls, [["pulumi", "stack", "ls", "--json"]]);
        assert.deepEqual(h.clis.comments, []);
    });

    it("GIVEN four previews WHEN swept THEN the closed one, the one past 3 days and the one idle past a day are destroyed with their reason, the fresh one and other stacks kept", async () => {
        const h = harness("2026-12-01T08:00:00Z");
        await h.deploy(1); // created 3 days and 1 hour before the sweep
        h.at("2026-12-03T09:00:00Z");
        await h.deploy(1); // pushed yesterday: not idle, but too old
        h.at("2026-12-03T07:00:00Z");
        await h.deploy(2); // idle: 26 hours without a push
        h.at("2026-12-04T06:00:00Z");
        await h.deploy(3); // fresh, but its pull request is closed
        await h.deploy(4); // fresh and open
        h.clis.stacks.set("alpha", { tags: {}, lastUpdate: "2026-11-01T00:00:00.000Z" });
        h.clis.pulls.set(3, "closed");
        h.at("2026-12-04T09:00:00Z");
        const before = h.out().length;
        assert.equal(await runPreviewCli(["sweep", "--repository", REPO], h.deps), PREVIEW_EXIT.OK);
        assert.equal(
            h.out().slice(before),
            [
                "pr-1 destroyed: older than 3 days (ttlDays)",
                "pr-2 destroyed: no deploy for 1 day (idleDays)",
                "pr-3 destroyed: its pull request is closed",
                "pr-4 kept",
                "",
            ].join("\n"),
        );
        assert.deepEqual([...h.clis.stacks.keys()].sort(), ["alpha", "pr-4"]);
        assert.equal(h.clis.commentsOf(1)[0], `${COMMENT_MARKER}\nPreview \`pr-1\` destroyed: older than 3 days (ttlDays).`);
        assert.equal(h.clis.commentsOf(2)[0], `${COMMENT_MARKER}\nPreview \`pr-2\` destroyed: no deploy for 1 day (idleDays).`);
    });

    it("GIVEN ttlDays 1 in release/previews.json WHEN swept THEN a preview a day and an hour old is destroyed", async () => {
        const h = harness("2026-12-03T08:00:00Z");
        h.files.set(PREVIEW_SETTINGS_FILE, '{"ttlDays": 1, "idleDays": 2}');
        await h.deploy(5);
        h.at("2026-12-04T07:00:00Z");
        await h.deploy(5);
        h.at("2026-12-04T09:00:00Z");
        assert.equal(await runPreviewCli(["sweep", "--repository", REPO], h.deps), PREVIEW_EXIT.OK);
        assert.equal(h.clis.stacks.has("pr-5"), false);
        assert.ok(h.out().endsWith("pr-5 destroyed: older than 1 days (ttlDays)\n"), h.out());
    });

    it("GIVEN a deploy running on a preview WHEN swept THEN it is kept, whatever its age", async () => {
        const h = harness();
        h.clis.stacks.set("pr-9", { tags: { [CREATED_TAG]: "2026-11-01T00:00:00.000Z" }, updateInProgress: true });
        assert.equal(await runPreviewCli(["sweep", "--repository", REPO], h.deps), PREVIEW_EXIT.OK);
        assert.equal(h.out(), "pr-9 kept: a deploy is running\n");
        assert.ok(h.clis.stacks.has("pr-9"));
    });

    it("GIVEN one expired preview fails to destroy WHEN swept THEN the others are still destroyed, its pull request is told, and the sweep fails", async () => {
        const h = harness("2026-11-20T00:00:00Z");
        await h.deploy(1);
        await h.deploy(2);
        h.clis.failDestroy.add("pr-1");
        h.at("2026-12-04T09:00:00Z");
        assert.equal(await runPreviewCli(["sweep", "--repository", REPO], h.deps), PREVIEW_EXIT.FAILED);
        assert.deepEqual([...h.clis.stacks.keys()], ["pr-1"]);
        assert.ok(h.clis.commentsOf(1)[0].includes("could not be destroyed"), h.clis.commentsOf(1)[0]);
        assert.ok(h.clis.commentsOf(1)[0].includes("ResourceInUse"));
        assert.match(h.err(), /preview: pr-1: pulumi destroy --yes --non-interactive failed/);
    });

    it("list prints the previews as JSON, without other stacks", async () => {
        const h = harness();
        h.clis.stacks.set("alpha", { tags: {} });
        h.clis.stacks.set("pr-12", { tags: {}, lastUpdate: "2026-12-04T07:00:00.000Z" });
        assert.equal(await runPreviewCli(["list"], h.deps), PREVIEW_EXIT.OK);
        assert.deepEqual(JSON.parse(h.out()), [{ stack: "pr-12", pr: 12, lastUpdate: "2026-12-04T07:00:00.000Z" }]);
    });
});

describe("previews: npm run preview as the workflow runs it, with fake pulumi, gh and aws on PATH", function () {
    this.timeout(120_000);

    it("GIVEN pull request #7 WHEN deploy runs THEN it writes Pulumi.pr-7.yaml with the commit's digests and comments the URLs and the idle daily cost of its offline plan", async () => {
        const dir = previewStackDir("pr-7", 7);
        fs.rmSync(path.join(dir, "Pulumi.pr-7.yaml"));
        fs.copyFileSync(path.join(FIXTURES, "Pulumi.alpha.yaml"), path.join(dir, "Pulumi.alpha.yaml"));
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "preview-bin-"));
        const log = path.join(bin, "calls");
        const fake = (name: string, body: string) =>
            fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
        fake("pulumi", `case "$1 $2" in "stack ls") echo '[]';; esac; exit 0`);
        fake(
            "gh",
            `if [ "$2" = "--method" ]; then for a in "$@"; do case "$a" in body=*) printf '%s' "\${a#body=}" > "${bin}/comment";; esac; done; echo '{}'; fi; exit 0`,
        );
        fake(
            "aws",
            `repo=""; prev=""; for a in "$@"; do if [ "$prev" = "--repository-name" ]; then repo="$a"; fi; prev="$a"; done
if [ "$repo" = demo-web ]; then d=${WEB_DIGEST}; else d=${API_DIGEST}; fi
echo "{\\"imageDetails\\":[{\\"imageDigest\\":\\"$d\\",\\"imageTags\\":[\\"${SHA}\\"]}]}"`,
        );
        try {
            const { spawnSync } = await import("child_process");
            const r = spawnSync(
                process.execPath,
                ["-r", path.join(__dirname, "..", "scripts", "register.js"), path.join(__dirname, "..", "scripts", "preview.ts"), ...deployArgs()],
                { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, SHIPYARD_STACK_CONFIG_DIR: dir }, encoding: "utf8" },
            );
            assert.equal(r.status, 0, r.stderr);
            // One line a call; a comment's body spans more lines, which start with no command's name.
            const calls = fs
                .readFileSync(log, "utf8")
                .trim()
                .split("\n")
                .filter((l) => /^(pulumi|gh|aws) /.test(l));
            assert.deepEqual(
                calls.map((c) => c.split(" ").slice(0, 3).join(" ")),
                FIRST_DEPLOY_CALLS,
            );
            const services = configOf(fs.readFileSync(path.join(dir, "Pulumi.pr-7.yaml"), "utf8"))["shipyard:services"] as Record<string, { image: string }>;
            assert.equal(services.web.image, `${REGISTRY}/demo-web@${WEB_DIGEST}`);
            // The cost of the preview as planned offline from the file the command wrote.
            const { estimateCost } = await import("../cost/estimate");
            const planned = await runStack("pr-7", { stackDir: dir, fresh: true });
            const daily = estimateCost(planned.graph.all, { region: "eu-west-1" }).totalUsd / 30.4375;
            assert.ok(daily > 1 && daily < 10, `${daily} USD a day`);
            const comment = fs.readFileSync(path.join(bin, "comment"), "utf8");
            assert.ok(comment.includes(`Estimated cost while idle: **$${daily.toFixed(2)} a day**`), comment);
            assert.ok(comment.includes("| web | https://pr-7.example.org |"), comment);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });
});

describe("previews: the settings' bootstrapEnvironment and the origin hosts' patterns", () => {
    it("GIVEN bootstrapEnvironment Preview! THEN the stack is refused, naming the stack, the key, the value and the rule", async () => {
        const { buildSettings } = await import("../stacks/settings");
        const { stackConfig } = await import("../offline/stackConfig");
        const raw = stackConfig("alpha", { set: { bootstrapEnvironment: "Preview!" } }, undefined, FIXTURES);
        assert.throws(
            () => buildSettings("alpha", raw),
            (e: Error) =>
                e.message.includes('stack "alpha"') &&
                e.message.includes('key shipyard:bootstrapEnvironment = "Preview!": a stack name is 2 to 16') &&
                e.message.includes("unset, the stack's own name"),
        );
        assert.equal(buildSettings("alpha", stackConfig("alpha", {}, undefined, FIXTURES)).bootstrapEnv, "alpha");
        assert.equal(
            buildSettings("alpha", stackConfig("alpha", { set: { bootstrapEnvironment: "preview" } }, undefined, FIXTURES)).permissionsBoundaryArn,
            "arn:aws:iam::123456789012:policy/demo-preview-boundary",
        );
    });

    it("matches pr-*.<zone> to one label's preview hosts, and nothing outside the zone", async () => {
        const { hostMatches } = await import("../stacks/lookups");
        assert.equal(hostMatches("pr-*.example.org", "pr-7.example.org"), true);
        assert.equal(hostMatches("pr-*.example.org", "pr-7-api.example.org"), true);
        assert.equal(hostMatches("pr-*.example.org", "pr-.example.org"), false);
        assert.equal(hostMatches("pr-*.example.org", "pr-7.api.example.org"), false);
        assert.equal(hostMatches("pr-*.example.org", "pr-7.example.org.evil.com"), false);
        assert.equal(hostMatches("pr-*.example.org", "alpha.example.org"), false);
        assert.equal(hostMatches("alpha.example.org", "alpha.example.org"), true);
    });
});
