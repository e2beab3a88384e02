/**
 * Pull-request previews (issue 21): the stack `pr-<number>` of tier preview, made from the source
 * stack's file (alpha's by default), and the team's preview settings (`release/previews.json`).
 * Pure: the commands that deploy, destroy and sweep previews are in `./previewCli`.
 */
import { parse, stringify } from "yaml";
import { PREVIEW_BOOTSTRAP_ENV, PREVIEW_MAX_TTL_DAYS } from "../bootstrap/previews";
import { PROJECT, stackNameProblem } from "../stacks/keys";
import { ReleaseError, UsageError } from "./errors";

/** The team's preview settings, beside the build contexts in release/. */
export const PREVIEW_SETTINGS_FILE = "release/previews.json";

export interface PreviewSettings {
    /** The stack whose file every preview is made from. @default "alpha" */
    readonly source: string;
    /** Days after its first deploy that the sweep destroys a preview, whatever happens on it. @default 3 */
    readonly ttlDays: number;
    /** Days without a deploy (no push to the pull request) after which the sweep destroys a preview. @default 1 */
    readonly idleDays: number;
    /** Previews that may exist at once; a pull request labelled past it gets a comment and no stack. @default 5 */
    readonly maxPreviews: number;
}

export const PREVIEW_DEFAULTS: PreviewSettings = Object.freeze({ source: "alpha", ttlDays: 3, idleDays: 1, maxPreviews: 5 });

/** ttlDays stays within what ECR keeps a pull request's images (bootstrap/previews.ts). */
const RANGES = { ttlDays: [1, PREVIEW_MAX_TTL_DAYS], idleDays: [1, PREVIEW_MAX_TTL_DAYS], maxPreviews: [1, 50] } as const;

