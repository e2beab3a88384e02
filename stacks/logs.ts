/** The containers' log level and how long CloudWatch keeps the environment's logs. */
import { LOG_RETENTION_DAYS } from "../lib/aws";
import { Fail } from "./problems";
import { KeyValues } from "./raw";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Logging; part of each service's settings. */
export interface LogSettings {
    /** LOG_LEVEL given to the container. @default info in the production and staging tiers, debug in development and preview */
    readonly logLevel: LogLevel;
    /** Days CloudWatch keeps the logs. @default 90 in the production tier, 30 in staging, 7 in development, 3 in preview */
    readonly logRetentionDays: number;
}

/** Checks the log level and that the retention is one CloudWatch offers. */
export function parseLogs(v: Pick<KeyValues, "logLevel" | "logRetentionDays">, fail: Fail): LogSettings {
    if (!(LOG_LEVELS as readonly string[]).includes(v.logLevel)) fail("logLevel", v.logLevel, `allowed: ${LOG_LEVELS.join(", ")}`);
    if (!LOG_RETENTION_DAYS.includes(v.logRetentionDays)) fail("logRetentionDays", v.logRetentionDays, `allowed: ${LOG_RETENTION_DAYS.join(", ")}`);
    return { logLevel: v.logLevel as LogLevel, logRetentionDays: v.logRetentionDays };
}
