/**
 * Reads a stack's configuration the way the Pulumi CLI hands it to a program: the stack file's
 * values, the project's declared defaults, declared types checked and required keys enforced,
 * every value as a string (maps and lists JSON-encoded), and the list of secret keys.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT } from "../stacks/keys";
import { RawConfig } from "../stacks/settings";

export const ROOT = path.resolve(__dirname, "..");

/** A Pulumi project in this repository: its folder (with Pulumi.yaml and index.ts) and its name. */
export interface Project {
    readonly dir: string;
    readonly name: string;
}

/** The environments' program at the repository root. */
export const MAIN: Project = { dir: ROOT, name: PROJECT };

/** The bootstrap, run once per account before the environments (bootstrap/). */
export const BOOTSTRAP: Project = { dir: path.join(ROOT, "bootstrap"), name: "shipyard-bootstrap" };

/** Changes a test makes to a committed stack file, by key (`shipyard:x` or `x` for our namespace). */
export interface ConfigOverrides {
    /** Plain values to set or replace. */
    readonly set?: Readonly<Record<string, unknown>>;
    /** Values to set as if with `pulumi config set --secret`. */
    readonly secret?: Readonly<Record<string, unknown>>;
    /** Keys to remove. */
    readonly remove?: readonly string[];
}

interface Declaration {
    type?: string;
    default?: unknown;
}

/** Marks a value that the stack file stored encrypted (`secure: ...`): the harness cannot decrypt it. */
export const UNDECRYPTABLE = "[encrypted in stack file]";

/**
 * Where stack files are read from: the project's folder, or the folder named by
 * SHIPYARD_STACK_CONFIG_DIR (like Pulumi.yaml's stackConfigDir), which lets a check run against
 * stack files that are not committed. That folder mirrors the repository: the environments'
 * `Pulumi.<env>.yaml` at its top, the bootstrap's under `bootstrap/` (used when present). The test
 * suite points it at `test/fixtures/`, its own stack files, so that a team's edits to the
 * committed ones never move a platform test.
 */
export function stackConfigDir(project: Project = MAIN): string {
    const root = process.env.SHIPYARD_STACK_CONFIG_DIR;
    if (root === undefined) return project.dir;
    const dir = path.join(path.resolve(root), path.relative(ROOT, project.dir));
    return project === MAIN || fs.existsSync(dir) ? dir : project.dir;
}

export function stackFile(stack: string, project: Project = MAIN, dir: string = stackConfigDir(project)): string {
    return path.join(dir, `Pulumi.${stack}.yaml`);
}

export function projectDeclarations(project: Project = MAIN): Record<string, Declaration> {
    const doc = parse(fs.readFileSync(path.join(project.dir, "Pulumi.yaml"), "utf8")) as { config?: Record<string, Declaration> };
    return doc.config ?? {};
}

function fullKeyOf(key: string, project: Project): string {
    return key.includes(":") ? key : `${project.name}:${key}`;
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** True when a stack file value holds an encrypted leaf anywhere. */
function hasSecure(value: unknown): boolean {
    if (typeof value !== "object" || value === null) return false;
    if (!Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) return true;
    return Object.values(value).some(hasSecure);
}

function replaceSecure(value: unknown): unknown {
    if (typeof value !== "object" || value === null) return value;
    if (!Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) return UNDECRYPTABLE;
    if (Array.isArray(value)) return value.map(replaceSecure);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSecure(v)]));
}

/** The configuration the CLI would pass for `stack`, with test overrides applied. */
export function stackConfig(stack: string, overrides: ConfigOverrides = {}, project: Project = MAIN, dir: string = stackConfigDir(project)): RawConfig {
    const file = stackFile(stack, project, dir);
    if (!fs.existsSync(file)) throw new Error(`no stack file Pulumi.${stack}.yaml in ${dir}`);
    const fullKey = (key: string) => fullKeyOf(key, project);
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const raw: Record<string, unknown> = { ...(doc.config ?? {}) };
    const secretKeys = new Set<string>();
    for (const [k, v] of Object.entries(raw)) {
        if (hasSecure(v)) {
            secretKeys.add(k);
            raw[k] = replaceSecure(v);
        }
    }
    for (const k of overrides.remove ?? []) delete raw[fullKey(k)];
    for (const [k, v] of Object.entries(overrides.set ?? {})) {
        raw[fullKey(k)] = v;
        secretKeys.delete(fullKey(k));
    }
    for (const [k, v] of Object.entries(overrides.secret ?? {})) {
        raw[fullKey(k)] = v;
        secretKeys.add(fullKey(k));
    }

    // What the CLI does with project-level declarations before the program starts.
    for (const [key, decl] of Object.entries(projectDeclarations(project))) {
        const full = fullKey(key);
        if (raw[full] === undefined) {
            if (decl.default === undefined) {
                throw new Error(`Stack '${stack}' is missing configuration value '${full}' (declared without a default in Pulumi.yaml)`);
            }
            raw[full] = decl.default;
        } else if (decl.type && !typeMatches(decl.type, raw[full])) {
            throw new Error(`Stack '${stack}' with configuration key '${full}' must be of type '${decl.type}'`);
        }
    }
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) values[k] = encode(v);
    return { values, secretKeys: [...secretKeys] };
}

function typeMatches(type: string, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            return Number.isInteger(value);
        case "boolean":
            return typeof value === "boolean";
        case "array":
            return Array.isArray(value);
        default:
            return true;
    }
}

/** The stacks with a stack file (in the folder of {@link stackConfigDir} unless told). */
export function committedStacks(project: Project = MAIN, dir: string = stackConfigDir(project)): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** A service as a committed stack file declares it (`shipyard:services.<name>`). */
export interface StackFileService {
    readonly image: string;
    readonly expose: "http" | "tcp" | "internal" | "worker" | "job";
    readonly hosts?: readonly string[];
    readonly paths?: readonly string[];
    readonly priority?: number;
    readonly listeners?: readonly { readonly port: number; readonly protocol?: string }[];
    readonly calls?: readonly string[];
    readonly uses?: readonly ("database" | "assets")[];
    readonly [field: string]: unknown;
}

/** The services of a committed stack file, in file order. */
export function stackServices(stack: string, dir: string = stackConfigDir()): Record<string, StackFileService> {
    const doc = parse(fs.readFileSync(stackFile(stack, MAIN, dir), "utf8")) as { config: Record<string, unknown> };
    return doc.config[`${PROJECT}:services`] as Record<string, StackFileService>;
}
