/**
 * One stack file being written for one Copilot environment: its stack-wide keys, its services in
 * the order Copilot's workspace lists them, the secrets to set, and what each key came from.
 */
import { LNode } from "./located";
import { Findings } from "./report";
import { Tier } from "../../stacks/keys";

export type Service = Record<string, unknown>;

export class StackDraft {
    /** `shipyard:<key>` values besides services, in the order they were set. */
    readonly keys = new Map<string, unknown>();
    readonly services = new Map<string, Service>();
    /** Secret names by service, each set with `pulumi config set --secret`. */
    readonly secrets = new Map<string, string[]>();
    /** Which service a stack-wide key's value came from. */
    private readonly keySource = new Map<string, string>();

    constructor(
        readonly env: string,
        readonly tier: Tier,
        private readonly findings: Findings,
    ) {}

    /**
     * Sets a stack-wide key from a field of `from` (a service, or the environment). The first
     * value wins: a second service asking for another value is told, since the key holds one
     * value for every service of the stack.
     */
    stackKey(key: string, value: unknown, node: LNode | undefined, from: string, how = ""): void {
        const known = this.keys.get(key);
        const source = this.keySource.get(key);
        if (source !== undefined && JSON.stringify(known) !== JSON.stringify(value)) {
            this.findings.note(
                node,
                this.env,
                "approximate",
                `shipyard:${key} is one value for the whole stack and already ${JSON.stringify(known)} (from ${source}); ${JSON.stringify(value)} not applied`,
            );
            return;
        }
        this.keys.set(key, value);
        this.keySource.set(key, from);
        if (node)
            this.findings.note(
                node,
                this.env,
                how ? "approximate" : "carried",
                `shipyard:${key}: ${JSON.stringify(value)} (stack-wide)${how ? `: ${how}` : ""}`,
            );
    }

    /** Sets a stack-wide key the importer decides on, not from a field. */
    set(key: string, value: unknown): void {
        this.keys.set(key, value);
    }

    addSecret(service: string, name: string): void {
        const list = this.secrets.get(service) ?? [];
        if (!list.includes(name)) list.push(name);
        this.secrets.set(service, list);
    }
}
