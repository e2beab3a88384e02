import * as assert from "node:assert/strict";
import * as http from "node:http";

import { HEALTHCHECK_TIMEOUT_MS, checkHealth } from "../../app/src/healthcheck";
import { type RunningServer, startServer } from "../../app/src/server";
import { HOST, LogCollector } from "./support";

describe("sample-app checkHealth() (in-process)", function () {
    this.timeout(5_000);

    const servers: RunningServer[] = [];
    const plainServers: http.Server[] = [];

    afterEach(async () => {
        await Promise.all(servers.splice(0).map((app) => app.close()));
        for (const server of plainServers.splice(0)) {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    });

    it("uses a 2 second deadline by default, as the container health check requires", () => {
        assert.equal(HEALTHCHECK_TIMEOUT_MS, 2_000);
    });

    it("GIVEN the service is draining WHEN checked on an existing server THEN it is unhealthy (503 is not 200)", async () => {
        // A stand-in that answers like a draining server, since a draining server refuses new connections.
        const draining = http.createServer((_req, res) => {
            res.writeHead(503, { "Content-Type": "application/json" }).end('{"status":"draining"}');
        });
        plainServers.push(draining);
        await new Promise<void>((resolve) => draining.listen(0, HOST, resolve));
        const { port } = draining.address() as { port: number };

        const result = await checkHealth({ port });

        assert.deepEqual(result, { healthy: false, statusCode: 503, detail: "status 503" });
    });

    it("GIVEN a running service WHEN checked THEN it is healthy with status 200", async () => {
        const app = await startServer({ host: HOST, port: 0, logSink: new LogCollector() });
        servers.push(app);

        const result = await checkHealth({ port: app.port });

        assert.deepEqual(result, { healthy: true, statusCode: 200, detail: "status 200" });
    });

    it("GIVEN a server that never answers WHEN checked with a 150 ms deadline THEN it is unhealthy after about 150 ms", async () => {
        const silent = http.createServer(() => {
            /* never responds */
        });
        plainServers.push(silent);
        await new Promise<void>((resolve) => silent.listen(0, HOST, resolve));
        const { port } = silent.address() as { port: number };

        const startedAt = Date.now();
        const result = await checkHealth({ port, timeoutMs: 150 });
        const elapsed = Date.now() - startedAt;

        assert.deepEqual(result, { healthy: false, detail: "no response within 150 ms" });
        assert.ok(elapsed >= 140 && elapsed < 1_000, `took ${elapsed} ms`);
    });
});
