/**
 * The endpoint check, for real: servers on 127.0.0.1 play the public endpoints (healthy, down,
 * slow, wrong status, wrong body, flaky), the handler runs as the schedule would run it, and the
 * tests assert the exact lines written to stdout, which CloudWatch Logs turns into the `Success`
 * and `Latency` metrics (embedded metric format), and the summary the handler returns.
 */

import * as assert from "node:assert/strict";

import { freePort, HOST, LogCollector, type LogRecord } from "../app/support";
import { createLog } from "../../functions/lib/log";
import type { CheckTarget, EndpointCheckConfig } from "../../functions/endpointCheck/config";
import { createHandler, USER_AGENT } from "../../functions/endpointCheck/run";
import { coldStart } from "./coldStart";
import { closeServers, later, reply, serve } from "./httpServers";

const STARTED = Date.parse("2026-11-24T10:00:00.000Z");
const NAMESPACE = "Shipyard/EndpointCheck";
const HEALTHY_BODY = '{"status":"ok"}';

function harness(targets: readonly CheckTarget[], timeoutMs = 500) {
    const out = new LogCollector();
    const config: EndpointCheckConfig = { targets, timeoutMs, namespace: NAMESPACE, environment: "alpha" };
    const handler = createHandler(config, { log: createLog(out, () => new Date(STARTED)), now: () => STARTED });
    return { handler, out };
}

function target(name: string, url: string, extra: Partial<CheckTarget> = {}): CheckTarget {
    return { name, url, expectStatus: 200, ...extra };
}

/** The `_aws` member of a line whose metrics are `names`, as the EMF specification wants it. */
function emfMetadata(...names: ("Success" | "Latency")[]) {
    const units = { Success: "Count", Latency: "Milliseconds" };
    return {
        Timestamp: STARTED,
        CloudWatchMetrics: [{ Namespace: NAMESPACE, Dimensions: [["Environment", "Endpoint"]], Metrics: names.map((Name) => ({ Name, Unit: units[Name] })) }],
    };
}

/**
 * Checks a line against the EMF rules CloudWatch applies (every metric a number at the root, every
 * dimension a string at the root), then returns it with the measured times replaced by "<ms>".
 */
function emfLine(record: LogRecord): LogRecord {
    const directive = (record._aws as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0];
    for (const { Name } of directive.Metrics) assert.equal(typeof record[Name], "number", `metric ${Name} is a number at the root`);
    for (const key of directive.Dimensions.flat()) assert.equal(typeof record[key], "string", `dimension ${key} is a string at the root`);
    if (record.Latency !== undefined) assert.equal(record.Latency, record.durationMs, "Latency is the request's duration");
    const timeless = { ...record };
    for (const key of ["durationMs", "Latency"]) if (typeof timeless[key] === "number") timeless[key] = "<ms>";
    return timeless;
}

