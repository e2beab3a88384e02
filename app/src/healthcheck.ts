/**
 * Container health check: `node dist/healthcheck.js` (no curl/wget in the image).
 *
 * GETs http://127.0.0.1:$PORT/health with a 2 s overall timeout and exits 0
 * on HTTP 200, 1 on anything else (other status, refused, timeout, bad PORT).
 */

import * as http from "node:http";

import { parsePort } from "./config";

export const HEALTHCHECK_TIMEOUT_MS = 2_000;

export interface HealthCheckOptions {
    port: number;
    host?: string;
    path?: string;
    timeoutMs?: number;
}

export interface HealthCheckResult {
    healthy: boolean;
    /** Short human-readable reason, e.g. "status 200" or "connect ECONNREFUSED ...". */
    detail: string;
    statusCode?: number;
}

/** Resolves (never rejects) with whether the endpoint answered 200 in time. */
export function checkHealth(options: HealthCheckOptions): Promise<HealthCheckResult> {
    const { port, host = "127.0.0.1", path = "/health", timeoutMs = HEALTHCHECK_TIMEOUT_MS } = options;
    return new Promise<HealthCheckResult>((resolve) => {
        let settled = false;
        const req = http.request({ host, port, path, method: "GET", agent: false });
        const settle = (result: HealthCheckResult): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            req.destroy();
            resolve(result);
        };
        // An overall deadline: the `timeout` request option only covers socket idleness.
        const timer = setTimeout(() => settle({ healthy: false, detail: `no response within ${timeoutMs} ms` }), timeoutMs);
        req.on("response", (res) => {
            res.resume();
            const statusCode = res.statusCode ?? 0;
            settle({ healthy: statusCode === 200, statusCode, detail: `status ${statusCode}` });
        });
        req.on("error", (err) => settle({ healthy: false, detail: err.message }));
        req.end();
    });
}

function run(): void {
    let port: number;
    try {
        port = parsePort(process.env.PORT);
    } catch (err) {
        process.stderr.write(`unhealthy: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    }
    void checkHealth({ port }).then((result) => {
        const out = result.healthy ? process.stdout : process.stderr;
        out.write(`${result.healthy ? "healthy" : "unhealthy"}: ${result.detail}\n`, () => process.exit(result.healthy ? 0 : 1));
    });
}

if (require.main === module) {
    run();
}
