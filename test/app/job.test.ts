/**
 * The sample job (dist/job.js, the committed stacks' nightly-report command) as a child process:
 * a run logs one line and exits 0, which the platform's state machine counts as success.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { runNode, transpileAppTo } from "./support";

describe("sample-app job (node job.js)", function () {
    this.timeout(5_000);
    let dist = "";
    before(() => {
        dist = transpileAppTo();
    });
    after(() => {
        if (dist !== "") fs.rmSync(dist, { recursive: true, force: true });
    });

    it("GIVEN the platform's variables WHEN run THEN it logs one JSON line naming its environment and exits 0", async () => {
        const run = runNode(path.join(dist, "job.js"), { APP_ENV: "alpha", LOG_LEVEL: "info", PORT: "8080", SERVICE_NAME: "nightly-report" });
        assert.deepEqual(await run.exited, { code: 0, signal: null });
        const records = run.records();
        assert.equal(records.length, 1, run.stdout());
        assert.deepEqual([records[0].level, records[0].msg, records[0].env], ["info", "job run", "alpha"]);
        assert.equal(run.stderr(), "");
    });

    it("GIVEN LOG_LEVEL warn WHEN run THEN it prints nothing and still exits 0", async () => {
        const run = runNode(path.join(dist, "job.js"), { APP_ENV: "alpha", LOG_LEVEL: "warn", PORT: "8080" });
        assert.deepEqual(await run.exited, { code: 0, signal: null });
        assert.equal(run.stdout(), "");
    });
});