describe("endpoint check (functions/endpointCheck) against servers on 127.0.0.1", () => {
    afterEach(closeServers);

    it("GIVEN a healthy endpoint WHEN the schedule runs the check THEN one line publishes Success 1 and its Latency, with both dimensions", async () => {
        const server = await serve((_req, res) => reply(res, 200, HEALTHY_BODY));
        const { handler, out } = harness([target("web", `${server.baseUrl}/health`, { expectBodyIncludes: '"status":"ok"' })]);

        const summary = await handler({});

        assert.equal(out.lines().length, 1);
        assert.deepEqual(emfLine(out.records()[0]), {
            time: "2026-11-24T10:00:00.000Z",
            level: "info",
            msg: "endpoint check",
            url: `${server.baseUrl}/health`,
            status: 200,
            durationMs: "<ms>",
            attempts: 1,
            _aws: emfMetadata("Success", "Latency"),
            Environment: "alpha",
            Endpoint: "web",
            Success: 1,
            Latency: "<ms>",
        });
        const latencyMs = out.records()[0].Latency as number;
        assert.ok(latencyMs > 0 && latencyMs < 500, `Latency ${latencyMs}`);
        assert.deepEqual(summary, {
            environment: "alpha",
            healthy: 1,
            unhealthy: [],
            targets: [{ name: "web", ok: true, status: 200, attempts: 1, latencyMs }],
        });
    });

    it("GIVEN any check WHEN sent THEN it is one GET with the checker's user agent, so the app's logs can tell it apart", async () => {
        const server = await serve((_req, res) => reply(res, 200, HEALTHY_BODY));
        const { handler } = harness([target("web", `${server.baseUrl}/health`)]);

        await handler();

        assert.deepEqual(
            server.seen.map((s) => [s.method, s.path, s.headers["user-agent"]]),
            [["GET", "/health", USER_AGENT]],
        );
    });

    it("GIVEN nothing listens on the endpoint's port WHEN checked THEN it retries once, then publishes Success 0 without Latency, naming the cause", async () => {
        const url = `http://${HOST}:${await freePort()}/health`;
        const { handler, out } = harness([target("web", url)]);

        const summary = await handler();

        assert.deepEqual(emfLine(out.records()[0]), {
            time: "2026-11-24T10:00:00.000Z",
            level: "error",
            msg: "endpoint check",
            url,
            durationMs: "<ms>",
            attempts: 2,
            retriedAfter: "connection refused",
            reason: "connection refused",
            _aws: emfMetadata("Success"),
            Environment: "alpha",
            Endpoint: "web",
            Success: 0,
        });
        assert.deepEqual(summary, {
            environment: "alpha",
            healthy: 0,
            unhealthy: ["web"],
            targets: [{ name: "web", ok: false, status: undefined, attempts: 2, reason: "connection refused" }],
        });
    });

    it("GIVEN an endpoint slower than CHECK_TIMEOUT_MS WHEN checked THEN it publishes Success 0 within the timeout plus a small margin, without a retry", async () => {
        const server = await serve((_req, res) => later(2000, () => reply(res, 200, HEALTHY_BODY)));
        const { handler, out } = harness([target("web", `${server.baseUrl}/health`)], 100);

        const started = Date.now();
        await handler();
        const elapsed = Date.now() - started;

        assert.ok(elapsed >= 100 && elapsed < 600, `took ${elapsed} ms`);
        assert.equal(server.seen.length, 1);
        const line = emfLine(out.records()[0]);
        assert.deepEqual([line.Success, line.Latency, line.attempts, line.reason], [0, undefined, 1, "timeout after 100 ms"]);
        assert.deepEqual(line._aws, emfMetadata("Success"));
    });

    it("GIVEN the endpoint answers 503 WHEN checked THEN it publishes Success 0 after exactly one request, with the status and a body excerpt", async () => {
        const server = await serve((_req, res) => reply(res, 503, '{"status":"draining"}'));
        const { handler, out } = harness([target("web", `${server.baseUrl}/health`)]);

        await handler();

        assert.equal(server.seen.length, 1);
        const line = emfLine(out.records()[0]);
        assert.deepEqual(
            [line.level, line.Success, line.status, line.attempts, line.reason, line.bodyExcerpt],
            ["error", 0, 503, 1, "status 503, expected 200", '{"status":"draining"}'],
        );
        assert.deepEqual(line._aws, emfMetadata("Success"));
    });

    it("GIVEN a 200 whose body lacks expectBodyIncludes WHEN checked THEN it publishes Success 0, naming the body as the reason", async () => {
        const server = await serve((_req, res) => reply(res, 200, "<html>Maintenance</html>", { "content-type": "text/html" }));
        const { handler, out } = harness([target("web", `${server.baseUrl}/health`, { expectBodyIncludes: '"status":"ok"' })]);

        const summary = await handler();

        const line = emfLine(out.records()[0]);
        assert.deepEqual(
            [line.Success, line.status, line.reason, line.bodyExcerpt],
            [0, 200, "body does not include the expected text", "<html>Maintenance</html>"],
        );
        assert.deepEqual(summary.unhealthy, ["web"]);
    });

    it("GIVEN the first connection is reset and the retry succeeds WHEN checked THEN it publishes Success 1 and the retry's Latency, and logs the first cause", async () => {
        const server = await serve((req, res, n) => (n === 0 ? req.socket.destroy() : reply(res, 200, HEALTHY_BODY)));
        const { handler, out } = harness([target("web", `${server.baseUrl}/health`)]);

        const summary = await handler();

        assert.equal(server.seen.length, 2);
        const line = emfLine(out.records()[0]);
        assert.deepEqual(
            [line.level, line.Success, line.Latency, line.attempts, line.retriedAfter, line.reason],
            ["info", 1, "<ms>", 2, "connection reset", undefined],
        );
        assert.deepEqual(line._aws, emfMetadata("Success", "Latency"));
        assert.equal(summary.healthy, 1);
    });

    it("GIVEN three targets (healthy, 503, down) WHEN checked in one run THEN exactly one line per target, in order, each with its own metrics", async () => {
        const up = await serve((_req, res) => reply(res, 200, HEALTHY_BODY));
        const failing = await serve((_req, res) => reply(res, 503, "{}"));
        const downUrl = `http://${HOST}:${await freePort()}/health`;
        const { handler, out } = harness([target("web", `${up.baseUrl}/health`), target("api", `${failing.baseUrl}/api/health`), target("admin", downUrl)]);

        const summary = await handler();

        assert.deepEqual(
            out
                .records()
                .map(emfLine)
                .map((l) => [l.Endpoint, l.Environment, l.Success, l.Latency, l.status, l.attempts]),
            [
                ["web", "alpha", 1, "<ms>", 200, 1],
                ["api", "alpha", 0, undefined, 503, 1],
                ["admin", "alpha", 0, undefined, undefined, 2],
            ],
        );
        assert.deepEqual(
            out.records().map((r) => r._aws),
            [emfMetadata("Success", "Latency"), emfMetadata("Success"), emfMetadata("Success")],
        );
        assert.deepEqual([summary.healthy, summary.unhealthy], [1, ["api", "admin"]]);
        assert.deepEqual([up.seen.length, failing.seen.length], [1, 1]);
    });

    it("GIVEN two targets that each take 200 ms WHEN checked THEN they run in parallel: the run takes about 200 ms, not 400", async () => {
        const slow = await serve((_req, res) => later(200, () => reply(res, 200, HEALTHY_BODY)));
        const { handler } = harness([target("one", `${slow.baseUrl}/one`), target("two", `${slow.baseUrl}/two`)]);

        const started = Date.now();
        const summary = await handler();
        const elapsed = Date.now() - started;

        assert.equal(summary.healthy, 2);
        assert.ok(elapsed >= 200 && elapsed < 380, `took ${elapsed} ms`);
    });

    it("GIVEN a health URL with a query string WHEN logged THEN the line shows origin and path only, and no header appears", async () => {
        const server = await serve((_req, res) => reply(res, 500, "{}", { "set-cookie": "session=S3CRET-COOKIE" }));
        const { handler, out } = harness([target("web", `${server.baseUrl}/health?token=S3CRET-TOKEN`)]);

        await handler();

        assert.equal(server.seen[0].path, "/health?token=S3CRET-TOKEN");
        assert.equal(out.records()[0].url, `${server.baseUrl}/health`);
        assert.ok(!/S3CRET|set-cookie|user-agent/i.test(out.text()), out.text());
    });
});

