/**
 * What differs between two plans, resource by resource and setting by setting: two environments,
 * or one stack before and after an edit to its stack file. Resources are paired by logical name
 * with the stack's name taken out (`demo-alpha-nat-0` and `demo-live-nat-0` are the same resource
 * in two environments), and values are compared the same way, so that only real differences remain.
 *
 * JSON documents held in strings (dashboard bodies, policies, container definitions) are compared
 * by their contents. A dashboard's differences read as one line naming its widgets by title; any
 * other document with more than {@link MAX_EXPANDED} differing values as one line naming the
 * paths. `full` lists every value instead.
 */
import { PlannedResource, shortType } from "./summarize";

/** One side of a diff: the stack whose plan it is, and what the reader is told it is. */
export interface Side {
    readonly stack: string;
    /** `live`, `before (HEAD)`, `after (working tree)`. */
    readonly label: string;
}

/** A value that differs; `undefined` on the side that does not set it. */
export interface SettingChange {
    readonly path: string;
    readonly a: unknown;
    readonly b: unknown;
}

/** A JSON document whose differences are told in one line (without `full`). */
export interface DocumentChange {
    readonly path: string;
    readonly summary: string;
}

export interface ResourceDiff {
    readonly key: string;
    readonly type: string;
    /** Present in only one plan, or changed in both. */
    readonly kind: "only-a" | "only-b" | "changed";
    readonly changes: readonly (SettingChange | DocumentChange)[];
}

export interface StackDiff {
    readonly a: Side;
    readonly b: Side;
    readonly resources: readonly ResourceDiff[];
}

export interface DiffOptions {
    /** What each side is called; the stack names unless told. */
    readonly labels?: { readonly a: string; readonly b: string };
    /** Every differing value inside JSON documents, not one line per document. */
    readonly full?: boolean;
}

/** A JSON document with at most this many differing values lists them; more read as one line. */
export const MAX_EXPANDED = 3;
/** Paths a one-line document summary names before it says how many more there are. */
const PATHS_NAMED = 5;

const isDocument = (v: unknown): v is object => typeof v === "object" && v !== null;

