/**
 * Shared helpers for the sample-app tests (not a test file itself).
 * Everything talks to 127.0.0.1 only.
 */

import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

import type { LogSink } from "../../app/src/server";

export const HOST = "127.0.0.1";
export const APP_SRC = path.resolve(__dirname, "../../app/src");

export type LogRecord = Record<string, unknown>;

/** An in-memory log sink: what the server writes, split into lines and parsed. */
export class LogCollector implements LogSink {
    private buffer = "";

    write(chunk: string): boolean {
        this.buffer += chunk;
        return true;
    }

    lines(): string[] {
        return this.buffer.split("\n").filter((line) => line !== "");
    }

    /** Parses every line; throws (failing the test) if any line is not a JSON object. */
    records(): LogRecord[] {
        return this.lines().map((line) => {
            const parsed: unknown = JSON.parse(line);
            if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
                throw new Error(`log line is not a JSON object: ${line}`);
            }
            return parsed as LogRecord;
        });
    }

    text(): string {
        return this.buffer;
    }
}

export interface HttpResult {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

export interface RequestOptions {
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    agent?: http.Agent | false;
}

/** One HTTP request to 127.0.0.1:port. Default: a fresh connection (agent: false). */
export function httpRequest(port: number, urlPath: string, options: RequestOptions = {}): Promise<HttpResult> {
    return new Promise<HttpResult>((resolve, reject) => {
        const req = http.request(
            {
                host: HOST,
                port,
                path: urlPath,
                method: options.method ?? "GET",
                headers: options.headers,
                agent: options.agent ?? false,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (chunk: Buffer) => chunks.push(chunk));
                res.on("error", reject);
                res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
            },
        );
        req.on("error", reject);
        req.end();
    });
}

/** Resolves with the error a promise rejected with; fails if it resolved instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<NodeJS.ErrnoException> {
    try {
        await promise;
    } catch (err) {
        return err as NodeJS.ErrnoException;
    }
    throw new Error("expected the promise to reject, but it resolved");
}

/** A port that was free a moment ago (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
        const probe = net.createServer();
        probe.once("error", reject);
        probe.listen(0, HOST, () => {
            const { port } = probe.address() as net.AddressInfo;
            probe.close((err) => (err ? reject(err) : resolve(port)));
        });
    });
}

/**
 * A raw TCP connection that has already sent the start of a request
 * (request line and one header, but not the blank line that ends it).
 * Node counts it as an active, not idle, connection, so it survives the
 * server's "close idle connections" step; `finish()` then completes the
 * request on that already-open connection and reads the full response.
 */
export interface PendingRawRequest {
    finish(): Promise<HttpResult>;
    destroy(): void;
}

export function openPartialRequest(port: number, method: string, urlPath: string): Promise<PendingRawRequest> {
    return new Promise<PendingRawRequest>((resolve, reject) => {
        const socket = net.connect(port, HOST);
        const chunks: Buffer[] = [];
        let ended = false;
        const endWaiters: Array<() => void> = [];
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("close", () => {
            ended = true;
            endWaiters.splice(0).forEach((wake) => wake());
        });
        socket.once("error", reject);
        socket.once("connect", () => {
            socket.write(`${method} ${urlPath} HTTP/1.1\r\nHost: ${HOST}:${port}\r\n`, () =>
                resolve({
                    finish: () =>
                        new Promise<HttpResult>((done, fail) => {
                            socket.once("error", fail);
                            const parse = (): void => {
                                try {
                                    done(parseRawResponse(Buffer.concat(chunks).toString("utf8")));
                                } catch (err) {
                                    fail(err);
                                }
                            };
                            socket.write("\r\n");
                            if (ended) parse();
                            else endWaiters.push(parse);
                        }),
                    destroy: () => socket.destroy(),
                }),
            );
        });
    });
}

