/**
 * The sample web service: a zero-dependency HTTP server built on node:http.
 *
 * This module has no side effects on import: nothing listens, no signal
 * handlers are installed and the process is never exited from here. `main.ts`
 * wires it to the process; tests start it in-process on port 0.
 */

import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { DEFAULT_ENVIRONMENT, DEFAULT_LOG_LEVEL, DEFAULT_PORT, DEFAULT_SHUTDOWN_TIMEOUT_MS, loadConfig, type Env } from "./config";
import { createLogger, type LogLevel, type LogSink, type Logger } from "./logger";

export { ConfigError, loadConfig, parsePort, type AppConfig, type Env } from "./config";
export { createLogger, LOG_LEVELS, type LogLevel, type LogSink, type Logger } from "./logger";

export const SERVICE_NAME = "sample-app";

/**
 * Node's default keep-alive timeout (5 s) is shorter than an ALB's idle
 * timeout (60 s): the ALB may then reuse a socket Node is closing and answer
 * 502. Keeping connections longer than the ALB does avoids that race.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Longest request path written to logs; paths are attacker-controlled. */
const MAX_LOGGED_PATH_LENGTH = 256;

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/** path -> HTTP method -> handler. Paths are matched exactly, without the query string. */
export type RouteTable = Readonly<Record<string, Readonly<Record<string, RouteHandler>>>>;

export interface ServerOptions {
    /** Port to listen on. 0 picks a free port. Default 8080. */
    port?: number;
    /** Interface to bind. Default: Node's default (all interfaces). Tests use 127.0.0.1. */
    host?: string;
    /** Deployment environment shown on `/` and in logs. Default "local". */
    environment?: string;
    /** Shown on `/`; "unknown" when unset. */
    version?: string;
    /** Minimum log level. Default "info". Ignored when `logger` is given. */
    logLevel?: LogLevel;
    /** Where JSON log lines go. Default process.stdout. Ignored when `logger` is given. */
    logSink?: LogSink;
    /** A ready-made logger (takes precedence over logLevel/logSink). */
    logger?: Logger;
    /** How long shutdown() waits for in-flight requests before giving up. Default 25000. */
    shutdownTimeoutMs?: number;
    /** Idle keep-alive timeout for client connections. Default 65000. */
    keepAliveTimeoutMs?: number;
    /** Extra routes (tests use this for slow handlers). Must not collide with built-in paths. */
    routes?: RouteTable;
}

export interface ShutdownResult {
    /** True when every in-flight request finished before the timeout. */
    clean: boolean;
    /** True when SHUTDOWN_TIMEOUT_MS passed and remaining connections were cut. */
    timedOut: boolean;
    durationMs: number;
}

export interface AppServer {
    readonly server: http.Server;
    readonly logger: Logger;
    /** Starts listening; resolves with the bound address. Logs "server started". */
    listen(): Promise<AddressInfo>;
    /** True once shutdown (or close) has begun: /health then answers 503. */
    isDraining(): boolean;
    /**
     * Graceful stop: refuse new connections, answer /health with 503, let
     * in-flight requests finish, close idle keep-alive connections. Resolves
     * (never rejects) when done or when the shutdown timeout passes. Idempotent.
     */
    shutdown(reason?: string): Promise<ShutdownResult>;
    /** Immediate stop that cuts every connection. For cleanup; idempotent. */
    close(): Promise<void>;
}

export interface RunningServer extends AppServer {
    readonly port: number;
    /** Base URL on the loopback interface, e.g. http://127.0.0.1:8080 */
    readonly url: string;
}

