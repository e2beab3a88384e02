/**
 * test/teamReads.js (which test files read the team's files) and the adoption check's choice of the
 * test files to rerun on its edited copy from that log.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { testsToRerun } from "../scripts/adoption-check";

const ROOT = path.resolve(__dirname, "..");
const RECORDER = path.join(__dirname, "teamReads.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isTeamPath } = require(RECORDER) as { isTeamPath(p: string, listing?: boolean): boolean };

describe("which test files read the team's files (test/teamReads.js)", function () {
    this.timeout(20_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "team-reads-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("counts the committed stack files, the bootstrap's, release/images.json and their folders' listings; not Pulumi.yaml, the fixtures, the code or a folder's mere existence", () => {
        const team = ["Pulumi.live.yaml", "Pulumi.pr-42.yaml", "bootstrap/Pulumi.shared.yaml", "release/images.json", ".", "bootstrap", "release"];
        const other = [
            "Pulumi.yaml",
            "test/fixtures/Pulumi.live.yaml",
            "test/fixtures/bootstrap/Pulumi.shared.yaml",
            "bootstrap/index.ts",
            "release/README.md",
            "stacks",
            "package.json",
        ];
        assert.deepEqual(
            team.filter((f) => !isTeamPath(path.join(ROOT, f))),
            [],
        );
        assert.deepEqual(
            other.filter((f) => isTeamPath(path.join(ROOT, f))),
            [],
        );
        assert.deepEqual(
            [".", "bootstrap", "release", "Pulumi.live.yaml"].filter((f) => isTeamPath(path.join(ROOT, f), false)),
            ["Pulumi.live.yaml"],
        );
    });

    /** A Node process started as a test starts one, with the recorder on: what the log holds after. */
    function logOf(script: string, testFile: string | undefined): string[] {
        const log = path.join(dir, "reads.log");
        const env: NodeJS.ProcessEnv = { ...process.env, SHIPYARD_TEAM_READS_LOG: log, NODE_OPTIONS: `--require ${JSON.stringify(RECORDER)}` };
        if (testFile === undefined) delete env.SHIPYARD_TEST_FILE;
        else env.SHIPYARD_TEST_FILE = testFile;
        delete env.MOCHA_WORKER_ID;
        const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, env, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        return fs.existsSync(log)
            ? fs
                  .readFileSync(log, "utf8")
                  .split("\n")
                  .filter((l) => l !== "")
            : [];
    }

    it("GIVEN a process a test started, which starts another WHEN both read team and other files THEN each team read is logged once as that test file's", () => {
        const grandchild = `require("fs").readFileSync(${JSON.stringify(path.join(ROOT, "bootstrap", "Pulumi.shared.yaml"))})`;
        const script = [
            `const fs = require("fs");`,
            `fs.readFileSync(${JSON.stringify(path.join(ROOT, "Pulumi.live.yaml"))});`,
            `fs.readFileSync(${JSON.stringify(path.join(ROOT, "test", "fixtures", "Pulumi.live.yaml"))});`,
            `fs.readFileSync(${JSON.stringify(path.join(ROOT, "Pulumi.yaml"))});`,
            `const r = require("child_process").spawnSync(process.execPath, ["-e", ${JSON.stringify(grandchild)}]);`,
            `if (r.status !== 0) process.exit(1);`,
        ].join("\n");
        assert.deepEqual(logOf(script, "test/x.test.ts"), [
            `test/x.test.ts\t${path.join(ROOT, "Pulumi.live.yaml")}`,
            `test/x.test.ts\t${path.join(ROOT, "bootstrap", "Pulumi.shared.yaml")}`,
        ]);
    });

    it("GIVEN a process no test file is named for WHEN it lists the repository's folder THEN the read is logged as ?", () => {
        assert.deepEqual(logOf(`require("fs").readdirSync(${JSON.stringify(ROOT)})`, undefined), [`?\t${ROOT}`]);
    });

    it("GIVEN no team file read THEN nothing is logged", () => {
        assert.deepEqual(logOf(`require("fs").readFileSync(${JSON.stringify(path.join(ROOT, "package.json"))})`, "test/x.test.ts"), []);
    });
});

describe("the adoption check's test files for its copy (--reads)", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "team-reads-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const log = (lines: string[]) => {
        const file = path.join(dir, "reads.log");
        fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(""));
        return file;
    };

    it("GIVEN a whole run's log THEN the files that read the team's files, each once, sorted", () => {
        const file = log([
            "test/teamStacks.test.ts\t/r/Pulumi.live.yaml",
            "test/bootstrap.test.ts\t/r/bootstrap",
            "test/teamStacks.test.ts\t/r/Pulumi.alpha.yaml",
        ]);
        assert.deepEqual(testsToRerun(file).files, ["test/bootstrap.test.ts", "test/teamStacks.test.ts"]);
    });

    const whole: [string, string | undefined, RegExp][] = [
        ["no log", undefined, /no --reads log/],
        ["a log that does not exist", "/nonexistent/reads.log", /no log at/],
        ["a read no test file was named for", "?", /a read no test file was named for/],
        ["a log without test/teamStacks.test.ts", "partial", /not of a whole run/],
    ];
    for (const [given, kind, why] of whole) {
        it(`GIVEN ${given} THEN the whole suite, saying why`, () => {
            const file =
                kind === "?"
                    ? log(["test/teamStacks.test.ts\t/r/Pulumi.live.yaml", "?\t/r"])
                    : kind === "partial"
                      ? log(["test/bootstrap.test.ts\t/r/bootstrap"])
                      : kind;
            const r = testsToRerun(file);
            assert.equal(r.files, undefined);
            assert.match(r.why, why);
        });
    }
});
