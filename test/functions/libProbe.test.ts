/**
 * The shared HTTP probe (functions/lib/probe) on its own, against servers on 127.0.0.1: what the
 * smoke hook's tests do not reach through the hook, above all the failure kinds that let the
 * endpoint check retry a network error but not a timeout or a wrong answer.
 */

import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";

import { freePort, HOST } from "../app/support";
import { describeRequestError, MAX_BODY_BYTES, probe } from "../../functions/lib/probe";
import { closeServers, later, reply, serve } from "./httpServers";

/** What Node's fetch throws for a socket-level error: TypeError("fetch failed") with the system error on `cause`. */
function fetchFailed(code: string): Error {
    return new TypeError("fetch failed", { cause: Object.assign(new Error(`${code} from the socket`), { code }) });
}

describe("shared HTTP probe (functions/lib/probe) against servers on 127.0.0.1", () => {
    afterEach(closeServers);

    it("GIVEN a 200 as expected WHEN probed THEN it passes with the status and a duration, and no failure or reason", async () => {
        const server = await serve((_req, res) => reply(res, 200, '{"status":"ok"}'));

        const result = await probe({ url: `${server.baseUrl}/health`, timeoutMs: 1000 }, { expectStatus: 200, expectBodyIncludes: '"ok"' });

        assert.deepEqual({ ...result, durationMs: 0 }, { ok: true, status: 200, durationMs: 0 });
        assert.ok(result.durationMs > 0 && result.durationMs < 1000, `durationMs ${result.durationMs}`);
        assert.deepEqual(
            server.seen.map((s) => `${s.method} ${s.path}`),
            ["GET /health"],
        );
    });

    it("GIVEN method HEAD WHEN probed THEN the server sees a HEAD request", async () => {
        const server = await serve((_req, res) => reply(res, 204, ""));

        const result = await probe({ url: `${server.baseUrl}/`, method: "HEAD", timeoutMs: 1000 }, { expectStatus: 204 });

        assert.equal(result.ok, true);
        assert.equal(server.seen[0].method, "HEAD");
    });

    it("GIVEN a 503 WHEN probed THEN the failure is a response failure with the status, the reason and a body excerpt", async () => {
        const server = await serve((_req, res) => reply(res, 503, '{"status":"draining"}'));

        const result = await probe({ url: server.baseUrl, timeoutMs: 1000 }, { expectStatus: 200 });

        assert.deepEqual(
            { ...result, durationMs: 0 },
            { ok: false, status: 503, durationMs: 0, failure: "response", reason: "status 503, expected 200", bodyExcerpt: '{"status":"draining"}' },
        );
    });

    it("GIVEN nothing listens on the port WHEN probed THEN the failure is a network failure: connection refused", async () => {
        const result = await probe({ url: `http://${HOST}:${await freePort()}/health`, timeoutMs: 1000 }, { expectStatus: 200 });

        assert.deepEqual({ ...result, durationMs: 0 }, { ok: false, status: undefined, durationMs: 0, failure: "network", reason: "connection refused" });
    });

    it("GIVEN a server slower than the deadline WHEN probed THEN the failure is a timeout, reported within the deadline plus a small margin", async () => {
        const server = await serve((_req, res) => later(2000, () => reply(res, 200, "{}")));

        const result = await probe({ url: server.baseUrl, timeoutMs: 100 }, { expectStatus: 200 });

        assert.equal(result.failure, "timeout");
        assert.equal(result.reason, "timeout after 100 ms");
        assert.ok(result.durationMs >= 100 && result.durationMs < 600, `durationMs ${result.durationMs}`);
    });

    it("GIVEN an https:// URL on a plain-HTTP port WHEN probed THEN the failure is a network failure named as a TLS error", async () => {
        const server = await serve((_req, res) => reply(res, 200, "{}"));

        const result = await probe({ url: server.baseUrl.replace("http://", "https://"), timeoutMs: 1000 }, { expectStatus: 200 });

        assert.equal(result.failure, "network");
        assert.match(String(result.reason), /^tls error ERR_SSL_/);
        assert.equal(server.seen.length, 0);
    });

    it(`GIVEN the expected text only after the first ${MAX_BODY_BYTES} bytes WHEN probed THEN it reads no further and says where it looked`, async () => {
        const server = await serve((_req, res) => reply(res, 200, `${"x".repeat(MAX_BODY_BYTES)}"status":"ok"`));

        const result = await probe({ url: server.baseUrl, timeoutMs: 1000 }, { expectStatus: 200, expectBodyIncludes: '"status":"ok"' });

        assert.equal(result.failure, "response");
        assert.equal(result.reason, `expected text not in the first ${MAX_BODY_BYTES} bytes of the body`);
    });

    describe("naming what fetch throws (describeRequestError)", () => {
        const cases: ReadonlyArray<[string, unknown, { failure: string; reason: string }]> = [
            [
                "an AbortSignal.timeout expiry",
                new DOMException("The operation was aborted due to timeout", "TimeoutError"),
                { failure: "timeout", reason: "timeout after 500 ms" },
            ],
            ["undici's connect timeout", fetchFailed("UND_ERR_CONNECT_TIMEOUT"), { failure: "timeout", reason: "timeout after 500 ms" }],
            ["ECONNREFUSED", fetchFailed("ECONNREFUSED"), { failure: "network", reason: "connection refused" }],
            ["ECONNRESET", fetchFailed("ECONNRESET"), { failure: "network", reason: "connection reset" }],
            ["undici's socket error", fetchFailed("UND_ERR_SOCKET"), { failure: "network", reason: "connection reset" }],
            ["ENOTFOUND (no such host)", fetchFailed("ENOTFOUND"), { failure: "network", reason: "host not found" }],
            ["EAI_AGAIN (DNS did not answer)", fetchFailed("EAI_AGAIN"), { failure: "network", reason: "host not found" }],
            ["an expired certificate", fetchFailed("CERT_HAS_EXPIRED"), { failure: "network", reason: "tls error CERT_HAS_EXPIRED" }],
            ["a self-signed certificate", fetchFailed("DEPTH_ZERO_SELF_SIGNED_CERT"), { failure: "network", reason: "tls error DEPTH_ZERO_SELF_SIGNED_CERT" }],
            [
                "a certificate for another host",
                fetchFailed("ERR_TLS_CERT_ALTNAME_INVALID"),
                { failure: "network", reason: "tls error ERR_TLS_CERT_ALTNAME_INVALID" },
            ],
            ["an unknown code", fetchFailed("EHOSTUNREACH"), { failure: "network", reason: "request failed: EHOSTUNREACH" }],
            [
                "a cause without a code",
                new TypeError("fetch failed", { cause: new Error("bad port") }),
                { failure: "network", reason: "request failed: bad port" },
            ],
            ["something that is not an Error", "boom", { failure: "network", reason: "request failed: boom" }],
        ];
        for (const [label, err, expected] of cases) {
            it(`GIVEN ${label} WHEN named THEN it is a ${expected.failure} failure: "${expected.reason}"`, () => {
                assert.deepEqual(describeRequestError(err, 500), expected);
            });
        }
    });

    describe("GIVEN an HTTPS server on 127.0.0.1 whose certificate is for smoke.example.test only (a load balancer's address, an application's certificate)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-tls-"));
        let server: https.Server;
        let port = 0;
        let cert = "";
        const seen: { host?: string; servername?: string }[] = [];
        before(async () => {
            // A self-signed certificate for one name, made by openssl as a CA would issue one.
            execFileSync(
                "openssl",
                [
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=smoke.example.test",
                    "-addext",
                    "subjectAltName=DNS:smoke.example.test",
                    "-keyout",
                    path.join(dir, "key.pem"),
                    "-out",
                    path.join(dir, "cert.pem"),
                ],
                { stdio: "ignore" },
            );
            cert = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
            server = https.createServer({ key: fs.readFileSync(path.join(dir, "key.pem")), cert }, (req, res) => {
                seen.push({ host: req.headers.host, servername: (req.socket as { servername?: string }).servername });
                reply(res, 200, '{"status":"ok"}');
            });
            port = await freePort();
            await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
        });
        after(() => {
            server.close();
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("WHEN probed with serverName smoke.example.test THEN the handshake and the Host header name it, the certificate is checked against it, and the probe passes", async () => {
            seen.length = 0;
            const result = await probe(
                { url: `https://${HOST}:${port}/health`, serverName: "smoke.example.test", ca: cert, timeoutMs: 2000 },
                { expectStatus: 200, expectJson: true },
            );
            assert.deepEqual({ ...result, durationMs: 0 }, { ok: true, status: 200, durationMs: 0 });
            assert.deepEqual(seen, [{ host: "smoke.example.test", servername: "smoke.example.test" }]);
        });
        it("WHEN probed with a server name the certificate is not for THEN a TLS network failure, and no request reaches the server", async () => {
            seen.length = 0;
            const result = await probe(
                { url: `https://${HOST}:${port}/health`, serverName: "other.example.test", ca: cert, timeoutMs: 2000 },
                { expectStatus: 200 },
            );
            assert.deepEqual([result.ok, result.failure, result.reason], [false, "network", "tls error ERR_TLS_CERT_ALTNAME_INVALID"]);
            assert.deepEqual(seen, []);
        });
        it("WHEN probed without trusting the certificate's issuer THEN a TLS network failure", async () => {
            const result = await probe({ url: `https://${HOST}:${port}/health`, serverName: "smoke.example.test", timeoutMs: 2000 }, { expectStatus: 200 });
            assert.deepEqual([result.ok, result.failure, result.reason], [false, "network", "tls error DEPTH_ZERO_SELF_SIGNED_CERT"]);
        });
    });
});