/** Writes a JSON response with explicit length and no caching. HEAD gets headers only. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": Buffer.byteLength(payload),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        ...headers,
    });
    res.end(res.req.method === "HEAD" ? undefined : payload);
}

function pathOf(url: string | undefined): string {
    const raw = url ?? "/";
    const cut = raw.search(/[?#]/);
    return cut === -1 ? raw : raw.slice(0, cut);
}

function buildRoutes(builtIn: RouteTable, extra: RouteTable | undefined): Map<string, Map<string, RouteHandler>> {
    // Maps, not plain objects: a request for "/__proto__" must not hit Object.prototype.
    const table = new Map<string, Map<string, RouteHandler>>();
    const add = (source: RouteTable): void => {
        for (const [path, methods] of Object.entries(source)) {
            if (table.has(path)) {
                throw new Error(`route ${path} is already defined`);
            }
            const byMethod = new Map<string, RouteHandler>();
            for (const [method, handler] of Object.entries(methods)) {
                byMethod.set(method.toUpperCase(), handler);
            }
            table.set(path, byMethod);
        }
    };
    add(builtIn);
    if (extra) {
        add(extra);
    }
    return table;
}

export function createServer(options: ServerOptions = {}): AppServer {
    const port = options.port ?? DEFAULT_PORT;
    const environment = options.environment ?? DEFAULT_ENVIRONMENT;
    const version = options.version;
    const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
    const logger = options.logger ?? createLogger({ level: options.logLevel ?? DEFAULT_LOG_LEVEL, sink: options.logSink });

    let draining = false;
    let listened = false;
    let shutdownPromise: Promise<ShutdownResult> | undefined;
    /** Responses not yet closed: what "in flight" means during shutdown. */
    const inFlight = new Set<http.ServerResponse>();

    const health: RouteHandler = (_req, res) => {
        if (draining) {
            sendJson(res, 503, { status: "draining" });
        } else {
            sendJson(res, 200, { status: "ok" });
        }
    };
    const info: RouteHandler = (_req, res) => {
        // Deliberately a fixed allow-list of fields: never echo the environment.
        sendJson(res, 200, { service: SERVICE_NAME, environment, version: version ?? "unknown" });
    };
    const routes = buildRoutes(
        {
            "/health": { GET: health, HEAD: health },
            "/": { GET: info, HEAD: info },
        },
        options.routes,
    );

    const server = http.createServer((req, res) => {
        const startedAt = process.hrtime.bigint();
        const method = req.method ?? "GET";
        const path = pathOf(req.url);
        inFlight.add(res);
        if (draining) {
            // Tell keep-alive clients this connection ends after this response.
            res.setHeader("Connection", "close");
        }

        res.on("close", () => {
            inFlight.delete(res);
            const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
            // Method, path, status and timing only: headers (authorization, cookie, ...)
            // and query strings are never logged.
            logger.debug("request", {
                method,
                path: path.slice(0, MAX_LOGGED_PATH_LENGTH),
                status: res.statusCode,
                duration_ms: Math.round(durationMs * 1000) / 1000,
                ...(res.writableFinished ? {} : { aborted: true }),
            });
            if (draining) {
                // The connection may now be idle; don't let it hold shutdown open.
                setImmediate(() => server.closeIdleConnections());
            }
        });

        const methods = routes.get(path);
        if (methods === undefined) {
            sendJson(res, 404, { error: "not_found" });
            return;
        }
        const handler = methods.get(method);
        if (handler === undefined) {
            sendJson(res, 405, { error: "method_not_allowed" }, { Allow: [...methods.keys()].join(", ") });
            return;
        }
        void (async () => {
            try {
                await handler(req, res);
            } catch (err) {
                logger.error("request handler failed", { method, path: path.slice(0, MAX_LOGGED_PATH_LENGTH), err });
                if (!res.headersSent) {
                    sendJson(res, 500, { error: "internal_error" });
                } else {
                    res.destroy();
                }
            }
        })();
    });
    server.keepAliveTimeout = keepAliveTimeoutMs;
    // Must exceed keepAliveTimeout, or Node may drop a reused socket mid-request.
    server.headersTimeout = keepAliveTimeoutMs + 1_000;

    const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));

    const listen = (): Promise<AddressInfo> =>
        new Promise<AddressInfo>((resolve, reject) => {
            const onStartupError = (err: Error): void => reject(err);
            server.once("error", onStartupError);
            server.listen({ port, host: options.host }, () => {
                server.off("error", onStartupError);
                server.on("error", (err) => logger.error("server error", { err }));
                listened = true;
                const address = server.address() as AddressInfo; // always an AddressInfo for a TCP listener
                logger.info("server started", {
                    port: address.port,
                    environment,
                    log_level: logger.level,
                    version,
                });
                resolve(address);
            });
        });

    const shutdown = (reason = "shutdown"): Promise<ShutdownResult> => {
        if (shutdownPromise) {
            return shutdownPromise;
        }
        const startedAt = Date.now();
        draining = true;
        logger.info("shutdown started", { reason, in_flight: inFlight.size });
        for (const res of inFlight) {
            if (!res.headersSent) {
                res.setHeader("Connection", "close");
            }
        }

        shutdownPromise = new Promise<ShutdownResult>((resolve) => {
            if (!listened || !server.listening) {
                // Never started, or already closed by close(): nothing to drain.
                resolve({ clean: true, timedOut: false, durationMs: 0 });
                return;
            }
            let settled = false;
            const settle = (clean: boolean): void => {
                settled = true;
                clearTimeout(timer);
                resolve({ clean, timedOut: !clean, durationMs: Date.now() - startedAt });
            };
            const timer = setTimeout(() => {
                if (settled) return;
                logger.error("shutdown timed out with requests still in flight; closing their connections", {
                    in_flight: inFlight.size,
                });
                server.closeAllConnections();
                settle(false);
            }, shutdownTimeoutMs);

            void closed.then(() => {
                if (settled) return;
                logger.info("shutdown complete", { duration_ms: Date.now() - startedAt });
                settle(true);
            });
            // Stops accepting; 'close' fires once every existing connection has ended.
            server.close();
            server.closeIdleConnections();
        });
        return shutdownPromise;
    };

    const close = async (): Promise<void> => {
        draining = true;
        if (server.listening) {
            server.close();
        }
        server.closeAllConnections();
        if (listened) {
            await closed;
        }
    };

    return {
        server,
        logger,
        listen,
        isDraining: () => draining,
        shutdown,
        close,
    };
}

/** createServer + listen. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
    const app = createServer(options);
    const address = await app.listen();
    return { ...app, port: address.port, url: `http://127.0.0.1:${address.port}` };
}

/** Options that cannot come from the environment. */
export type StartFromEnvOptions = Pick<ServerOptions, "host" | "logSink" | "routes" | "keepAliveTimeoutMs">;

/**
 * Reads PORT, APP_ENV, LOG_LEVEL, SHUTDOWN_TIMEOUT_MS and APP_VERSION, logs any
 * configuration warnings (e.g. an invalid LOG_LEVEL) and starts listening.
 * Throws ConfigError for configuration that must stop startup (e.g. PORT=abc).
 */
export async function startServerFromEnv(env: Env, extra: StartFromEnvOptions = {}): Promise<RunningServer> {
    const { config, warnings } = loadConfig(env);
    const logger = createLogger({ level: config.logLevel, sink: extra.logSink });
    for (const warning of warnings) {
        logger.warn(warning.msg, warning.fields);
    }
    return startServer({
        ...extra,
        port: config.port,
        environment: config.environment,
        version: config.version,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        logger,
    });
}
