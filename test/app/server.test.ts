import * as assert from "node:assert/strict";
import * as http from "node:http";

import { type RouteTable, type RunningServer, type ServerOptions, sendJson, startServer, startServerFromEnv } from "../../app/src/server";
import { Gate, HOST, LogCollector, type LogRecord, delay, httpRequest, openPartialRequest, type PendingRawRequest, rejectionOf } from "./support";

describe("sample-app server (in-process, 127.0.0.1:0)", function () {
    this.timeout(5_000);

    const servers: RunningServer[] = [];
    const gates: Gate[] = [];
    const rawRequests: PendingRawRequest[] = [];
    const agents: http.Agent[] = [];

    async function start(options: ServerOptions = {}): Promise<{ app: RunningServer; logs: LogCollector }> {
        const logs = new LogCollector();
        const app = await startServer({ host: HOST, port: 0, logSink: logs, ...options });
        servers.push(app);
        return { app, logs };
    }

    async function startFromEnv(env: Record<string, string>, routes?: RouteTable): Promise<{ app: RunningServer; logs: LogCollector }> {
        const logs = new LogCollector();
        const app = await startServerFromEnv({ PORT: "0", ...env }, { host: HOST, logSink: logs, routes });
        servers.push(app);
        return { app, logs };
    }

    /** A route whose GET handler stays in flight until the gate is released. */
    function gatedRoute(gate: Gate): RouteTable {
        gates.push(gate);
        return {
            "/slow": {
                GET: async (_req, res) => {
                    await gate.wait();
                    sendJson(res, 200, { slow: "done" });
                },
            },
        };
    }

    afterEach(async () => {
        gates.splice(0).forEach((gate) => gate.release());
        rawRequests.splice(0).forEach((raw) => raw.destroy());
        agents.splice(0).forEach((agent) => agent.destroy());
        await Promise.all(servers.splice(0).map((app) => app.close()));
    });

    describe("endpoints", () => {
        it('GIVEN a running server WHEN GET /health THEN it answers 200 with exactly {"status":"ok"} as JSON', async () => {
            const { app } = await start();

            const res = await httpRequest(app.port, "/health");

            assert.equal(res.status, 200);
            assert.equal(res.body, '{"status":"ok"}');
            assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
            assert.equal(res.headers["cache-control"], "no-store");
        });

        it("GIVEN a running server WHEN HEAD /health THEN it answers 200 with the GET length and no body", async () => {
            const { app } = await start();

            const res = await httpRequest(app.port, "/health", { method: "HEAD" });

            assert.equal(res.status, 200);
            assert.equal(res.body, "");
            assert.equal(res.headers["content-length"], String('{"status":"ok"}'.length));
        });

        it("GIVEN a query string WHEN GET /health?probe=1 THEN the path still matches and answers 200", async () => {
            const { app } = await start();

            const res = await httpRequest(app.port, "/health?probe=1");

            assert.equal(res.status, 200);
            assert.equal(res.body, '{"status":"ok"}');
        });

        it("GIVEN APP_ENV=beta and APP_VERSION=1.2.3 WHEN GET / THEN the body names the service, environment and version only", async () => {
            const { app } = await startFromEnv({ APP_ENV: "beta", APP_VERSION: "1.2.3", DB_PASSWORD: "hunter2" });

            const res = await httpRequest(app.port, "/");

            assert.equal(res.status, 200);
            assert.equal(res.body, '{"service":"sample-app","environment":"beta","version":"1.2.3"}');
        });

        it('GIVEN neither APP_ENV nor APP_VERSION WHEN GET / THEN environment is "local" and version "unknown"', async () => {
            const { app } = await startFromEnv({});

            const res = await httpRequest(app.port, "/");

            assert.equal(res.status, 200);
            assert.equal(res.body, '{"service":"sample-app","environment":"local","version":"unknown"}');
        });

        for (const path of ["/nope", "/health/", "/__proto__", "/constructor"]) {
            it(`GIVEN an unknown path WHEN GET ${path} THEN it answers 404 {"error":"not_found"}`, async () => {
                const { app } = await start();

                const res = await httpRequest(app.port, path);

                assert.equal(res.status, 404);
                assert.equal(res.body, '{"error":"not_found"}');
                assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
            });
        }

        for (const [method, path] of [
            ["POST", "/health"],
            ["DELETE", "/"],
            ["PUT", "/"],
        ] as const) {
            it(`GIVEN a known path WHEN ${method} ${path} THEN it answers 405 with Allow: GET, HEAD`, async () => {
                const { app } = await start();

                const res = await httpRequest(app.port, path, { method });

                assert.equal(res.status, 405);
                assert.equal(res.headers.allow, "GET, HEAD");
                assert.equal(res.body, '{"error":"method_not_allowed"}');
            });
        }

        it('GIVEN a route handler that throws WHEN it is requested THEN the client gets 500 {"error":"internal_error"} and an error is logged', async () => {
            const { app, logs } = await start({
                routes: {
                    "/boom": {
                        GET: () => {
                            throw new Error("kaput");
                        },
                    },
                },
            });

            const res = await httpRequest(app.port, "/boom");

            assert.equal(res.status, 500);
            assert.equal(res.body, '{"error":"internal_error"}');
            const failure = logs.records().find((r) => r.msg === "request handler failed");
            assert.ok(failure, `no failure line in ${logs.text()}`);
            assert.equal(failure.level, "error");
            assert.equal(failure.path, "/boom");
            assert.equal((failure.err as LogRecord).message, "kaput");
        });

        it("GIVEN an extra route on a built-in path WHEN the server is created THEN creation fails", async () => {
            const error = await rejectionOf(start({ routes: { "/health": { GET: () => undefined } } }));

            assert.equal(error.message, "route /health is already defined");
        });
    });

    describe("logging", () => {
        function assertWellFormed(records: LogRecord[]): void {
            for (const record of records) {
                assert.equal(typeof record.time, "string");
                assert.equal(new Date(record.time as string).toISOString(), record.time, "time is ISO 8601 UTC");
                assert.ok(["debug", "info", "warn", "error"].includes(record.level as string), `bad level in ${JSON.stringify(record)}`);
                assert.equal(typeof record.msg, "string");
            }
        }

        it("GIVEN LOG_LEVEL=debug WHEN a request is served THEN a JSON request line with method, path, status and duration_ms is logged", async () => {
            const { app, logs } = await startFromEnv({ LOG_LEVEL: "debug" });

            await httpRequest(app.port, "/health");
            await app.shutdown("test"); // every response has closed (and logged) once shutdown resolves

            const records = logs.records();
            assertWellFormed(records);
            const requestLines = records.filter((r) => r.msg === "request");
            assert.equal(requestLines.length, 1, logs.text());
            const [line] = requestLines;
            assert.equal(line?.level, "debug");
            assert.equal(line?.method, "GET");
            assert.equal(line?.path, "/health");
            assert.equal(line?.status, 200);
            assert.equal(typeof line?.duration_ms, "number");
            assert.ok((line?.duration_ms as number) >= 0);
        });

        it("GIVEN LOG_LEVEL=info WHEN requests are served THEN no debug lines appear but startup and shutdown are logged at info", async () => {
            const { app, logs } = await startFromEnv({ LOG_LEVEL: "info", APP_ENV: "gamma" });

            await httpRequest(app.port, "/health");
            await httpRequest(app.port, "/missing");
            await app.shutdown("test");

            const records = logs.records();
            assertWellFormed(records);
            assert.deepEqual(
                records.map((r) => [r.level, r.msg]),
                [
                    ["info", "server started"],
                    ["info", "shutdown started"],
                    ["info", "shutdown complete"],
                ],
            );
            assert.equal(records[0]?.environment, "gamma");
            assert.equal(records[0]?.log_level, "info");
            assert.equal(records[0]?.port, app.port);
        });

        it("GIVEN LOG_LEVEL=verbose (invalid) WHEN the server starts THEN it logs a warning and runs at info", async () => {
            const { app, logs } = await startFromEnv({ LOG_LEVEL: "verbose" });

            await httpRequest(app.port, "/health");
            await app.shutdown("test");

            const records = logs.records();
            assertWellFormed(records);
            assert.equal(records[0]?.level, "warn");
            assert.equal(records[0]?.msg, "invalid LOG_LEVEL, using info");
            assert.equal(records[0]?.value, "verbose");
            const started = records.find((r) => r.msg === "server started");
            assert.equal(started?.log_level, "info");
            assert.equal(records.filter((r) => r.level === "debug").length, 0);
        });

        it("GIVEN LOG_LEVEL=DEBUG in upper case WHEN a request is served THEN it is accepted as debug", async () => {
            const { app, logs } = await startFromEnv({ LOG_LEVEL: "DEBUG" });

            await httpRequest(app.port, "/");
            await app.shutdown("test");

            const records = logs.records();
            assert.equal(records.filter((r) => r.level === "warn").length, 0);
            assert.equal(records.filter((r) => r.msg === "request").length, 1);
        });

        it("GIVEN LOG_LEVEL=warn WHEN the server starts, serves and stops cleanly THEN nothing is logged", async () => {
            const { app, logs } = await startFromEnv({ LOG_LEVEL: "warn" });

            await httpRequest(app.port, "/health");
            await httpRequest(app.port, "/missing");
            await app.shutdown("test");

            assert.equal(logs.text(), "");
        });

        it("GIVEN LOG_LEVEL=debug WHEN a request carries Authorization, Cookie and a query string THEN none of them reach the logs", async () => {
            const { app, logs } = await startFromEnv({ LOG_LEVEL: "debug" });

            await httpRequest(app.port, "/health?token=query-secret", {
                headers: { Authorization: "Bearer header-secret", Cookie: "session=cookie-secret" },
            });
            await app.shutdown("test");

            const text = logs.text();
            assert.ok(
                logs.records().some((r) => r.msg === "request" && r.path === "/health"),
                text,
            );
            for (const secret of ["query-secret", "header-secret", "cookie-secret", "Bearer", "session="]) {
                assert.ok(!text.includes(secret), `log output contains ${secret}: ${text}`);
            }
        });

        it("GIVEN secrets and SHUTDOWN_TIMEOUT_MS in the environment WHEN the server runs at debug THEN their values never appear in logs", async () => {
            const { app, logs } = await startFromEnv({
                LOG_LEVEL: "debug",
                SHUTDOWN_TIMEOUT_MS: "24681",
                DB_PASSWORD: "hunter2-secret",
                AWS_SECRET_ACCESS_KEY: "aws-secret-value",
            });

            await httpRequest(app.port, "/");
            await app.shutdown("test");

            const text = logs.text();
            assert.ok(text.includes('"msg":"server started"'), text);
            for (const value of ["hunter2-secret", "aws-secret-value", "24681"]) {
                assert.ok(!text.includes(value), `log output contains ${value}: ${text}`);
            }
        });
    });

    describe("graceful shutdown", () => {
        it("GIVEN a request that takes 300 ms WHEN shutdown begins while it runs THEN it completes with 200 and shutdown resolves clean afterwards", async () => {
            const { app, logs } = await start({
                routes: {
                    "/slow": {
                        GET: async (_req, res) => {
                            await delay(300);
                            sendJson(res, 200, { slow: "done" });
                        },
                    },
                },
            });
            const inFlight = httpRequest(app.port, "/slow");
            await delay(50);

            const shutdown = app.shutdown("test");
            const res = await inFlight;
            const result = await shutdown;

            assert.equal(res.status, 200);
            assert.equal(res.body, '{"slow":"done"}');
            assert.equal(res.headers.connection, "close");
            assert.equal(result.clean, true);
            assert.equal(result.timedOut, false);
            assert.ok(result.durationMs >= 200, `shutdown returned after ${result.durationMs} ms, before the request finished`);
            const started = logs.records().find((r) => r.msg === "shutdown started");
            assert.equal(started?.in_flight, 1);
            assert.equal(started?.reason, "test");
            assert.ok(logs.records().some((r) => r.msg === "shutdown complete" && r.level === "info"));
        });

        it('GIVEN an open connection and a request in flight WHEN shutdown begins THEN /health on that connection answers 503 {"status":"draining"}', async () => {
            const gate = new Gate();
            const { app } = await start({ routes: gatedRoute(gate) });
            const inFlight = httpRequest(app.port, "/slow");
            await gate.entered;
            const existing = await openPartialRequest(app.port, "GET", "/health");
            rawRequests.push(existing);

            const shutdown = app.shutdown("SIGTERM");
            const health = await existing.finish();

            assert.equal(app.isDraining(), true);
            assert.equal(health.status, 503);
            assert.equal(health.body, '{"status":"draining"}');
            assert.equal(health.headers.connection, "close");
            gate.release();
            assert.equal((await inFlight).status, 200);
            assert.deepEqual({ ...(await shutdown), durationMs: 0 }, { clean: true, timedOut: false, durationMs: 0 });
        });

        it("GIVEN a request in flight WHEN shutdown begins THEN new connections are refused while the request still completes", async () => {
            const gate = new Gate();
            const { app } = await start({ routes: gatedRoute(gate) });
            const inFlight = httpRequest(app.port, "/slow");
            await gate.entered;

            const shutdown = app.shutdown("SIGTERM");
            const refused = await rejectionOf(httpRequest(app.port, "/health"));
            gate.release();
            const res = await inFlight;

            assert.equal(refused.code, "ECONNREFUSED");
            assert.equal(res.status, 200);
            assert.equal(res.body, '{"slow":"done"}');
            assert.equal((await shutdown).clean, true);
        });

        it("GIVEN an idle keep-alive connection WHEN shutdown begins THEN it is closed and shutdown does not wait for the keep-alive timeout", async () => {
            const { app } = await start({ keepAliveTimeoutMs: 60_000 });
            const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            agents.push(agent);
            const first = await httpRequest(app.port, "/health", { agent });
            assert.equal(first.headers.connection, "keep-alive");

            const result = await app.shutdown("test");

            assert.equal(result.clean, true);
            assert.ok(result.durationMs < 1_000, `shutdown took ${result.durationMs} ms`);
        });

        it("GIVEN a request longer than SHUTDOWN_TIMEOUT_MS WHEN shutdown begins THEN it reports failure after the timeout, logs an error and cuts the connection", async () => {
            const gate = new Gate(); // never released before the timeout
            const { app, logs } = await start({ shutdownTimeoutMs: 150, routes: gatedRoute(gate) });
            const inFlight = httpRequest(app.port, "/slow");
            await gate.entered;

            const result = await app.shutdown("SIGTERM");
            const clientError = await rejectionOf(inFlight);

            assert.equal(result.clean, false);
            assert.equal(result.timedOut, true);
            assert.ok(result.durationMs >= 140 && result.durationMs < 2_000, `durationMs=${result.durationMs}`);
            assert.equal(clientError.code, "ECONNRESET");
            const timeoutLine = logs.records().find((r) => r.level === "error");
            assert.equal(timeoutLine?.msg, "shutdown timed out with requests still in flight; closing their connections");
            assert.equal(timeoutLine?.in_flight, 1);
            assert.ok(!logs.records().some((r) => r.msg === "shutdown complete"), logs.text());
        });

        it("GIVEN shutdown already started WHEN shutdown is called again THEN the same result promise is returned", async () => {
            const { app, logs } = await start();

            const first = app.shutdown("SIGTERM");
            const second = app.shutdown("SIGINT");

            assert.equal(first, second);
            await first;
            assert.equal(logs.records().filter((r) => r.msg === "shutdown started").length, 1);
        });
    });
});
