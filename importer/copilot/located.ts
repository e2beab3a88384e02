/**
 * A Copilot manifest as a tree whose every node remembers where it came from: the file, the
 * line and its path in that file. The report cites those lines, and the importer can tell which
 * fields it met that nothing claimed (those are reported as unknown, never dropped).
 *
 * Copilot's `environments.<env>` section overrides the rest of the manifest for one environment:
 * maps merge key by key, anything else (a list, a string, a number) replaces what it overrides
 * (Copilot documentation, "Manifest > environments"). {@link forEnvironment} builds that view.
 */
import { isMap, isScalar, isSeq, LineCounter, Node, parseDocument } from "yaml";

export interface Origin {
    readonly file: string;
    readonly line: number;
    /** The field's path in its file, e.g. `environments.prod.count.range`. */
    readonly path: string;
}

export type LNode =
    | { readonly kind: "map"; readonly entries: ReadonlyMap<string, LNode>; readonly origin: Origin }
    | { readonly kind: "seq"; readonly items: readonly LNode[]; readonly origin: Origin }
    | { readonly kind: "scalar"; readonly value: unknown; readonly origin: Origin };

/** A manifest file that is not YAML, or not a map at its top. */
export class ManifestError extends Error {}

/** Parses `text` (the file `file`) into a located tree. */
export function parseLocated(text: string, file: string): LNode {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        throw new ManifestError(`${file}: not valid YAML at line ${e.linePos?.[0].line ?? "?"}: ${e.message.split("\n")[0]}`);
    }
    const lineOf = (n: Node | null | undefined, fallback: number) => (n?.range ? lines.linePos(n.range[0]).line : fallback);
    const build = (n: unknown, path: string, line: number): LNode => {
        const origin = { file, line, path };
        if (isMap(n)) {
            const entries = new Map<string, LNode>();
            for (const pair of n.items) {
                const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
                const keyLine = lineOf(pair.key as Node, line);
                entries.set(key, build(pair.value, path ? `${path}.${key}` : key, keyLine));
            }
            return { kind: "map", entries, origin };
        }
        if (isSeq(n)) return { kind: "seq", items: n.items.map((item, i) => build(item, `${path}[${i}]`, lineOf(item as Node, line))), origin };
        return { kind: "scalar", value: isScalar(n) ? n.value : n === null || n === undefined ? null : String(n), origin };
    };
    const root = build(doc.contents, "", 1);
    if (root.kind !== "map") throw new ManifestError(`${file}: a manifest is a map of fields (name, type, ...)`);
    return root;
}

/** The child at `key` of a map node, if any. */
export function child(node: LNode | undefined, key: string): LNode | undefined {
    return node?.kind === "map" ? node.entries.get(key) : undefined;
}

/** The node at a path of keys. */
export function at(node: LNode | undefined, ...keys: string[]): LNode | undefined {
    let n = node;
    for (const k of keys) n = child(n, k);
    return n;
}

/** The plain value of a node (maps and lists as plain objects and arrays). */
export function plain(node: LNode | undefined): unknown {
    if (!node) return undefined;
    if (node.kind === "scalar") return node.value;
    if (node.kind === "seq") return node.items.map(plain);
    return Object.fromEntries([...node.entries].map(([k, v]) => [k, plain(v)]));
}

/** Every leaf under a node (a scalar, an empty map or list), the node itself when it is one. */
export function leaves(node: LNode): LNode[] {
    if (node.kind === "scalar") return [node];
    const children = node.kind === "map" ? [...node.entries.values()] : node.items;
    return children.length === 0 ? [node] : children.flatMap(leaves);
}

/** Copilot's override: maps merge key by key, anything else replaces. */
function merge(base: LNode | undefined, over: LNode): LNode {
    if (!base || base.kind !== "map" || over.kind !== "map") return over;
    const entries = new Map(base.entries);
    for (const [k, v] of over.entries) entries.set(k, merge(base.entries.get(k), v));
    return { kind: "map", entries, origin: over.origin };
}

/** The manifest as one environment sees it: its `environments.<env>` merged over the rest (without the environments section). */
export function forEnvironment(root: LNode, env: string): LNode {
    if (root.kind !== "map") return root;
    const entries = new Map(root.entries);
    entries.delete("environments");
    const base: LNode = { kind: "map", entries, origin: root.origin };
    const over = at(root, "environments", env);
    return over && over.kind === "map" ? merge(base, over) : base;
}