describe("endpoint check Lambda entry module (functions/endpointCheck/handler.ts)", () => {
    const VALID = { CHECK_TARGETS: '[{"name":"web","url":"https://alpha.example.org/health","expectStatus":200}]', ENVIRONMENT: "alpha" };

    it("GIVEN CHECK_TARGETS unset WHEN the module loads (cold start) THEN it throws the ConfigError naming the variable", () => {
        assert.throws(() => coldStart("endpointCheck/handler.ts", { ...VALID, CHECK_TARGETS: undefined }), {
            name: "ConfigError",
            message: /^CHECK_TARGETS is not set: expected a JSON array of endpoints to check/,
        });
    });

    it("GIVEN an http:// target WHEN the module loads THEN it throws: the deployed function checks over https only", () => {
        assert.throws(
            () =>
                coldStart("endpointCheck/handler.ts", {
                    ...VALID,
                    CHECK_TARGETS: '[{"name":"web","url":"http://alpha.example.org/health","expectStatus":200}]',
                }),
            { name: "ConfigError", message: 'CHECK_TARGETS[0].url="http://alpha.example.org/health" is not allowed: expected an https:// URL' },
        );
    });

    it("GIVEN the compact CHECK_TARGETS the stack deploys WHEN the module loads THEN it exports the Lambda handler", () => {
        const compact = JSON.stringify({ "/health": { web: "alpha.example.org" } });
        assert.equal(typeof coldStart("endpointCheck/handler.ts", { ...VALID, CHECK_TARGETS: compact }).handler, "function");
    });

    it("GIVEN a valid environment WHEN the module loads THEN it exports the Lambda handler", () => {
        assert.equal(typeof coldStart("endpointCheck/handler.ts", VALID).handler, "function");
    });
});
