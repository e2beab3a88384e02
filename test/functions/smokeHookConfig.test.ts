import * as assert from "node:assert/strict";

import { ConfigError } from "../../functions/lib/config";
import { DEFAULT_CHECKS, loadConfig, MAX_ATTEMPTS, MAX_CHECKS, MAX_TIMEOUT_MS } from "../../functions/smokeHook/config";

const BASE = { SMOKE_BASE_URL: "http://internal-alb-dns:8443" };

function errorOf(env: Record<string, string>): string {
    try {
        loadConfig(env);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.message;
    }
    throw new Error("expected loadConfig to throw");
}

describe("smoke hook configuration from the environment (functions/smokeHook/config)", () => {
    it("GIVEN only SMOKE_BASE_URL WHEN loaded THEN GET /health expecting 200, 2000 ms per request and 3 rounds are the defaults", () => {
        assert.deepEqual(loadConfig(BASE), { baseUrl: "http://internal-alb-dns:8443", checks: DEFAULT_CHECKS, timeoutMs: 2000, attempts: 3 });
        assert.deepEqual(DEFAULT_CHECKS, [{ path: "/health", method: "GET", expectStatus: 200, expectJson: false }]);
    });

    it("GIVEN every variable set (https, a trailing slash, empty strings elsewhere ignored) WHEN loaded THEN each is used", () => {
        const config = loadConfig({
            SMOKE_BASE_URL: " https://smoke.example.com:8443/ ",
            SMOKE_CHECKS: JSON.stringify([
                { path: "/health", expectStatus: 200, expectBodyIncludes: '"status":"ok"', expectJson: true },
                { path: "/?probe=1", method: "HEAD", expectStatus: 204 },
            ]),
            SMOKE_TIMEOUT_MS: "750",
            SMOKE_ATTEMPTS: "5",
            UNRELATED: "",
        });

        assert.deepEqual(config, {
            baseUrl: "https://smoke.example.com:8443",
            checks: [
                { path: "/health", method: "GET", expectStatus: 200, expectBodyIncludes: '"status":"ok"', expectJson: true },
                { path: "/?probe=1", method: "HEAD", expectStatus: 204, expectJson: false },
            ],
            timeoutMs: 750,
            attempts: 5,
        });
        assert.ok(Object.isFrozen(config) && Object.isFrozen(config.checks) && Object.isFrozen(config.checks[0]));
    });

    it("GIVEN an https base URL and SMOKE_HOST WHEN loaded THEN the host is kept, lowercased, for the TLS handshake and the Host header", () => {
        const config = loadConfig({ SMOKE_BASE_URL: "https://demo-live-1234567890.eu-west-1.elb.amazonaws.com:9080", SMOKE_HOST: "Example.org" });
        assert.equal(config.baseUrl, "https://demo-live-1234567890.eu-west-1.elb.amazonaws.com:9080");
        assert.equal(config.host, "example.org");
        assert.equal(loadConfig(BASE).host, undefined);
    });

    it("GIVEN SMOKE_CHECKS, SMOKE_TIMEOUT_MS and SMOKE_ATTEMPTS as empty strings WHEN loaded THEN they count as unset", () => {
        assert.deepEqual(loadConfig({ ...BASE, SMOKE_CHECKS: "", SMOKE_TIMEOUT_MS: " ", SMOKE_ATTEMPTS: "" }), loadConfig(BASE));
    });

    const rejected: ReadonlyArray<[string, Record<string, string>, string | RegExp]> = [
        ["SMOKE_BASE_URL unset", {}, "SMOKE_BASE_URL is not set: expected the test listener's URL, e.g. http://internal-alb-dns:8443"],
        [
            "SMOKE_BASE_URL not a URL",
            { SMOKE_BASE_URL: "internal-alb:8443" },
            'SMOKE_BASE_URL="internal-alb:8443" is not allowed: expected an http:// or https:// URL',
        ],
        [
            "SMOKE_BASE_URL with another scheme",
            { SMOKE_BASE_URL: "ftp://alb:21" },
            'SMOKE_BASE_URL="ftp://alb:21" is not allowed: expected an http:// or https:// URL',
        ],
        [
            "SMOKE_BASE_URL with credentials (redacted in the message)",
            { SMOKE_BASE_URL: "http://user:hunter2@alb:8443" },
            'SMOKE_BASE_URL="http://***@alb:8443" is not allowed: credentials in the URL are not allowed (they would be logged); the test listener needs none',
        ],
        [
            "SMOKE_BASE_URL with a path",
            { SMOKE_BASE_URL: "http://alb:8443/api" },
            `SMOKE_BASE_URL="http://alb:8443/api" is not allowed: expected scheme, host and port only; put any path prefix into each check's path`,
        ],
        [
            "SMOKE_TIMEOUT_MS=abc",
            { ...BASE, SMOKE_TIMEOUT_MS: "abc" },
            'SMOKE_TIMEOUT_MS="abc" is not allowed: expected an integer number of milliseconds from 1 to 60000',
        ],
        [
            "SMOKE_TIMEOUT_MS=0",
            { ...BASE, SMOKE_TIMEOUT_MS: "0" },
            'SMOKE_TIMEOUT_MS="0" is not allowed: expected an integer number of milliseconds from 1 to 60000',
        ],
        [
            `SMOKE_TIMEOUT_MS=${MAX_TIMEOUT_MS + 1}`,
            { ...BASE, SMOKE_TIMEOUT_MS: String(MAX_TIMEOUT_MS + 1) },
            'SMOKE_TIMEOUT_MS="60001" is not allowed: expected an integer number of milliseconds from 1 to 60000',
        ],
        ["SMOKE_ATTEMPTS=0", { ...BASE, SMOKE_ATTEMPTS: "0" }, 'SMOKE_ATTEMPTS="0" is not allowed: expected an integer from 1 to 10'],
        [`SMOKE_ATTEMPTS=${MAX_ATTEMPTS + 1}`, { ...BASE, SMOKE_ATTEMPTS: "11" }, 'SMOKE_ATTEMPTS="11" is not allowed: expected an integer from 1 to 10'],
        ["SMOKE_ATTEMPTS=2.5", { ...BASE, SMOKE_ATTEMPTS: "2.5" }, 'SMOKE_ATTEMPTS="2.5" is not allowed: expected an integer from 1 to 10'],
        [
            "SMOKE_CHECKS not JSON",
            { ...BASE, SMOKE_CHECKS: "/health" },
            'SMOKE_CHECKS="/health" is not allowed: expected a JSON array such as [{"path":"/health","expectStatus":200}]',
        ],
        ["SMOKE_CHECKS an empty array", { ...BASE, SMOKE_CHECKS: "[]" }, 'SMOKE_CHECKS="[]" is not allowed: expected a JSON array of 1 to 20 checks'],
        [
            `SMOKE_CHECKS with ${MAX_CHECKS + 1} checks`,
            { ...BASE, SMOKE_CHECKS: JSON.stringify(Array(MAX_CHECKS + 1).fill({ path: "/", expectStatus: 200 })) },
            /^SMOKE_CHECKS="\[\{.{190,}\.\.\." is not allowed: expected a JSON array of 1 to 20 checks$/,
        ],
        [
            "a check that is a string",
            { ...BASE, SMOKE_CHECKS: '["/health"]' },
            'SMOKE_CHECKS[0]="/health" is not allowed: expected an object such as {"path":"/health","expectStatus":200}',
        ],
        [
            "a misspelt key",
            { ...BASE, SMOKE_CHECKS: '[{"path":"/health","expectedStatus":200}]' },
            "SMOKE_CHECKS[0].expectedStatus=200 is not allowed: unknown key; allowed keys: path, method, expectStatus, expectBodyIncludes, expectJson",
        ],
        [
            "a protocol-relative path that would leave the test listener",
            { ...BASE, SMOKE_CHECKS: '[{"path":"//evil.example/health","expectStatus":200}]' },
            'SMOKE_CHECKS[0].path="//evil.example/health" is not allowed: expected a path starting with a single "/" (no "//", backslash, whitespace or "#"), at most 2048 characters',
        ],
        [
            "an absolute URL as path",
            { ...BASE, SMOKE_CHECKS: '[{"path":"http://evil.example/","expectStatus":200}]' },
            /^SMOKE_CHECKS\[0\]\.path="http:\/\/evil\.example\/" is not allowed: expected a path starting with a single "\/"/,
        ],
        [
            "POST, which could change production data",
            { ...BASE, SMOKE_CHECKS: '[{"path":"/orders","method":"POST","expectStatus":201}]' },
            'SMOKE_CHECKS[0].method="POST" is not allowed: expected GET or HEAD: smoke requests reach the green revision, which shares production data, so they must not change anything',
        ],
        [
            "expectStatus as a string",
            { ...BASE, SMOKE_CHECKS: '[{"path":"/health","expectStatus":"200"}]' },
            'SMOKE_CHECKS[0].expectStatus="200" is not allowed: expected an integer HTTP status from 100 to 599',
        ],
        [
            "expectStatus missing",
            { ...BASE, SMOKE_CHECKS: '[{"path":"/health"}]' },
            "SMOKE_CHECKS[0].expectStatus=undefined is not allowed: expected an integer HTTP status from 100 to 599",
        ],
        [
            "an empty expectBodyIncludes",
            { ...BASE, SMOKE_CHECKS: '[{"path":"/health","expectStatus":200,"expectBodyIncludes":""}]' },
            'SMOKE_CHECKS[0].expectBodyIncludes="" is not allowed: expected a non-empty string of at most 1024 characters',
        ],
        [
            "SMOKE_HOST that is no host name",
            { SMOKE_BASE_URL: "https://internal-alb-dns:9080", SMOKE_HOST: "web.example.org/health" },
            'SMOKE_HOST="web.example.org/health" is not allowed: expected a host name such as www.example.org, the name the test listener\'s certificate is for',
        ],
        [
            "SMOKE_HOST with a plain-HTTP base URL",
            { ...BASE, SMOKE_HOST: "web.example.org" },
            'SMOKE_HOST="web.example.org" is not allowed: a host for TLS needs an https SMOKE_BASE_URL',
        ],
        [
            "HEAD with a body expectation",
            { ...BASE, SMOKE_CHECKS: '[{"path":"/health","method":"HEAD","expectStatus":200,"expectJson":true}]' },
            'SMOKE_CHECKS[0].method="HEAD" is not allowed: a HEAD response has no body; use GET with expectBodyIncludes or expectJson',
        ],
    ];
    for (const [label, env, message] of rejected) {
        it(`GIVEN ${label} WHEN loaded THEN a ConfigError names the variable, the value and what is allowed`, () => {
            const actual = errorOf(env);
            if (typeof message === "string") assert.equal(actual, message);
            else assert.match(actual, message);
        });
    }

    it("GIVEN a very long bad value WHEN rejected THEN the message echoes at most 200 characters of it", () => {
        const message = errorOf({ ...BASE, SMOKE_TIMEOUT_MS: "9".repeat(1000) });
        assert.ok(message.length < 320, `message is ${message.length} characters`);
        assert.ok(message.includes(`${"9".repeat(200)}...`));
    });
});
