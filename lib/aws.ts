/**
 * What AWS itself imposes on the names and sizes the components build: physical names cut to a
 * type's length limit, partitions for ARNs, Fargate's task sizes, CloudWatch's retention values.
 * Components and settings both use it; it reads no configuration.
 */
import { createHash } from "crypto";

/**
 * Fargate's supported task sizes: CPU units mapped to the memory values (MiB) allowed with them.
 * Source: Amazon ECS developer guide, "Task CPU and memory" for the Fargate launch type.
 */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = Object.freeze({
    256: [512, 1024, 2048],
    512: range(1024, 4096, 1024),
    1024: range(2048, 8192, 1024),
    2048: range(4096, 16384, 1024),
    4096: range(8192, 30720, 1024),
    8192: range(16384, 61440, 4096),
    16384: range(32768, 122880, 8192),
});

function range(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) out.push(v);
    return out;
}

/** Problem with a Fargate CPU/memory pair, or undefined when Fargate supports it. */
export function fargateSizeProblem(cpu: number, memory: number): string | undefined {
    const allowed = FARGATE_SIZES[cpu];
    if (!allowed) {
        return `cpu must be one of ${Object.keys(FARGATE_SIZES).join(", ")} (CPU units)`;
    }
    if (!allowed.includes(memory)) {
        const shown = allowed.length > 6 ? `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}` : allowed.join(", ");
        return `with cpu ${cpu}, memory must be ${shown} (MiB)`;
    }
    return undefined;
}

/** POSIX-style environment variable names, as ECS and shells accept them. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = Object.freeze([
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);

/** The AWS partition a region belongs to, for building ARNs without a cloud lookup. */
export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/**
 * A physical AWS name `<parts joined by ->` cut to `max` characters. When it must be cut, the
 * tail is replaced by a short hash of the full name so two long names stay distinct and the same
 * input always yields the same name (renaming a released resource would replace it).
 */
export function physicalName(parts: readonly string[], max: number): string {
    const full = parts.filter((p) => p.length > 0).join("-");
    if (full.length <= max) return full;
    const hash = createHash("sha256").update(full).digest("hex").slice(0, 7);
    return `${full.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/**
 * Free text (a description) cut to AWS's `max` characters: whole when it fits, else its start and
 * "...", so a description built from settings never makes AWS refuse the resource.
 */
export function fitText(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** SSM's limits: a parameter's ARN (with its name) at most 1011 characters, its description at most 1024. */
export const SSM_PARAMETER_ARN_MAX = 1011;
export const SSM_DESCRIPTION_MAX = 1024;

/** The SSM parameter a secret is kept in (components/fargateTask.ts), and its description. */
export function secretParameter(app: string, env: string, svc: string, name: string): { name: string; description: string } {
    return { name: `/${app}/${env}/${svc}/${name}`, description: `${name} for ${svc} in ${env}; set with pulumi config set --secret` };
}

/** AWS WAF's bounds for a rate-based rule's limit (requests per evaluation window, per key). */
export const WAF_RATE_LIMIT_RANGE = [10, 2_000_000_000] as const;

/** A Step Functions state machine's ARN, as Step Functions forms it (a scheduled job's, components/scheduledJob.ts; `release run-job`). */
export function stateMachineArn(partition: string, region: string, accountId: string, name: string): string {
    return `arn:${partition}:states:${region}:${accountId}:stateMachine:${name}`;
}
