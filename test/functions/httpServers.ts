/**
 * HTTP servers on 127.0.0.1 that play the endpoints a function probes (not a test file itself).
 * Each listens on an ephemeral port, records the requests it sees, and answers through a
 * responder the test supplies; `closeServers()` in `afterEach` closes them all and cancels any
 * answer still scheduled with `later()`.
 */

import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { HOST } from "../app/support";

export interface Seen {
    readonly method: string;
    readonly path: string;
    readonly headers: http.IncomingHttpHeaders;
}

export interface TestServer {
    readonly baseUrl: string;
    readonly seen: Seen[];
}

/** Answers request number `n` (0-based). */
export type Responder = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

const servers: http.Server[] = [];
const timers = new Set<NodeJS.Timeout>();

/** Runs `fn` after `ms`, unless the test ends first. */
export function later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
    }, ms);
    timers.add(timer);
}

export async function serve(respond: Responder): Promise<TestServer> {
    const seen: Seen[] = [];
    const server = http.createServer((req, res) => {
        seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers });
        respond(req, res, seen.length - 1);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    return { baseUrl: `http://${HOST}:${(server.address() as AddressInfo).port}`, seen };
}

export function reply(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body);
}

/** For `afterEach`: cancels pending answers and closes every server, dropping open connections. */
export async function closeServers(): Promise<void> {
    timers.forEach(clearTimeout);
    timers.clear();
    await Promise.all(
        servers.splice(0).map(
            (server) =>
                new Promise<void>((resolve) => {
                    server.closeAllConnections();
                    server.close(() => resolve());
                }),
        ),
    );
}
