/**
 * A small query API over a recorded run, in the spirit of CDK's `assertions`: find by type, count
 * exactly, match inputs. Every failure names what was expected and what was there.
 */
import { isDeepStrictEqual } from "util";

export interface Recorded {
    readonly type: string;
    /** Logical name. */
    readonly name: string;
    /** The engine's URN: stack, project, the parents' types and its own, its name. */
    readonly urn: string;
    /** Other URNs the engine knows it by (its aliases and those inherited from its parents): a resource once registered under one of them is updated, not replaced. */
    readonly aliases: readonly string[];
    /** Custom resource (a cloud resource), as opposed to a component. */
    readonly custom: boolean;
    /** Logical name of the parent, if any. */
    readonly parent?: string;
    readonly protect: boolean;
    /** Left in the cloud when Pulumi deletes it (`retainOnDelete`). */
    readonly retainOnDelete: boolean;
    /** Logical names of explicit and implicit dependencies. */
    readonly dependsOn: readonly string[];
    readonly ignoreChanges: readonly string[];
    /** `customTimeouts` the program set (e.g. "35m"), if any. */
    readonly customTimeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
    /** Inputs with secret values unwrapped. */
    readonly inputs: Record<string, unknown>;
    /**
     * Input properties the engine stores as secret: a secret anywhere inside a property makes the
     * whole top-level property secret (`value`, `conditions`, ...).
     */
    readonly secretPaths: readonly string[];
    /**
     * The secret values themselves, as the program marked them, before the engine lifts them to
     * their property (`conditions[2].httpHeader.values[0]`): what a plan masks.
     */
    readonly secretLeaves?: readonly string[];
    /** What the (mock) provider answered: the inputs plus ids and ARNs in AWS's shapes. */
    readonly outputs: Record<string, unknown>;
}

/** A predicate used in place of an expected value. */
export class Matcher {
    constructor(
        readonly describe: string,
        readonly test: (actual: unknown) => boolean,
    ) {}
}

export const Match = {
    /** The key must be missing or undefined. */
    absent: () => new Matcher("absent", (a) => a === undefined),
    /** Any value but undefined. */
    present: () => new Matcher("present", (a) => a !== undefined),
    /** A string matching the pattern. */
    stringLike: (re: RegExp) => new Matcher(`string like ${re}`, (a) => typeof a === "string" && re.test(a)),
    /** An array containing elements matching each pattern, in any order. */
    arrayWith: (items: unknown[]) =>
        new Matcher(`array with ${JSON.stringify(items)}`, (a) => Array.isArray(a) && items.every((i) => a.some((x) => matches(x, i)))),
    /** A JSON string whose parsed value matches the pattern. */
    serializedJson: (pattern: unknown) =>
        new Matcher(`JSON matching ${JSON.stringify(pattern)}`, (a) => {
            if (typeof a !== "string") return false;
            try {
                return matches(JSON.parse(a), pattern);
            } catch {
                return false;
            }
        }),
};

/**
 * Objects match when every expected key matches (extra actual keys are fine); arrays must have
 * the same length with each element matching; anything else must be deeply equal.
 */
export function matches(actual: unknown, expected: unknown): boolean {
    if (expected instanceof Matcher) return expected.test(actual);
    if (Array.isArray(expected)) {
        return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(actual[i], e));
    }
    if (typeof expected === "object" && expected !== null) {
        if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return false;
        const a = actual as Record<string, unknown>;
        return Object.entries(expected).every(([k, e]) => matches(a[k], e));
    }
    return isDeepStrictEqual(actual, expected);
}

export class Graph {
    constructor(readonly resources: readonly Recorded[]) {}

    /** Resources other than the stack itself. */
    get all(): Recorded[] {
        return this.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    }

    ofType(type: string): Recorded[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** Resources of `type` whose inputs match `props`. */
    find(type: string, props: unknown = {}): Recorded[] {
        return this.ofType(type).filter((r) => matches(r.inputs, props));
    }

    /** The one resource of `type` matching `props`; throws when there are none or several. */
    one(type: string, props: unknown = {}): Recorded {
        const found = this.find(type, props);
        if (found.length !== 1) {
            throw new Error(
                `expected exactly 1 ${type} matching ${describe(props)}, found ${found.length} (of ${this.ofType(type).length} of that type: ${this.ofType(type)
                    .map((r) => r.name)
                    .join(", ")})`,
            );
        }
        return found[0];
    }

    byName(name: string): Recorded {
        const found = this.resources.filter((r) => r.name === name);
        if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
        return found[0];
    }

    childrenOf(parent: Recorded): Recorded[] {
        return this.resources.filter((r) => r.parent === parent.name);
    }

    /** Asserts the exact number of resources of `type`. */
    resourceCountIs(type: string, count: number): void {
        const n = this.ofType(type).length;
        if (n !== count)
            throw new Error(
                `expected ${count} ${type}, found ${n}: ${
                    this.ofType(type)
                        .map((r) => r.name)
                        .join(", ") || "none"
                }`,
            );
    }

    /** Asserts that at least one resource of `type` has inputs matching `props`. */
    hasResourceProperties(type: string, props: unknown): void {
        if (this.find(type, props).length === 0) {
            const seen = this.ofType(type)
                .map((r) => `  ${r.name}: ${JSON.stringify(r.inputs)}`)
                .join("\n");
            throw new Error(`no ${type} matches ${describe(props)}; found:\n${seen || "  none of that type"}`);
        }
    }

    /** Count of each resource type, sorted by type. */
    countsByType(): Record<string, number> {
        const out: Record<string, number> = {};
        for (const r of this.all) out[r.type] = (out[r.type] ?? 0) + 1;
        return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
    }
}

function describe(props: unknown): string {
    return JSON.stringify(props, (_k, v) => (v instanceof Matcher ? `<${v.describe}>` : v));
}
