/**
 * Minimal structured logger: one JSON object per line, no dependencies.
 *
 * Every line has `time` (ISO 8601), `level` and `msg`, followed by any extra
 * fields. Callers are responsible for never passing secrets as fields; the
 * server only ever logs method, path (without query string), status and
 * timings for requests, never headers.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SEVERITY: Readonly<Record<LogLevel, number>> = {
    debug: 10,
    info: 20,
    warn: 30,
    error: 40,
};

/** Anything with a `write(string)` method: process.stdout, a stream, or a test collector. */
export interface LogSink {
    write(chunk: string): unknown;
}

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
    readonly level: LogLevel;
    isEnabled(level: LogLevel): boolean;
    debug(msg: string, fields?: LogFields): void;
    info(msg: string, fields?: LogFields): void;
    warn(msg: string, fields?: LogFields): void;
    error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
    /** Minimum level written. Default: info. */
    level?: LogLevel;
    /** Where lines go. Default: process.stdout. */
    sink?: LogSink;
    /** Clock, injectable for tests. Default: () => new Date(). */
    now?: () => Date;
}

const RESERVED_KEYS = new Set(["time", "level", "msg"]);

export function isLogLevel(value: string): value is LogLevel {
    return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Errors stringify to `{}` in JSON; turn them into something readable. */
function serializeValue(value: unknown): unknown {
    if (value instanceof Error) {
        return { name: value.name, message: value.message, stack: value.stack };
    }
    if (typeof value === "bigint") {
        return value.toString();
    }
    return value;
}

export function createLogger(options: LoggerOptions = {}): Logger {
    const level: LogLevel = options.level ?? "info";
    const sink: LogSink = options.sink ?? process.stdout;
    const now = options.now ?? (() => new Date());
    const threshold = SEVERITY[level];

    const isEnabled = (candidate: LogLevel): boolean => SEVERITY[candidate] >= threshold;

    const write = (lineLevel: LogLevel, msg: string, fields?: LogFields): void => {
        if (!isEnabled(lineLevel)) {
            return;
        }
        const record: Record<string, unknown> = { time: now().toISOString(), level: lineLevel, msg };
        if (fields) {
            for (const [key, value] of Object.entries(fields)) {
                // Fields may not overwrite the envelope; that would make lines lie.
                if (!RESERVED_KEYS.has(key)) {
                    record[key] = serializeValue(value);
                }
            }
        }
        let line: string;
        try {
            line = JSON.stringify(record);
        } catch {
            // Circular structures etc. A log call must never throw into request handling.
            line = JSON.stringify({
                time: record.time,
                level: lineLevel,
                msg,
                log_error: "fields could not be serialized",
            });
        }
        sink.write(`${line}\n`);
    };

    return {
        level,
        isEnabled,
        debug: (msg, fields) => write("debug", msg, fields),
        info: (msg, fields) => write("info", msg, fields),
        warn: (msg, fields) => write("warn", msg, fields),
        error: (msg, fields) => write("error", msg, fields),
    };
}
