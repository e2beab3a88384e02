/**
 * Settings come only from the environment (12-factor); nothing is read from disk.
 *
 * Only PORT, APP_ENV, LOG_LEVEL and APP_VERSION values may ever appear in logs.
 * SHUTDOWN_TIMEOUT_MS is validated but its value is deliberately never logged.
 */

import { isLogLevel, type LogFields, type LogLevel } from "./logger";

export const DEFAULT_PORT = 8080;
export const DEFAULT_ENVIRONMENT = "local";
export const DEFAULT_LOG_LEVEL: LogLevel = "info";
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;
/** Largest delay setTimeout accepts without overflowing to 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
const MAX_LABEL_LENGTH = 128;

export interface AppConfig {
    port: number;
    environment: string;
    logLevel: LogLevel;
    shutdownTimeoutMs: number;
    /** Undefined when APP_VERSION is unset or empty. */
    version: string | undefined;
}

/** Something worth logging once a logger exists (config is read before the logger is built). */
export interface ConfigWarning {
    msg: string;
    fields: LogFields;
}

export interface LoadedConfig {
    config: AppConfig;
    warnings: ConfigWarning[];
}

/** Invalid configuration that should stop the process from starting. */
export class ConfigError extends Error {
    constructor(
        message: string,
        /** Safe-to-log context (never contains values of non-allowlisted variables). */
        readonly fields: LogFields = {},
    ) {
        super(message);
        this.name = "ConfigError";
    }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Treat unset, empty and whitespace-only values alike: ECS can pass "" for an unset variable. */
function read(env: Env, name: string): string | undefined {
    const raw = env[name];
    if (raw === undefined) {
        return undefined;
    }
    const trimmed = raw.trim();
    return trimmed === "" ? undefined : trimmed;
}

/** Parses PORT. 0 is allowed (ephemeral port, used by tests). Throws ConfigError. */
export function parsePort(raw: string | undefined, fallback: number = DEFAULT_PORT): number {
    const value = raw?.trim();
    if (value === undefined || value === "") {
        return fallback;
    }
    if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
        throw new ConfigError("invalid PORT: expected an integer from 0 to 65535", {
            value: value.slice(0, MAX_LABEL_LENGTH),
        });
    }
    return Number(value);
}

function parseShutdownTimeout(raw: string | undefined): number {
    if (raw === undefined) {
        return DEFAULT_SHUTDOWN_TIMEOUT_MS;
    }
    const parsed = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < 1 || parsed > MAX_TIMER_MS) {
        // The value itself is not echoed: only allow-listed variables are ever logged.
        throw new ConfigError(`invalid SHUTDOWN_TIMEOUT_MS: expected an integer number of milliseconds from 1 to ${MAX_TIMER_MS}`);
    }
    return parsed;
}

function parseLabel(env: Env, name: string): string | undefined {
    const value = read(env, name);
    if (value !== undefined && value.length > MAX_LABEL_LENGTH) {
        throw new ConfigError(`invalid ${name}: longer than ${MAX_LABEL_LENGTH} characters`);
    }
    return value;
}

export function loadConfig(env: Env): LoadedConfig {
    const warnings: ConfigWarning[] = [];

    const rawLevel = read(env, "LOG_LEVEL");
    let logLevel: LogLevel = DEFAULT_LOG_LEVEL;
    if (rawLevel !== undefined) {
        const normalized = rawLevel.toLowerCase();
        if (isLogLevel(normalized)) {
            logLevel = normalized;
        } else {
            warnings.push({
                msg: `invalid LOG_LEVEL, using ${DEFAULT_LOG_LEVEL}`,
                fields: { value: rawLevel.slice(0, MAX_LABEL_LENGTH), allowed: "debug|info|warn|error" },
            });
        }
    }

    return {
        config: {
            port: parsePort(env.PORT),
            environment: parseLabel(env, "APP_ENV") ?? DEFAULT_ENVIRONMENT,
            logLevel,
            shutdownTimeoutMs: parseShutdownTimeout(read(env, "SHUTDOWN_TIMEOUT_MS")),
            version: parseLabel(env, "APP_VERSION"),
        },
        warnings,
    };
}