function parseRawResponse(raw: string): HttpResult {
    const split = raw.indexOf("\r\n\r\n");
    if (split === -1) {
        throw new Error(`incomplete HTTP response: ${JSON.stringify(raw)}`);
    }
    const [statusLine, ...headerLines] = raw.slice(0, split).split("\r\n");
    const match = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine ?? "");
    if (!match) {
        throw new Error(`bad status line: ${JSON.stringify(statusLine)}`);
    }
    const headers: http.IncomingHttpHeaders = {};
    for (const line of headerLines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status: Number(match[1]), headers, body: raw.slice(split + 4) };
}

/** Lets a test hold a handler open until it decides, and know when it started. */
export class Gate {
    readonly entered: Promise<void>;
    private readonly released: Promise<void>;
    private markEntered: () => void = () => undefined;
    private markReleased: () => void = () => undefined;

    constructor() {
        this.entered = new Promise<void>((resolve) => {
            this.markEntered = resolve;
        });
        this.released = new Promise<void>((resolve) => {
            this.markReleased = resolve;
        });
    }

    /** Called by the handler: signals entry, then waits for release. */
    wait(): Promise<void> {
        this.markEntered();
        return this.released;
    }

    release(): void {
        this.markReleased();
    }
}

export function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Transpiles app/src/*.ts to plain JavaScript in a fresh temp directory, the
 * same shape as the image's dist/, so child processes run what the container
 * runs: `node <dir>/main.js`. Type checking is done separately by tsc.
 */
export function transpileAppTo(): string {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sample-app-dist-"));
    for (const file of fs.readdirSync(APP_SRC)) {
        if (!file.endsWith(".ts")) continue;
        const source = fs.readFileSync(path.join(APP_SRC, file), "utf8");
        const { outputText } = ts.transpileModule(source, {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, strict: true },
            fileName: file,
        });
        fs.writeFileSync(path.join(outDir, file.replace(/\.ts$/, ".js")), outputText);
    }
    return outDir;
}

export interface ChildRun {
    child: ChildProcess;
    stdout(): string;
    stderr(): string;
    /** Parsed JSON lines printed so far on stdout. */
    records(): LogRecord[];
    waitForRecord(predicate: (record: LogRecord) => boolean, timeoutMs: number): Promise<LogRecord>;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node script` with exactly the given environment (nothing inherited). */
export function runNode(script: string, env: Record<string, string>): ChildRun {
    const child = spawn(process.execPath, [script], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const listeners = new Set<() => void>();
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        listeners.forEach((listener) => listener());
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
        err += chunk;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const records = (): LogRecord[] =>
        out
            .split("\n")
            .filter((line) => line.trim() !== "")
            .map((line) => JSON.parse(line) as LogRecord);

    return {
        child,
        stdout: () => out,
        stderr: () => err,
        records,
        exited,
        waitForRecord: (predicate, timeoutMs) =>
            new Promise<LogRecord>((resolve, reject) => {
                const check = (): boolean => {
                    // Only complete lines: a partially written line is not parsed yet.
                    const complete = out.slice(0, out.lastIndexOf("\n") + 1);
                    const found = complete
                        .split("\n")
                        .filter((line) => line.trim() !== "")
                        .map((line) => JSON.parse(line) as LogRecord)
                        .find(predicate);
                    if (found) {
                        cleanup();
                        resolve(found);
                        return true;
                    }
                    return false;
                };
                const timer = setTimeout(() => {
                    cleanup();
                    reject(new Error(`no matching log line within ${timeoutMs} ms; stdout=${out} stderr=${err}`));
                }, timeoutMs);
                const onExit = (): void => {
                    if (!check()) {
                        cleanup();
                        reject(new Error(`process exited before the log line; stdout=${out} stderr=${err}`));
                    }
                };
                const listener = (): void => {
                    check();
                };
                const cleanup = (): void => {
                    clearTimeout(timer);
                    listeners.delete(listener);
                    child.off("exit", onExit);
                };
                listeners.add(listener);
                child.once("exit", onExit);
                check();
            }),
    };
}

/** Kills a child that is still running and waits for it; no-op if it already exited. */
export async function reap(run: ChildRun | undefined): Promise<void> {
    if (!run) return;
    if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill("SIGKILL");
    }
    await run.exited;
}
