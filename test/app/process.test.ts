/**
 * The real entry points as child processes, run from plain JavaScript
 * transpiled from app/src (the same files the image runs from dist/).
 */

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";

import { type RunningServer, startServer } from "../../app/src/server";
import { type ChildRun, HOST, LogCollector, freePort, httpRequest, reap, runNode, transpileAppTo } from "./support";

describe("sample-app processes (node main.js / node healthcheck.js)", function () {
    this.timeout(5_000);

    let dist = "";
    const children: ChildRun[] = [];
    const servers: RunningServer[] = [];
    const plainServers: http.Server[] = [];

    before(() => {
        dist = transpileAppTo();
    });

    after(() => {
        if (dist !== "") fs.rmSync(dist, { recursive: true, force: true });
    });

    afterEach(async () => {
        await Promise.all(children.splice(0).map((run) => reap(run)));
        await Promise.all(servers.splice(0).map((app) => app.close()));
        await Promise.all(
            plainServers.splice(0).map(
                (server) =>
                    new Promise<void>((resolve) => {
                        server.closeAllConnections();
                        server.close(() => resolve());
                    }),
            ),
        );
    });

    function node(script: string, env: Record<string, string>): ChildRun {
        const run = runNode(path.join(dist, script), env);
        children.push(run);
        return run;
    }

    describe("main.js", () => {
        for (const signal of ["SIGTERM", "SIGINT"] as const) {
            it(`GIVEN the service started with PORT set WHEN it gets ${signal} THEN it logs the shutdown and exits 0`, async () => {
                const port = await freePort();
                const run = node("main.js", { PORT: String(port), APP_ENV: "gamma", LOG_LEVEL: "info", APP_VERSION: "abc123" });

                const started = await run.waitForRecord((r) => r.msg === "server started", 4_000);
                const health = await httpRequest(port, "/health");
                const info = await httpRequest(port, "/");
                run.child.kill(signal);
                const exit = await run.exited;

                assert.equal(started.port, port);
                assert.equal(started.environment, "gamma");
                assert.equal(health.status, 200);
                assert.equal(health.body, '{"status":"ok"}');
                assert.equal(info.body, '{"service":"sample-app","environment":"gamma","version":"abc123"}');
                assert.deepEqual(exit, { code: 0, signal: null });
                assert.deepEqual(
                    run.records().map((r) => [r.level, r.msg, r.reason]),
                    [
                        ["info", "server started", undefined],
                        ["info", "shutdown started", signal],
                        ["info", "shutdown complete", undefined],
                    ],
                );
                assert.equal(run.stderr(), "");
            });
        }

        it("GIVEN PORT=not-a-port WHEN the service starts THEN it logs a JSON error and exits 1", async () => {
            const run = node("main.js", { PORT: "not-a-port" });

            const exit = await run.exited;

            assert.deepEqual(exit, { code: 1, signal: null });
            const records = run.records();
            assert.equal(records.length, 1, run.stdout());
            assert.equal(records[0]?.level, "error");
            assert.equal(records[0]?.msg, "invalid PORT: expected an integer from 0 to 65535");
        });

        it('GIVEN PORT already in use WHEN the service starts THEN it logs "failed to start" with EADDRINUSE and exits 1', async () => {
            const occupant = http.createServer();
            plainServers.push(occupant);
            await new Promise<void>((resolve) => occupant.listen(0, HOST, resolve));
            const { port } = occupant.address() as { port: number };
            const run = node("main.js", { PORT: String(port) });

            const exit = await run.exited;

            assert.deepEqual(exit, { code: 1, signal: null });
            const records = run.records();
            assert.equal(records.length, 1, run.stdout());
            assert.equal(records[0]?.level, "error");
            assert.equal(records[0]?.msg, "failed to start");
            assert.match(String((records[0]?.err as Record<string, unknown>).message), /EADDRINUSE/);
        });

        it("GIVEN an invalid SHUTDOWN_TIMEOUT_MS WHEN the service starts THEN it exits 1 without echoing the value", async () => {
            const run = node("main.js", { PORT: "0", SHUTDOWN_TIMEOUT_MS: "soon-ish" });

            const exit = await run.exited;

            assert.deepEqual(exit, { code: 1, signal: null });
            assert.match(run.stdout(), /"msg":"invalid SHUTDOWN_TIMEOUT_MS: /);
            assert.ok(!run.stdout().includes("soon-ish"), run.stdout());
        });
    });

    describe("healthcheck.js", () => {
        it("GIVEN the service running on PORT WHEN the health check runs THEN it exits 0", async () => {
            const app = await startServer({ host: HOST, port: 0, logSink: new LogCollector() });
            servers.push(app);

            const run = node("healthcheck.js", { PORT: String(app.port) });
            const exit = await run.exited;

            assert.deepEqual(exit, { code: 0, signal: null });
            assert.equal(run.stdout(), "healthy: status 200\n");
        });

        it("GIVEN nothing listening on PORT WHEN the health check runs THEN it exits 1", async () => {
            const port = await freePort();

            const run = node("healthcheck.js", { PORT: String(port) });
            const exit = await run.exited;

            assert.deepEqual(exit, { code: 1, signal: null });
            assert.match(run.stderr(), /^unhealthy: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/);
        });

        it("GIVEN a server answering /health with 500 WHEN the health check runs THEN it exits 1", async () => {
            const requested: string[] = [];
            const broken = http.createServer((req, res) => {
                requested.push(`${req.method} ${req.url}`);
                res.writeHead(500).end('{"status":"broken"}');
            });
            plainServers.push(broken);
            await new Promise<void>((resolve) => broken.listen(0, HOST, resolve));
            const { port } = broken.address() as { port: number };

            const run = node("healthcheck.js", { PORT: String(port) });
            const exit = await run.exited;

            assert.deepEqual(exit, { code: 1, signal: null });
            assert.deepEqual(requested, ["GET /health"]);
            assert.equal(run.stderr(), "unhealthy: status 500\n");
        });

        it("GIVEN PORT=abc WHEN the health check runs THEN it exits 1", async () => {
            const run = node("healthcheck.js", { PORT: "abc" });
            const exit = await run.exited;

            assert.deepEqual(exit, { code: 1, signal: null });
            assert.equal(run.stderr(), "unhealthy: invalid PORT: expected an integer from 0 to 65535\n");
        });
    });
});
