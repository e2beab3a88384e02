/**
 * The smoke-test lifecycle hook, for real: every test starts HTTP servers on 127.0.0.1 (ephemeral
 * ports, closed after the test) that play the green revision behind the test listener, calls the
 * handler with an event shaped like the ones ECS sends, and asserts the exact answer, the exact
 * requests the server saw and the log lines.
 */

import * as assert from "node:assert/strict";

import { freePort, HOST } from "../app/support";
import { coldStart } from "./coldStart";
import { closeServers, later, reply, serve, type Responder } from "./httpServers";
import { MAX_BODY_BYTES } from "../../functions/lib/probe";
import type { SmokeCheck, SmokeConfig } from "../../functions/smokeHook/config";
import type { LifecycleHookEvent } from "../../functions/smokeHook/event";
import { BUDGET_RESERVE_MS, CALLBACK_DELAY_SECONDS, createHandler, IN_PROGRESS_KEY, MAX_IN_PROGRESS, type LambdaContext } from "../../functions/smokeHook/hook";

const GREEN = "arn:aws:ecs:us-west-2:123456789012:service-revision/my-cluster/my-service/9313423515462893900";
const BLUE = "arn:aws:ecs:us-west-2:123456789012:service-revision/my-cluster/my-service/1920498462936580504";

/**
 * The POST_TEST_TRAFFIC_SHIFT payload exactly as "Lambda hooks for Amazon ECS service deployments"
 * shows it (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html,
 * section "Lifecycle stage payloads"). Note the empty weight maps at this stage.
 */
function postTestTrafficShiftEvent(): LifecycleHookEvent {
    return {
        executionId: "3a0345ba-b029-404b-890d-7da2a4b266aa",
        lifecycleStage: "POST_TEST_TRAFFIC_SHIFT",
        resourceArn: "arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/my-service/EZe5RNVLH6PPzHXINuP28",
        executionDetails: {
            serviceArn: "arn:aws:ecs:us-west-2:123456789012:service/my-cluster/my-service",
            targetServiceRevisionArn: GREEN,
            testTrafficWeights: {},
            productionTrafficWeights: {},
        },
    };
}

const ok: Responder = (_req, res) => reply(res, 200, '{"status":"ok"}');

type LogRecord = Record<string, unknown>;

function harness(baseUrl: string, overrides: Partial<Omit<SmokeConfig, "baseUrl">> = {}) {
    const records: LogRecord[] = [];
    const config: SmokeConfig = {
        baseUrl,
        checks: [{ path: "/health", method: "GET", expectStatus: 200, expectJson: false }],
        timeoutMs: 500,
        attempts: 3,
        ...overrides,
    };
    const handler = createHandler(config, { log: (level, msg, fields = {}) => records.push({ level, msg, ...fields }) });
    return {
        handler,
        records,
        checkLines: () => records.filter((r) => r.msg === "smoke check"),
        result: () => {
            const results = records.filter((r) => r.msg === "smoke hook result");
            assert.equal(results.length, 1, "exactly one result line per invocation");
            return results[0];
        },
    };
}

const TWO_CHECKS: readonly SmokeCheck[] = [
    { path: "/health", method: "GET", expectStatus: 200, expectBodyIncludes: '"status":"ok"', expectJson: true },
    { path: "/", method: "GET", expectStatus: 200, expectJson: true },
];

