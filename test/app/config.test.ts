import * as assert from "node:assert/strict";

import { ConfigError, DEFAULT_SHUTDOWN_TIMEOUT_MS, loadConfig, parsePort } from "../../app/src/config";

describe("sample-app configuration from the environment", () => {
    it('GIVEN an empty environment WHEN loaded THEN it uses port 8080, env "local", info, 25000 ms and no version', () => {
        assert.deepEqual(loadConfig({}), {
            config: { port: 8080, environment: "local", logLevel: "info", shutdownTimeoutMs: 25_000, version: undefined },
            warnings: [],
        });
        assert.equal(DEFAULT_SHUTDOWN_TIMEOUT_MS, 25_000);
    });

    it("GIVEN every variable set WHEN loaded THEN each is used", () => {
        assert.deepEqual(loadConfig({ PORT: "3000", APP_ENV: "live", LOG_LEVEL: "warn", SHUTDOWN_TIMEOUT_MS: "5000", APP_VERSION: "v7" }).config, {
            port: 3000,
            environment: "live",
            logLevel: "warn",
            shutdownTimeoutMs: 5000,
            version: "v7",
        });
    });

    it("GIVEN empty strings (as ECS may pass) WHEN loaded THEN they count as unset", () => {
        assert.deepEqual(loadConfig({ PORT: "", APP_ENV: " ", LOG_LEVEL: "", SHUTDOWN_TIMEOUT_MS: "", APP_VERSION: "" }), {
            config: { port: 8080, environment: "local", logLevel: "info", shutdownTimeoutMs: 25_000, version: undefined },
            warnings: [],
        });
    });

    it("GIVEN LOG_LEVEL=trace WHEN loaded THEN it falls back to info with one warning naming the value", () => {
        const { config, warnings } = loadConfig({ LOG_LEVEL: "trace" });

        assert.equal(config.logLevel, "info");
        assert.deepEqual(warnings, [{ msg: "invalid LOG_LEVEL, using info", fields: { value: "trace", allowed: "debug|info|warn|error" } }]);
    });

    for (const bad of ["abc", "-1", "65536", "80.5", "1e3", "0x50"]) {
        it(`GIVEN PORT=${bad} WHEN loaded THEN it throws ConfigError`, () => {
            assert.throws(
                () => loadConfig({ PORT: bad }),
                (err: unknown) => {
                    assert.ok(err instanceof ConfigError);
                    assert.equal(err.message, "invalid PORT: expected an integer from 0 to 65535");
                    return true;
                },
            );
        });
    }

    it("GIVEN PORT=0 or 65535 WHEN parsed THEN both ends of the range are accepted", () => {
        assert.equal(parsePort("0"), 0);
        assert.equal(parsePort("65535"), 65_535);
    });

    for (const bad of ["0", "-5", "ten", "1.5", "2147483648"]) {
        it(`GIVEN SHUTDOWN_TIMEOUT_MS=${bad} WHEN loaded THEN it throws ConfigError that does not echo the value`, () => {
            assert.throws(
                () => loadConfig({ SHUTDOWN_TIMEOUT_MS: bad }),
                (err: unknown) => {
                    assert.ok(err instanceof ConfigError);
                    assert.match(err.message, /^invalid SHUTDOWN_TIMEOUT_MS: /);
                    assert.ok(!err.message.includes(` ${bad} `) && !err.message.endsWith(bad), err.message);
                    assert.deepEqual(err.fields, {});
                    return true;
                },
            );
        });
    }

    it("GIVEN an APP_VERSION longer than 128 characters WHEN loaded THEN it throws ConfigError", () => {
        assert.throws(() => loadConfig({ APP_VERSION: "x".repeat(129) }), ConfigError);
    });
});