function neutral(value: unknown, env: string): unknown {
    if (typeof value === "string") {
        const normalized = env === "" ? value : value.split(env).join("<env>");
        // Container definitions, policies and dashboards are JSON strings: compare their contents, not their text.
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

/**
 * Flattens inputs to `path -> scalar`, with the environment's name replaced by <env>; entries of a
 * list that all have distinct names are named by them (`environment[LOG_LEVEL].value`). JSON
 * documents held in strings are flattened too, unless `documents` is given: then each is kept
 * whole there, by its path.
 */
export function flatten(value: unknown, env: string, at = "", out: Map<string, unknown> = new Map(), documents?: Map<string, object>): Map<string, unknown> {
    const v = neutral(value, env);
    if (documents && typeof value === "string" && isDocument(v)) {
        documents.set(at, v);
    } else if (Array.isArray(v)) {
        if (v.length === 0) out.set(at, "[]");
        // Lists of named entries (environment variables, secrets, containers, WAF rules) pair by name,
        // so that adding one does not shift every entry after it.
        const names = v.map((x) => (isDocument(x) && typeof (x as { name?: unknown }).name === "string" ? (x as { name: string }).name : undefined));
        const byName = names.every((n) => n !== undefined && /^[\w.:/-]+$/.test(n)) && new Set(names).size === names.length;
        v.forEach((x, i) => flatten(x, env, `${at}[${byName ? names[i] : i}]`, out, documents));
    } else if (isDocument(v)) {
        for (const [k, x] of Object.entries(v)) flatten(x, env, at ? `${at}.${k}` : k, out, documents);
    } else {
        out.set(at, v);
    }
    return out;
}

function valueChanges(fa: Map<string, unknown>, fb: Map<string, unknown>, prefix = ""): SettingChange[] {
    const join = (p: string) => (prefix && p && !p.startsWith("[") ? `${prefix}.${p}` : `${prefix}${p}`);
    return [...new Set([...fa.keys(), ...fb.keys()])]
        .sort()
        .filter((p) => fa.get(p) !== fb.get(p))
        .map((p) => ({ path: join(p), a: fa.get(p), b: fb.get(p) }));
}

type Widget = { type?: string; x?: number; y?: number; width?: number; height?: number; properties?: { title?: string; markdown?: string } };

/** Widgets by what a reader calls them: the title, or a text widget's first line; repeated names numbered. */
function widgetsByTitle(doc: object): Map<string, Widget> {
    const out = new Map<string, Widget>();
    for (const w of (doc as { widgets: Widget[] }).widgets) {
        const text = w.properties?.markdown?.split("\n")[0].replace(/^#+\s*/, "");
        const name = w.properties?.title ?? (text ? `text: ${text}` : `${w.type ?? "untitled"} widget`);
        let key = name;
        for (let n = 2; out.has(key); n++) key = `${name} #${n}`;
        out.set(key, w);
    }
    return out;
}

function dashboardSummary(a: object, b: object, sides: { a: Side; b: Side }): string | undefined {
    const wa = widgetsByTitle(a);
    const wb = widgetsByTitle(b);
    const content = (w: Widget) => JSON.stringify({ ...w, x: undefined, y: undefined, width: undefined, height: undefined });
    const quote = (names: string[]) => names.map((n) => `"${n}"`).join(", ");
    const onlyA = [...wa.keys()].filter((k) => !wb.has(k));
    const onlyB = [...wb.keys()].filter((k) => !wa.has(k));
    const both = [...wa.keys()].filter((k) => wb.has(k));
    const changed = both.filter((k) => content(wa.get(k) as Widget) !== content(wb.get(k) as Widget));
    const moved = both.filter((k) => !changed.includes(k) && JSON.stringify(wa.get(k)) !== JSON.stringify(wb.get(k)));
    const rest = valueChanges(flatten({ ...a, widgets: undefined }, ""), flatten({ ...b, widgets: undefined }, "")).map((c) => c.path);
    const parts = [
        ...(onlyA.length > 0 ? [`widgets only in - ${sides.a.label}: ${quote(onlyA)}`] : []),
        ...(onlyB.length > 0 ? [`widgets only in + ${sides.b.label}: ${quote(onlyB)}`] : []),
        ...(changed.length > 0 ? [`widgets changed: ${quote(changed)}`] : []),
        ...(moved.length > 0 ? [`${moved.length} widget(s) only moved or resized`] : []),
        ...(rest.length > 0 ? [`also ${rest.join(", ")}`] : []),
    ];
    return parts.length === 0 ? undefined : `dashboard of ${wa.size} widgets (- ${sides.a.label}) and ${wb.size} (+ ${sides.b.label}): ${parts.join("; ")}`;
}

/** How a JSON document held in a string differs, in one line or value by value. */
function documentChanges(path: string, a: object | undefined, b: object | undefined, sides: { a: Side; b: Side }): (SettingChange | DocumentChange)[] {
    if (!a || !b) return [{ path, summary: a ? `JSON document only in - ${sides.a.label}` : `JSON document only in + ${sides.b.label}` }];
    const isDashboard = (d: object) => Array.isArray((d as { widgets?: unknown }).widgets);
    if (isDashboard(a) && isDashboard(b)) {
        const summary = dashboardSummary(a, b, sides);
        return summary === undefined ? [] : [{ path, summary }];
    }
    // The documents' strings already have the stack's name as <env>.
    const changes = valueChanges(flatten(a, ""), flatten(b, ""), path);
    if (changes.length <= MAX_EXPANDED) return changes;
    const named = changes.slice(0, PATHS_NAMED).map((c) => c.path.slice(path.length).replace(/^\./, ""));
    const more = changes.length - named.length;
    return [{ path, summary: `JSON document, ${changes.length} values differ: ${named.join(", ")}${more > 0 ? ` and ${more} more` : ""} (--full lists them)` }];
}

export function diffPlans(
    a: { stack: string; resources: readonly PlannedResource[] },
    b: { stack: string; resources: readonly PlannedResource[] },
    options: DiffOptions = {},
): StackDiff {
    const sides = { a: { stack: a.stack, label: options.labels?.a ?? a.stack }, b: { stack: b.stack, label: options.labels?.b ?? b.stack } };
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
        const da = options.full ? undefined : new Map<string, object>();
        const db = options.full ? undefined : new Map<string, object>();
        const changes: (SettingChange | DocumentChange)[] = valueChanges(
            flatten(ra.inputs, a.stack, "", new Map(), da),
            flatten(rb.inputs, b.stack, "", new Map(), db),
        );
        for (const path of [...new Set([...(da?.keys() ?? []), ...(db?.keys() ?? [])])].sort()) {
            changes.push(...documentChanges(path, da?.get(path), db?.get(path), sides));
        }
        changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
        if (changes.length > 0) resources.push({ key, type: ra.type, kind: "changed", changes });
    }
    return { ...sides, resources };
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/**
 * The diff as text, every line marked with its side: `- <a>` and `+ <b>` (a stack's name, or
 * `before (HEAD)` and `after (working tree)`), `~` for a resource or document that changed.
 */
export function renderDiff(d: StackDiff): string {
    const minus = `- ${d.a.label}`;
    const plus = `+ ${d.b.label}`;
    const w = Math.max(minus.length, plus.length) + 2;
    const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));
    const what = d.a.stack === d.b.stack ? `stack ${d.a.stack}` : `stacks ${d.a.stack} and ${d.b.stack}`;
    const out = [`Diff of ${what}: "${minus}" and "${plus}" (names and values with the stack's name as <env>)`, ""];
    if (d.resources.length === 0) return [...out, "No differences."].join("\n");
    const only = (kind: ResourceDiff["kind"], mark: string, side: Side) => {
        const rs = d.resources.filter((r) => r.kind === kind);
        if (rs.length > 0) out.push(`Only in ${side.label}: ${plural(rs.length, "resource")}`, ...rs.map((r) => `${mark.padEnd(w)}${r.key}`), "");
    };
    only("only-a", minus, d.a);
    only("only-b", plus, d.b);
    const changed = d.resources.filter((r) => r.kind === "changed");
    if (changed.length > 0) out.push(`Changed: ${plural(changed.length, "resource")}`);
    for (const r of changed) {
        out.push(`~ ${r.key}`);
        for (const c of r.changes) {
            if ("summary" in c) out.push(`${"~".padEnd(w)}${c.path}: ${c.summary}`);
            else out.push(`${minus.padEnd(w)}${c.path} = ${show(c.a)}`, `${plus.padEnd(w)}${c.path} = ${show(c.b)}`);
        }
    }
    return out.join("\n");
}

/** The diff for a pull request comment: a heading and the text in a `diff` block, which GitHub colors by side. */
export function renderDiffMarkdown(d: StackDiff): string {
    const [first, , ...rest] = renderDiff(d).split("\n");
    const fence = rest.some((l) => l.includes("```")) ? "````" : "```";
    return [`## ${first}`, "", `${fence}diff`, ...rest, fence].join("\n");
}
