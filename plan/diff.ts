/**
 * What differs between two environments, resource by resource and setting by setting. Resources
 * are paired by logical name with the environment's name taken out (`demo-alpha-nat-0` and
 * `demo-live-nat-0` are the same resource in two environments), and values are compared the same
 * way, so that only real differences remain.
 */
import { PlannedResource, shortType } from "./summarize";

export interface SettingChange {
    readonly path: string;
    readonly a: unknown;
    readonly b: unknown;
}

export interface ResourceDiff {
    readonly key: string;
    readonly type: string;
    /** Present in only one environment, or changed in both. */
    readonly kind: "only-a" | "only-b" | "changed";
    readonly changes: readonly SettingChange[];
}

export interface StackDiff {
    readonly a: string;
    readonly b: string;
    readonly resources: readonly ResourceDiff[];
}

function neutral(value: unknown, env: string): unknown {
    if (typeof value === "string") {
        const normalized = value.split(env).join("<env>");
        // Container definitions and policies are JSON strings: compare their contents, not their text.
        if (/^[[{]/.test(normalized)) {
            try {
                return JSON.parse(normalized) as unknown;
            } catch {
                return normalized;
            }
        }
        return normalized;
    }
    return value;
}

/** Flattens inputs to `path -> scalar`, with the environment's name replaced by <env>. */
export function flatten(value: unknown, env: string, at = "", out: Map<string, unknown> = new Map()): Map<string, unknown> {
    const v = neutral(value, env);
    if (Array.isArray(v)) {
        if (v.length === 0) out.set(at, "[]");
        v.forEach((x, i) => flatten(x, env, `${at}[${i}]`, out));
    } else if (typeof v === "object" && v !== null) {
        for (const [k, x] of Object.entries(v)) flatten(x, env, at ? `${at}.${k}` : k, out);
    } else {
        out.set(at, v);
    }
    return out;
}

export function diffPlans(a: { stack: string; resources: readonly PlannedResource[] }, b: { stack: string; resources: readonly PlannedResource[] }): StackDiff {
    const index = (p: typeof a) => new Map(p.resources.map((r) => [`${shortType(r.type)} ${r.name.split(p.stack).join("<env>")}`, r]));
    const ia = index(a);
    const ib = index(b);
    const keys = [...new Set([...ia.keys(), ...ib.keys()])].sort();
    const resources: ResourceDiff[] = [];
    for (const key of keys) {
        const ra = ia.get(key);
        const rb = ib.get(key);
        if (!ra || !rb) {
            const r = (ra ?? rb) as PlannedResource;
            resources.push({ key, type: r.type, kind: ra ? "only-a" : "only-b", changes: [] });
            continue;
        }
        const fa = flatten(ra.inputs, a.stack);
        const fb = flatten(rb.inputs, b.stack);
        const changes: SettingChange[] = [];
        for (const path of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
            if (fa.get(path) !== fb.get(path)) changes.push({ path, a: fa.get(path), b: fb.get(path) });
        }
        if (changes.length > 0) resources.push({ key, type: ra.type, kind: "changed", changes });
    }
    return { a: a.stack, b: b.stack, resources };
}

export function renderDiff(d: StackDiff): string {
    const out = [`Differences between ${d.a} and ${d.b} (names and values with the environment's name as <env>)`, ""];
    const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));
    const only = (kind: ResourceDiff["kind"], env: string) => {
        const rs = d.resources.filter((r) => r.kind === kind);
        if (rs.length > 0) out.push(`Only in ${env} (${rs.length}):`, ...rs.map((r) => `  + ${r.key}`), "");
    };
    only("only-a", d.a);
    only("only-b", d.b);
    const changed = d.resources.filter((r) => r.kind === "changed");
    out.push(`Changed settings (${changed.length} resources):`);
    for (const r of changed) {
        out.push(`  ~ ${r.key}`);
        for (const c of r.changes) out.push(`      ${c.path}: ${d.a} ${show(c.a)} -> ${d.b} ${show(c.b)}`);
    }
    return out.join("\n");
}
