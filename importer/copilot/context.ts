/**
 * What mapping one workload in one environment needs: the workspace's facts, where findings,
 * secrets and to-dos are collected, and the stack being drafted; Copilot's workload types and the
 * interpolation Copilot does in manifest strings.
 */
import { LNode } from "./located";
import { Findings, Outcome } from "./report";
import { StackDraft } from "./stack";

export const WORKLOAD_TYPES = [
    "Load Balanced Web Service",
    "Backend Service",
    "Worker Service",
    "Scheduled Job",
    "Request-Driven Web Service",
    "Static Site",
] as const;
export type WorkloadType = (typeof WORKLOAD_TYPES)[number];

/** A digest that stands for "the one the release flow builds": every deploy replaces it (README, "A team's first deploy"). */
export const PLACEHOLDER_DIGEST = `sha256:${"0".repeat(64)}`;

export interface WorkloadContext {
    readonly app: string;
    readonly env: string;
    readonly name: string;
    readonly type: WorkloadType;
    readonly zone: string;
    readonly account: string;
    readonly region: string;
    readonly production: boolean;
    readonly digestOnly: boolean;
    /** The folder holding `copilot/`: Copilot's paths (build, env_file) are relative to it. */
    readonly root: string;
    readonly findings: Findings;
    readonly stack: StackDraft;
    /** Service -> build context, for release/images.json. */
    readonly buildContexts: Map<string, string>;
    readonly secretCommands: string[];
    readonly todo: Set<string>;
    /** Services that asked for Service Connect as clients (network.connect): they call every internal service. */
    readonly clients: Set<string>;
}

/** Records what became of a node (and everything under it) in the context's environment. */
export function noter(ctx: WorkloadContext): (node: LNode | undefined, outcome: Outcome, text: string) => void {
    return (node, outcome, text) => ctx.findings.note(node, ctx.env, outcome, text);
}

/** The value of `${COPILOT_APPLICATION_NAME}` and `${COPILOT_ENVIRONMENT_NAME}` in a manifest string; other `${...}` stay and are named. */
export function interpolate(text: string, ctx: WorkloadContext): { text: string; unresolved: string[] } {
    const unresolved: string[] = [];
    const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
        if (name === "COPILOT_APPLICATION_NAME") return ctx.app;
        if (name === "COPILOT_ENVIRONMENT_NAME") return ctx.env;
        unresolved.push(whole);
        return whole;
    });
    return { text: out, unresolved };
}

/** A word quoted for a POSIX shell. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