/** Reads `release/previews.json`; a bad value is refused with the file, the key, the value and what is allowed. */
export function parsePreviewSettings(text: string, file: string = PREVIEW_SETTINGS_FILE): PreviewSettings {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new ReleaseError(`${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
        throw new ReleaseError(`${file}: must be an object such as ${JSON.stringify(PREVIEW_DEFAULTS)}`);
    const problems: string[] = [];
    const values = raw as Record<string, unknown>;
    for (const key of Object.keys(values))
        if (!(key in PREVIEW_DEFAULTS))
            problems.push(`key ${key} = ${JSON.stringify(values[key])}: unknown; known keys are ${Object.keys(PREVIEW_DEFAULTS).join(", ")}`);
    const source = values.source ?? PREVIEW_DEFAULTS.source;
    if (typeof source !== "string" || stackNameProblem(source))
        problems.push(`key source = ${JSON.stringify(source)}: the name of a stack with a stack file, e.g. alpha`);
    const numbers: Record<string, number> = {};
    for (const [key, [low, high]] of Object.entries(RANGES)) {
        const v = values[key] ?? PREVIEW_DEFAULTS[key as keyof typeof RANGES];
        if (typeof v !== "number" || !Number.isInteger(v) || v < low || v > high)
            problems.push(`key ${key} = ${JSON.stringify(v)}: allowed: a whole number from ${low} to ${high}`);
        else numbers[key] = v;
    }
    if (problems.length > 0) throw new ReleaseError(`${file} has invalid settings:\n  - ${problems.join("\n  - ")}`);
    return Object.freeze({ source: source as string, ttlDays: numbers.ttlDays, idleDays: numbers.idleDays, maxPreviews: numbers.maxPreviews });
}

/** `pr-<number>` for a pull request number; a usage error for anything that is not one, or too long for a stack name. */
export function previewStack(pr: string | number): string {
    const text = String(pr);
    if (!/^[1-9][0-9]*$/.test(text)) throw new UsageError(`--pr "${text}" must be a pull request number (1 or more)`);
    const stack = `pr-${text}`;
    const problem = stackNameProblem(stack);
    if (problem) throw new UsageError(`--pr ${text}: the stack ${stack} cannot be used: ${problem}`);
    return stack;
}

/** The pull request number of a preview stack's name, or undefined for any other stack. */
export function previewNumber(stack: string): number | undefined {
    const m = /^pr-([1-9][0-9]*)$/.exec(stack);
    return m ? Number(m[1]) : undefined;
}

/**
 * Keys of the source stack a preview does not copy, so that the preview tier's defaults apply: no
 * NAT gateway, public task subnets, Fargate Spot, one task, rolling deploys, 3 days of logs, the
 * smallest database class with one day of backups and no standby, no backup plan, access logs,
 * WAF, tracing or flow logs, no deletion protection; its own VPC block.
 */
export const PREVIEW_TIER_KEYS = [
    "natGateways",
    "taskSubnets",
    "spot",
    "minTasks",
    "maxTasks",
    "vpcCidr",
    "publicSubnetCidrs",
    "privateSubnetCidrs",
    "flowLogs",
    "logRetentionDays",
    "deployment",
    "bakeTimeMinutes",
    "smokeTest",
    "approvalTimeoutMinutes",
    "testListenerCidrs",
    "protect",
    "accessLogs",
    "waf",
    "tracing",
    "databaseInstanceClass",
    "databaseStorageGb",
    "databaseMultiAz",
    "databaseBackupRetentionDays",
    "databasePasswordRotationDays",
    "backupPlan",
    "backupRetentionDays",
    "reminderMinutes",
    "endpointCheckMinutes",
] as const;

/**
 * Keys a preview cannot take from the source stack: its secrets are encrypted with the source's
 * secrets provider, which the preview deploy role cannot use (the previews have their own key), and
 * a preview's alarms go to no Slack channel; an assets host needs a bootstrap rule of its own.
 */
export const PREVIEW_DROPPED_KEYS = ["secrets", "slackWebhookUrl", "databaseUrl", "assetsHost", "tier", "bootstrapEnvironment"] as const;

/** Per-service keys a preview does not copy (the tier's one task on Spot). */
const SERVICE_TIER_KEYS = ["minTasks", "maxTasks", "spot"] as const;

interface ServiceSpec {
    expose?: string;
    hosts?: string[];
    [key: string]: unknown;
}

/** The host names of a preview: `pr-<n>.<zone>` for the source's own host, `pr-<n>-<service>.<zone>` for any other. */
export function previewHosts(stack: string, source: string, zone: string, services: Readonly<Record<string, ServiceSpec>>): Record<string, string[]> {
    const withHosts = Object.entries(services).filter(([, s]) => (s.hosts ?? []).length > 0);
    const http = withHosts.filter(([, s]) => s.expose === "http");
    // The service the source serves on its own label (alpha.example.org) gets the preview's own label.
    const main = http.find(([, s]) => (s.hosts ?? []).includes(`${source}.${zone}`))?.[0] ?? http[0]?.[0];
    return Object.fromEntries(withHosts.map(([name]) => [name, [name === main ? `${stack}.${zone}` : `${stack}-${name}.${zone}`]]));
}

/**
 * The stack file of the preview `stack`, made from the source stack's file: the preview tier, the
 * previews' shared bootstrap pieces, the preview's host names, every other setting the source's
 * except those the tier decides ({@link PREVIEW_TIER_KEYS}) and those it cannot have
 * ({@link PREVIEW_DROPPED_KEYS}). The services keep the source's images until the deploy sets the
 * pull request's.
 */
export function previewStackFile(stack: string, source: string, sourceText: string, pr: { readonly number: number; readonly repository?: string }): string {
    const doc = (parse(sourceText) ?? {}) as { config?: Record<string, unknown> };
    const config = doc.config ?? {};
    const key = (name: string) => `${PROJECT}:${name}`;
    const zone = config[key("dnsZone")];
    if (typeof zone !== "string" || zone === "")
        throw new ReleaseError(`Pulumi.${source}.yaml: key ${key("dnsZone")} is missing; a preview's host names are made in it`);
    const services = config[key("services")];
    if (typeof services !== "object" || services === null || Array.isArray(services))
        throw new ReleaseError(`Pulumi.${source}.yaml: key ${key("services")} must be a map of services`);
    const hosts = previewHosts(stack, source, zone, services as Record<string, ServiceSpec>);
    const skipped = new Set<string>([...PREVIEW_TIER_KEYS, ...PREVIEW_DROPPED_KEYS].map(key));
    const out: Record<string, unknown> = { [key("tier")]: "preview", [key("bootstrapEnvironment")]: PREVIEW_BOOTSTRAP_ENV };
    for (const [k, v] of Object.entries(config)) {
        if (skipped.has(k)) continue;
        if (k === key("services")) {
            out[k] = Object.fromEntries(
                Object.entries(v as Record<string, ServiceSpec>).map(([name, spec]) => {
                    const copy: Record<string, unknown> = { ...spec };
                    for (const s of SERVICE_TIER_KEYS) delete copy[s];
                    if (hosts[name]) copy.hosts = hosts[name];
                    return [name, copy];
                }),
            );
        } else out[k] = v;
    }
    const header = [
        `${stack}: the preview of pull request #${pr.number}${pr.repository ? ` of ${pr.repository}` : ""}, made by npm run preview from Pulumi.${source}.yaml.`,
        "Generated at each deploy and never committed: edit the source stack's file or release/previews.json instead.",
    ];
    return `${header.map((l) => `# ${l}`).join("\n")}\n${stringify({ config: out }, { lineWidth: 0 })}`;
}

/** The URLs a preview serves: https for each host of an http service, host:port for a tcp service's listeners. */
export function previewUrls(stackFileText: string): { readonly service: string; readonly url: string }[] {
    const config = ((parse(stackFileText) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
    const services = (config[`${PROJECT}:services`] ?? {}) as Record<string, ServiceSpec & { listeners?: { port: number }[] }>;
    return Object.entries(services).flatMap(([service, s]) =>
        (s.hosts ?? []).flatMap((h) =>
            s.expose === "tcp" ? (s.listeners ?? []).map((l) => ({ service, url: `${h}:${l.port}` })) : [{ service, url: `https://${h}` }],
        ),
    );
}
