import * as assert from "node:assert/strict";

import { DEFAULT_NAMESPACE, loadConfig, MAX_TARGETS, MAX_TIMEOUT_MS, parseEnvironment } from "../../functions/endpointCheck/config";
import { stackNameProblem } from "../../stacks/keys";

const WEB = { name: "web", url: "https://alpha.example.org/health", expectStatus: 200 };
const BASE = { CHECK_TARGETS: JSON.stringify([WEB]), ENVIRONMENT: "alpha" };

const RULE =
    "expected a stack name: 2 to 16 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row, e.g. alpha, staging2, pr-42";

function targets(...list: unknown[]): string {
    return JSON.stringify(list);
}

describe("endpoint check configuration from the environment (functions/endpointCheck/config)", () => {
    it("GIVEN only CHECK_TARGETS and ENVIRONMENT WHEN loaded THEN 5000 ms per request and the Shipyard/EndpointCheck namespace are the defaults", () => {
        assert.deepEqual(loadConfig(BASE), { targets: [WEB], timeoutMs: 5000, namespace: "Shipyard/EndpointCheck", environment: "alpha" });
        assert.equal(DEFAULT_NAMESPACE, "Shipyard/EndpointCheck");
    });

    it("GIVEN every variable set (two targets, a body expectation, spaces around values) WHEN loaded THEN each is used and the result is frozen", () => {
        const config = loadConfig({
            CHECK_TARGETS: ` ${targets(WEB, { name: "api", url: "https://api.alpha.example.org/v1/health?deep=1", expectStatus: 204, expectBodyIncludes: "ok" })} `,
            CHECK_TIMEOUT_MS: "2500",
            METRIC_NAMESPACE: "Acme/Uptime",
            ENVIRONMENT: " live ",
        });

        assert.deepEqual(config, {
            targets: [WEB, { name: "api", url: "https://api.alpha.example.org/v1/health?deep=1", expectStatus: 204, expectBodyIncludes: "ok" }],
            timeoutMs: 2500,
            namespace: "Acme/Uptime",
            environment: "live",
        });
        assert.ok(Object.isFrozen(config) && Object.isFrozen(config.targets) && Object.isFrozen(config.targets[0]));
    });

    it("GIVEN CHECK_TIMEOUT_MS and METRIC_NAMESPACE as empty strings WHEN loaded THEN they count as unset", () => {
        assert.deepEqual(loadConfig({ ...BASE, CHECK_TIMEOUT_MS: "", METRIC_NAMESPACE: " " }), loadConfig(BASE));
    });

    it("GIVEN an http:// target and the test-only allowHttp option WHEN loaded THEN it is accepted", () => {
        const local = { name: "local", url: "http://127.0.0.1:8080/health", expectStatus: 200 };
        assert.deepEqual(loadConfig({ ...BASE, CHECK_TARGETS: targets(local) }, { allowHttp: true }).targets, [local]);
    });

    it("GIVEN the compact form (each path once, then its hosts) WHEN loaded THEN it yields the same targets as the full form, each expecting 200", () => {
        const compact = JSON.stringify({
            "/health": { web: "alpha.example.org", "web-2": "www.alpha.example.org" },
            "/v1/ping?deep=1": { api: "api.alpha.example.org" },
        });
        assert.deepEqual(loadConfig({ ...BASE, CHECK_TARGETS: compact }).targets, [
            WEB,
            { name: "web-2", url: "https://www.alpha.example.org/health", expectStatus: 200 },
            { name: "api", url: "https://api.alpha.example.org/v1/ping?deep=1", expectStatus: 200 },
        ]);
    });

    const compactRejected: ReadonlyArray<[string, string, string]> = [
        [
            "not JSON",
            "{/health",
            'CHECK_TARGETS="{/health" is not allowed: expected JSON such as {"/health":{"web":"alpha.example.org","web-2":"www.alpha.example.org"}}',
        ],
        [
            "a path without /",
            '{"health":{"web":"alpha.example.org"}}',
            'CHECK_TARGETS path="health" is not allowed: expected a path starting with "/" without spaces, as in {"/health":{"web":"alpha.example.org","web-2":"www.alpha.example.org"}}',
        ],
        [
            "a path with no hosts",
            '{"/health":{}}',
            'CHECK_TARGETS["/health"]={} is not allowed: expected an object of target name to host name, as in {"/health":{"web":"alpha.example.org","web-2":"www.alpha.example.org"}}',
        ],
        [
            "a host with a path",
            '{"/health":{"web":"alpha.example.org/x"}}',
            'CHECK_TARGETS["/health"].web="alpha.example.org/x" is not allowed: expected a host name such as alpha.example.org',
        ],
        [
            "two names alike",
            '{"/a":{"web":"a.example.org"},"/b":{"web":"b.example.org"}}',
            'CHECK_TARGETS[1].name="web" is not allowed: names must be unique: CHECK_TARGETS[0] has it already',
        ],
    ];
    for (const [what, raw, message] of compactRejected) {
        it(`GIVEN the compact form with ${what} WHEN loaded THEN it is refused: ${message}`, () => {
            assert.throws(() => loadConfig({ ...BASE, CHECK_TARGETS: raw }), { name: "ConfigError", message });
        });
    }

    it(`GIVEN the compact form with ${MAX_TARGETS + 1} hosts WHEN loaded THEN it is refused: at most ${MAX_TARGETS} targets`, () => {
        const hosts = Object.fromEntries(Array.from({ length: MAX_TARGETS + 1 }, (_, i) => [`web${i}`, `h${i}.example.org`]));
        assert.throws(() => loadConfig({ ...BASE, CHECK_TARGETS: JSON.stringify({ "/health": hosts }) }), {
            name: "ConfigError",
            message: /^CHECK_TARGETS=.* is not allowed: expected 1 to 20 targets$/,
        });
    });

    const rejected: ReadonlyArray<[string, Record<string, string>, string | RegExp]> = [
        [
            "CHECK_TARGETS unset",
            { ENVIRONMENT: "alpha" },
            'CHECK_TARGETS is not set: expected a JSON array of endpoints to check, such as [{"name":"web","url":"https://alpha.example.org/health","expectStatus":200}]',
        ],
        [
            "CHECK_TARGETS not JSON",
            { ...BASE, CHECK_TARGETS: "https://alpha.example.org/health" },
            'CHECK_TARGETS="https://alpha.example.org/health" is not allowed: expected a JSON array such as [{"name":"web","url":"https://alpha.example.org/health","expectStatus":200}]',
        ],
        ["CHECK_TARGETS an empty array", { ...BASE, CHECK_TARGETS: "[]" }, 'CHECK_TARGETS="[]" is not allowed: expected a JSON array of 1 to 20 targets'],
        [
            `CHECK_TARGETS with ${MAX_TARGETS + 1} targets`,
            { ...BASE, CHECK_TARGETS: targets(...Array.from({ length: MAX_TARGETS + 1 }, (_, i) => ({ ...WEB, name: `web${i}` }))) },
            /^CHECK_TARGETS="\[\{.{190,}\.\.\." is not allowed: expected a JSON array of 1 to 20 targets$/,
        ],
        [
            "a target that is a URL string",
            { ...BASE, CHECK_TARGETS: '["https://alpha.example.org/health"]' },
            'CHECK_TARGETS[0]="https://alpha.example.org/health" is not allowed: expected an object such as {"name":"web","url":"https://alpha.example.org/health","expectStatus":200}',
        ],
        [
            "a misspelt key",
            { ...BASE, CHECK_TARGETS: targets({ ...WEB, expectedStatus: 200 }) },
            "CHECK_TARGETS[0].expectedStatus=200 is not allowed: unknown key; allowed keys: name, url, expectStatus, expectBodyIncludes",
        ],
        [
            "a target without a name",
            { ...BASE, CHECK_TARGETS: targets({ url: WEB.url, expectStatus: 200 }) },
            'CHECK_TARGETS[0].name=undefined is not allowed: expected 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit: it becomes the Endpoint dimension of the metrics',
        ],
        [
            "a name with a space",
            { ...BASE, CHECK_TARGETS: targets({ ...WEB, name: "web app" }) },
            /^CHECK_TARGETS\[0\]\.name="web app" is not allowed: expected 1 to 64 letters/,
        ],
        [
            "two targets with one name",
            { ...BASE, CHECK_TARGETS: targets(WEB, { ...WEB, url: "https://www.alpha.example.org/health" }) },
            'CHECK_TARGETS[1].name="web" is not allowed: names must be unique: CHECK_TARGETS[0] has it already',
        ],
        [
            "an http:// URL (the deployed function checks over TLS only)",
            { ...BASE, CHECK_TARGETS: targets({ ...WEB, url: "http://alpha.example.org/health" }) },
            'CHECK_TARGETS[0].url="http://alpha.example.org/health" is not allowed: expected an https:// URL',
        ],
        [
            "a host without a scheme",
            { ...BASE, CHECK_TARGETS: targets({ ...WEB, url: "alpha.example.org/health" }) },
            'CHECK_TARGETS[0].url="alpha.example.org/health" is not allowed: expected an absolute https:// URL, e.g. https://alpha.example.org/health',
        ],
        [
            "a URL with credentials (redacted in the message)",
            { ...BASE, CHECK_TARGETS: targets({ ...WEB, url: "https://user:hunter2@alpha.example.org/health" }) },
            'CHECK_TARGETS[0].url="https://***@alpha.example.org/health" is not allowed: credentials in the URL are not allowed (they would be logged); a public health URL needs none',
        ],
        [
            "a URL that is not a string",
            { ...BASE, CHECK_TARGETS: targets({ ...WEB, url: 443 }) },
            "CHECK_TARGETS[0].url=443 is not allowed: expected the endpoint's health URL as a string of at most 2048 characters",
        ],
        [
            "expectStatus as a string",
            { ...BASE, CHECK_TARGETS: targets({ ...WEB, expectStatus: "200" }) },
            'CHECK_TARGETS[0].expectStatus="200" is not allowed: expected an integer HTTP status from 100 to 599',
        ],
        [
            "an empty expectBodyIncludes",
            { ...BASE, CHECK_TARGETS: targets({ ...WEB, expectBodyIncludes: "" }) },
            'CHECK_TARGETS[0].expectBodyIncludes="" is not allowed: expected a non-empty string of at most 1024 characters',
        ],
        [
            "CHECK_TIMEOUT_MS=5s",
            { ...BASE, CHECK_TIMEOUT_MS: "5s" },
            'CHECK_TIMEOUT_MS="5s" is not allowed: expected an integer number of milliseconds from 1 to 25000',
        ],
        [
            `CHECK_TIMEOUT_MS=${MAX_TIMEOUT_MS + 1} (two attempts would outlast the one-minute schedule)`,
            { ...BASE, CHECK_TIMEOUT_MS: String(MAX_TIMEOUT_MS + 1) },
            'CHECK_TIMEOUT_MS="25001" is not allowed: expected an integer number of milliseconds from 1 to 25000',
        ],
        [
            "METRIC_NAMESPACE with a space",
            { ...BASE, METRIC_NAMESPACE: "Shipyard Endpoint" },
            'METRIC_NAMESPACE="Shipyard Endpoint" is not allowed: expected 1 to 255 letters, digits and ". _ # : / -", e.g. Shipyard/EndpointCheck',
        ],
        [
            "METRIC_NAMESPACE in AWS's own space",
            { ...BASE, METRIC_NAMESPACE: "AWS/EndpointCheck" },
            'METRIC_NAMESPACE="AWS/EndpointCheck" is not allowed: namespaces starting with AWS/ belong to AWS services; choose your own, e.g. Shipyard/EndpointCheck',
        ],
        ["ENVIRONMENT unset", { CHECK_TARGETS: BASE.CHECK_TARGETS }, `ENVIRONMENT is not set: ${RULE}`],
        ["ENVIRONMENT=Prod", { ...BASE, ENVIRONMENT: "Prod" }, `ENVIRONMENT="Prod" is not allowed: ${RULE}`],
        ["ENVIRONMENT=pr--1", { ...BASE, ENVIRONMENT: "pr--1" }, `ENVIRONMENT="pr--1" is not allowed: ${RULE}`],
    ];
    for (const [label, env, message] of rejected) {
        it(`GIVEN ${label} WHEN loaded THEN a ConfigError names the variable, the value and what is allowed`, () => {
            assert.throws(() => loadConfig(env), { name: "ConfigError", message });
        });
    }
});

describe("endpointCheck config: ENVIRONMENT is any stack name", () => {
    for (const name of ["alpha", "live", "staging2", "pr-42"]) {
        it(`GIVEN ENVIRONMENT=${name} WHEN loaded THEN it is the metrics' environment`, () => {
            assert.equal(loadConfig({ ...BASE, ENVIRONMENT: name }).environment, name);
        });
    }
    // The function cannot import stacks/keys.ts (it ships only its folder and functions/lib), so its copy of the rule is held to it.
    const names = ["a", "ab", "alpha", "staging2", "pr-42", "Prod", "pr--1", "pr-", "2nd", "a".repeat(16), "a".repeat(17), "a_b", "live.eu", ""];
    for (const name of names) {
        const ok = stackNameProblem(name) === undefined;
        it(`GIVEN ENVIRONMENT=${JSON.stringify(name)} WHEN loaded THEN it is ${ok ? "accepted" : "refused"}, as stacks/keys.ts's stackNameProblem says`, () => {
            const load = () => parseEnvironment(name);
            if (ok) assert.equal(load(), name);
            else assert.throws(load, { name: "ConfigError" });
        });
    }
});