describe("smoke-test lifecycle hook (functions/smokeHook) against servers on 127.0.0.1", () => {
    afterEach(closeServers);

    it("GIVEN a healthy green revision and 2 checks WHEN invoked at POST_TEST_TRAFFIC_SHIFT THEN it answers SUCCEEDED after 3 rounds x 2 checks = 6 requests", async () => {
        const server = await serve(ok);
        const { handler, checkLines, result } = harness(server.baseUrl, { checks: TWO_CHECKS });

        const response = await handler(postTestTrafficShiftEvent());

        assert.deepEqual(response, { hookStatus: "SUCCEEDED" });
        assert.deepEqual(
            server.seen.map((s) => `${s.method} ${s.path}`),
            ["GET /health", "GET /", "GET /health", "GET /", "GET /health", "GET /"],
        );
        assert.deepEqual(
            checkLines().map((l) => [l.round, l.check, l.path, l.status, l.ok]),
            [
                [1, 1, "/health", 200, true],
                [1, 2, "/", 200, true],
                [2, 1, "/health", 200, true],
                [2, 2, "/", 200, true],
                [3, 1, "/health", 200, true],
                [3, 2, "/", 200, true],
            ],
        );
        assert.equal(result().hookStatus, "SUCCEEDED");
        assert.equal(result().requests, 6);
    });

    it("GIVEN any request WHEN sent THEN it carries x-smoke-test: <executionId> and the hook's user agent, so the app's logs can tell smoke traffic apart", async () => {
        const server = await serve(ok);
        const { handler } = harness(server.baseUrl, { attempts: 2 });

        await handler(postTestTrafficShiftEvent());

        assert.equal(server.seen.length, 2);
        for (const { headers } of server.seen) {
            assert.equal(headers["x-smoke-test"], "3a0345ba-b029-404b-890d-7da2a4b266aa");
            assert.equal(headers["user-agent"], "ecs-smoke-hook");
        }
    });

    it("GIVEN /health answers 500 WHEN invoked THEN it answers FAILED after finishing round 1 (2 requests), logging status, reason and a body excerpt", async () => {
        const server = await serve((req, res) => (req.url === "/health" ? reply(res, 500, '{"error":"db down"}') : reply(res, 200, "{}")));
        const { handler, checkLines, result } = harness(server.baseUrl, { checks: TWO_CHECKS });

        const response = await handler(postTestTrafficShiftEvent());

        assert.deepEqual(response, { hookStatus: "FAILED" });
        assert.deepEqual(
            server.seen.map((s) => s.path),
            ["/health", "/"],
        );
        const [failed, passed] = checkLines();
        assert.deepEqual(
            { level: failed.level, status: failed.status, ok: failed.ok, reason: failed.reason, bodyExcerpt: failed.bodyExcerpt },
            { level: "error", status: 500, ok: false, reason: "status 500, expected 200", bodyExcerpt: '{"error":"db down"}' },
        );
        assert.equal(passed.ok, true);
        assert.equal(result().reason, "a check failed in round 1");
    });

    it("GIVEN a server slower than SMOKE_TIMEOUT_MS WHEN invoked THEN it answers FAILED after one request, within the timeout plus a small margin", async () => {
        const server = await serve((_req, res) => later(2000, () => reply(res, 200, '{"status":"ok"}')));
        const { handler, checkLines } = harness(server.baseUrl, { timeoutMs: 100 });

        const started = Date.now();
        const response = await handler(postTestTrafficShiftEvent());
        const elapsed = Date.now() - started;

        assert.deepEqual(response, { hookStatus: "FAILED" });
        assert.equal(server.seen.length, 1);
        assert.ok(elapsed >= 100 && elapsed < 600, `took ${elapsed} ms`);
        const [line] = checkLines();
        assert.equal(line.reason, "timeout after 100 ms");
        assert.equal(line.status, undefined);
    });

    it("GIVEN headers on time but a body that stalls WHEN invoked THEN the timeout covers the body too and it answers FAILED", async () => {
        const server = await serve((_req, res) => {
            res.writeHead(200, { "content-type": "application/json" });
            res.write('{"status":');
            later(2000, () => res.end('"ok"}'));
        });
        const { handler, checkLines } = harness(server.baseUrl, { timeoutMs: 100 });

        assert.deepEqual(await handler(postTestTrafficShiftEvent()), { hookStatus: "FAILED" });
        assert.equal(server.seen.length, 1);
        assert.equal(checkLines()[0].reason, "timeout after 100 ms");
    });

    it('GIVEN a 200 whose body lacks "status":"ok" WHEN invoked THEN it answers FAILED after one request, naming the body as the reason', async () => {
        const server = await serve((_req, res) => reply(res, 200, '{"status":"draining"}'));
        const { handler, checkLines } = harness(server.baseUrl, { checks: [TWO_CHECKS[0]] });

        assert.deepEqual(await handler(postTestTrafficShiftEvent()), { hookStatus: "FAILED" });
        assert.equal(server.seen.length, 1);
        const [line] = checkLines();
        assert.equal(line.reason, "body does not include the expected text");
        assert.equal(line.bodyExcerpt, '{"status":"draining"}');
    });

    it("GIVEN expectJson and an HTML error page with status 200 WHEN invoked THEN it answers FAILED: body is not JSON", async () => {
        const server = await serve((_req, res) => reply(res, 200, "<html>Bad gateway</html>", { "content-type": "text/html" }));
        const { handler, checkLines } = harness(server.baseUrl, { checks: [TWO_CHECKS[1]] });

        assert.deepEqual(await handler(postTestTrafficShiftEvent()), { hookStatus: "FAILED" });
        assert.equal(server.seen.length, 1);
        assert.equal(checkLines()[0].reason, "body is not JSON");
    });

    it("GIVEN nothing listens on the port WHEN invoked THEN it answers FAILED with reason connection refused", async () => {
        const { handler, checkLines, result } = harness(`http://${HOST}:${await freePort()}`);

        assert.deepEqual(await handler(postTestTrafficShiftEvent()), { hookStatus: "FAILED" });
        assert.deepEqual(
            checkLines().map((l) => [l.round, l.reason, l.status]),
            [[1, "connection refused", undefined]],
        );
        assert.equal(result().requests, 1);
    });

    it("GIVEN a port that fetch refuses to use (9, discard) WHEN invoked THEN it answers FAILED and the reason says why", async () => {
        const { handler, checkLines } = harness(`http://${HOST}:9`);

        assert.deepEqual(await handler(postTestTrafficShiftEvent()), { hookStatus: "FAILED" });
        assert.equal(checkLines()[0].reason, "request failed: bad port");
    });

    it("GIVEN the server resets the connection WHEN invoked THEN it answers FAILED with reason connection reset", async () => {
        const server = await serve((req) => req.socket.destroy());
        const { handler, checkLines } = harness(server.baseUrl);

        assert.deepEqual(await handler(postTestTrafficShiftEvent()), { hookStatus: "FAILED" });
        assert.equal(server.seen.length, 1);
        assert.equal(checkLines()[0].reason, "connection reset");
    });

    it("GIVEN /health fails once and then passes (flapping) WHEN invoked THEN it answers FAILED after round 1: no retry until success, exactly 2 requests", async () => {
        const server = await serve((req, res, n) =>
            req.url === "/health" && n === 0 ? reply(res, 503, '{"status":"draining"}') : reply(res, 200, '{"status":"ok"}'),
        );
        const { handler, checkLines } = harness(server.baseUrl, { checks: TWO_CHECKS });

        assert.deepEqual(await handler(postTestTrafficShiftEvent()), { hookStatus: "FAILED" });
        assert.deepEqual(
            server.seen.map((s) => s.path),
            ["/health", "/"],
        );
        assert.deepEqual(
            checkLines().map((l) => [l.round, l.path, l.ok]),
            [
                [1, "/health", false],
                [1, "/", true],
            ],
        );
    });

    it("GIVEN a 301 from the test listener WHEN invoked THEN the redirect is not followed and the check fails on the status", async () => {
        const target = await serve(ok);
        const server = await serve((_req, res) => reply(res, 301, "", { location: `${target.baseUrl}/health` }));
        const { handler, checkLines } = harness(server.baseUrl);

        assert.deepEqual(await handler(postTestTrafficShiftEvent()), { hookStatus: "FAILED" });
        assert.equal(server.seen.length, 1);
        assert.equal(target.seen.length, 0);
        assert.equal(checkLines()[0].reason, "status 301, expected 200");
    });

    it("GIVEN a failing response with a cookie header and a long body WHEN logged THEN no header appears and the body excerpt is cut to 120 characters", async () => {
        const body = `{"error":"${"x".repeat(500)}"}`;
        const server = await serve((_req, res) => reply(res, 500, body, { "set-cookie": "session=S3CRET-COOKIE" }));
        const { handler, records, checkLines } = harness(server.baseUrl);

        await handler(postTestTrafficShiftEvent());

        const text = JSON.stringify(records);
        assert.ok(!text.includes("S3CRET-COOKIE"), text);
        assert.ok(!text.includes("set-cookie"), text);
        assert.equal(checkLines()[0].bodyExcerpt, `${body.slice(0, 120)}...`);
    });

    it(`GIVEN a body larger than ${MAX_BODY_BYTES} bytes WHEN expectJson THEN it reads no further and fails the check as too large`, async () => {
        const server = await serve((_req, res) => reply(res, 200, `[${'"x",'.repeat(MAX_BODY_BYTES / 4)}"x"]`));
        const { handler, checkLines } = harness(server.baseUrl, { checks: [TWO_CHECKS[1]] });

        assert.deepEqual(await handler(postTestTrafficShiftEvent()), { hookStatus: "FAILED" });
        assert.equal(checkLines()[0].reason, `body is larger than ${MAX_BODY_BYTES} bytes, too large to check as JSON`);
    });

    describe("events it must not trust", () => {
        const malformed: ReadonlyArray<[string, unknown, string]> = [
            ["null", null, "event is not an object"],
            ["an array", [], "event is not an object"],
            ["no executionId", { ...postTestTrafficShiftEvent(), executionId: undefined }, "executionId is not an identifier"],
            [
                "an executionId with a newline (header injection)",
                { ...postTestTrafficShiftEvent(), executionId: "a\r\nx-evil: 1" },
                "executionId is not an identifier",
            ],
            ["an unknown stage", { ...postTestTrafficShiftEvent(), lifecycleStage: "BAKE_TIME" }, "lifecycleStage is not one of"],
            ["a resourceArn that is not an ARN", { ...postTestTrafficShiftEvent(), resourceArn: "my-service" }, "resourceArn is not an ARN"],
            ["no executionDetails", { ...postTestTrafficShiftEvent(), executionDetails: undefined }, "executionDetails is not an object"],
            [
                "no targetServiceRevisionArn",
                { ...postTestTrafficShiftEvent(), executionDetails: { ...postTestTrafficShiftEvent().executionDetails, targetServiceRevisionArn: undefined } },
                "executionDetails.targetServiceRevisionArn is not an ARN",
            ],
            [
                "testTrafficWeights missing",
                { ...postTestTrafficShiftEvent(), executionDetails: { ...postTestTrafficShiftEvent().executionDetails, testTrafficWeights: undefined } },
                "executionDetails.testTrafficWeights is not an object",
            ],
            [
                "a weight of 150",
                {
                    ...postTestTrafficShiftEvent(),
                    executionDetails: { ...postTestTrafficShiftEvent().executionDetails, productionTrafficWeights: { [GREEN]: 150 } },
                },
                "executionDetails.productionTrafficWeights has a weight that is not a number from 0 to 100",
            ],
            ["hookDetails that is a string", { ...postTestTrafficShiftEvent(), hookDetails: "{}" }, "hookDetails is not an object"],
            [
                "a negative in-progress count",
                { ...postTestTrafficShiftEvent(), hookDetails: { [IN_PROGRESS_KEY]: -1 } },
                `hookDetails.${IN_PROGRESS_KEY} is not`,
            ],
        ];
        for (const [label, event, problem] of malformed) {
            it(`GIVEN an event with ${label} WHEN invoked THEN it answers FAILED without sending a request and logs the problem`, async () => {
                const server = await serve(ok);
                const { handler, result } = harness(server.baseUrl);

                assert.deepEqual(await handler(event), { hookStatus: "FAILED" });
                assert.equal(server.seen.length, 0);
                assert.equal(result().level, "error");
                assert.ok(String(result().reason).startsWith(`invalid event: ${problem}`), String(result().reason));
            });
        }

        it("GIVEN an event with extra undocumented fields and the service's own hookDetails WHEN invoked THEN it still runs the checks (forward-compatible)", async () => {
            const server = await serve(ok);
            const { handler } = harness(server.baseUrl, { attempts: 1 });

            const response = await handler({ ...postTestTrafficShiftEvent(), newField: true, hookDetails: { S3_BUCKET_NAME: "x" } });

            assert.deepEqual(response, { hookStatus: "SUCCEEDED" });
            assert.equal(server.seen.length, 1);
        });

        it("GIVEN the hook registered at POST_SCALE_UP (docs payload) WHEN invoked THEN it answers FAILED without a request: the test listener may still route to blue", async () => {
            const server = await serve(ok);
            const { handler, result } = harness(server.baseUrl);

            const response = await handler({
                ...postTestTrafficShiftEvent(),
                executionId: "8b095b05-7bb0-4c56-a223-a3f61f4f9295",
                lifecycleStage: "POST_SCALE_UP",
            });

            assert.deepEqual(response, { hookStatus: "FAILED" });
            assert.equal(server.seen.length, 0);
            assert.match(String(result().reason), /must be registered at POST_TEST_TRAFFIC_SHIFT only/);
        });
    });

    describe("not judged yet: IN_PROGRESS, bounded", () => {
        const halfShifted = (count?: number): LifecycleHookEvent => ({
            ...postTestTrafficShiftEvent(),
            executionDetails: { ...postTestTrafficShiftEvent().executionDetails, testTrafficWeights: { [GREEN]: 50, [BLUE]: 50 } },
            ...(count === undefined ? {} : { hookDetails: { [IN_PROGRESS_KEY]: count } }),
        });

        it("GIVEN test weights that give green only 50% WHEN invoked THEN it answers IN_PROGRESS with callBackDelay 30 and count 1, without a request", async () => {
            const server = await serve(ok);
            const { handler } = harness(server.baseUrl);

            assert.deepEqual(await handler(halfShifted()), {
                hookStatus: "IN_PROGRESS",
                callBackDelay: CALLBACK_DELAY_SECONDS,
                hookDetails: { [IN_PROGRESS_KEY]: 1 },
            });
            assert.equal(CALLBACK_DELAY_SECONDS, 30);
            assert.equal(server.seen.length, 0);
        });

        it(`GIVEN test weights still at 50% after ${MAX_IN_PROGRESS} IN_PROGRESS answers WHEN invoked THEN it gives up with FAILED`, async () => {
            const server = await serve(ok);
            const { handler, result } = harness(server.baseUrl);

            assert.deepEqual(await handler(halfShifted(MAX_IN_PROGRESS)), { hookStatus: "FAILED" });
            assert.equal(server.seen.length, 0);
            assert.match(String(result().reason), /gave up after 5 IN_PROGRESS answers/);
        });

        it("GIVEN test weights that give green 100% WHEN invoked THEN it runs the checks", async () => {
            const server = await serve(ok);
            const { handler } = harness(server.baseUrl, { attempts: 1 });
            const event = postTestTrafficShiftEvent();

            const response = await handler({ ...event, executionDetails: { ...event.executionDetails, testTrafficWeights: { [GREEN]: 100, [BLUE]: 0 } } });

            assert.deepEqual(response, { hookStatus: "SUCCEEDED" });
            assert.equal(server.seen.length, 1);
        });

        it("GIVEN a Lambda context with less time left than one request timeout WHEN invoked THEN it sends nothing and answers IN_PROGRESS, advising a longer function timeout", async () => {
            const server = await serve(ok);
            const { handler, result } = harness(server.baseUrl, { timeoutMs: 500 });
            const context: LambdaContext = { getRemainingTimeInMillis: () => BUDGET_RESERVE_MS + 499 };

            const response = await handler(postTestTrafficShiftEvent(), context);

            assert.deepEqual(response, { hookStatus: "IN_PROGRESS", callBackDelay: 30, hookDetails: { [IN_PROGRESS_KEY]: 1 } });
            assert.equal(server.seen.length, 0);
            assert.match(String(result().reason), /raise the function's timeout/);
        });

        it("GIVEN time for only one slow-but-passing request WHEN invoked THEN it stops after that request and answers IN_PROGRESS, not SUCCEEDED", async () => {
            // Each answer takes 150 ms (under the 300 ms timeout); the budget is 400 ms, so the
            // second request, which could not run its full timeout before the deadline, never starts.
            const server = await serve((_req, res) => later(150, () => reply(res, 200, '{"status":"ok"}')));
            const { handler, result } = harness(server.baseUrl, { timeoutMs: 300 });
            const context: LambdaContext = { getRemainingTimeInMillis: () => BUDGET_RESERVE_MS + 400 };

            const response = await handler(postTestTrafficShiftEvent(), context);

            assert.deepEqual(response, { hookStatus: "IN_PROGRESS", callBackDelay: 30, hookDetails: { [IN_PROGRESS_KEY]: 1 } });
            assert.equal(server.seen.length, 1);
            assert.equal(result().requests, 1);
        });

        it("GIVEN the budget runs out after a failed check WHEN invoked THEN it answers FAILED, not IN_PROGRESS", async () => {
            const server = await serve((_req, res) => later(150, () => reply(res, 500, "{}")));
            const { handler } = harness(server.baseUrl, { timeoutMs: 300, checks: TWO_CHECKS });
            const context: LambdaContext = { getRemainingTimeInMillis: () => BUDGET_RESERVE_MS + 400 };

            assert.deepEqual(await handler(postTestTrafficShiftEvent(), context), { hookStatus: "FAILED" });
            assert.equal(server.seen.length, 1);
        });
    });
});

describe("smoke hook Lambda entry module (functions/smokeHook/handler.ts)", () => {
    /** Loads the entry module afresh with SMOKE_BASE_URL set to `baseUrl` (or unset), then restores the environment. */
    const loadEntry = (baseUrl: string | undefined) => coldStart("smokeHook/handler.ts", { SMOKE_BASE_URL: baseUrl });

    it("GIVEN SMOKE_BASE_URL unset WHEN the module loads (cold start) THEN it throws the ConfigError naming the variable", () => {
        assert.throws(() => loadEntry(undefined), { name: "ConfigError", message: /^SMOKE_BASE_URL is not set: expected the test listener's URL/ });
    });

    it("GIVEN a valid environment WHEN the module loads THEN it exports the Lambda handler", () => {
        assert.equal(typeof loadEntry("http://127.0.0.1:9").handler, "function");
    });
});
