/**
 * What the importer did with every field it met: the field, the line it came from, the
 * environments it applies to, and whether it was carried over, mapped approximately, not carried
 * over, or unknown (a field or workload type Copilot's specification does not have). Every leaf
 * of every manifest ends up in one entry: a field nothing claimed is reported as unknown.
 */
import { leaves, LNode, Origin } from "./located";

export const OUTCOMES = ["carried", "approximate", "not carried", "unknown"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_TITLES: Readonly<Record<Outcome, string>> = {
    carried: "carried over",
    approximate: "mapped approximately",
    "not carried": "not carried over",
    unknown: "unknown (not in Copilot's specification)",
};

export interface Entry {
    readonly origin: Origin;
    readonly outcome: Outcome;
    /** What it became (keys and values of ours), or why it could not be carried over. */
    readonly text: string;
    /** The environments the entry holds for, in the order they were met. */
    readonly envs: string[];
}

export class Findings {
    private readonly claimed = new Set<string>();
    private readonly entries = new Map<string, Entry>();

    /** Records what became of `node` (and everything under it) in `env`. */
    note(node: LNode | undefined, env: string, outcome: Outcome, text: string): void {
        if (!node) return;
        for (const leaf of leaves(node)) this.claimed.add(`${leaf.origin.file}\0${leaf.origin.path}`);
        this.claimed.add(`${node.origin.file}\0${node.origin.path}`);
        const key = `${node.origin.file}\0${node.origin.path}\0${node.origin.line}\0${outcome}\0${text}`;
        const known = this.entries.get(key);
        if (known) {
            if (!known.envs.includes(env)) known.envs.push(env);
        } else this.entries.set(key, { origin: node.origin, outcome, text, envs: [env] });
    }

    /** Marks `node` as read without an entry of its own (a map whose fields have theirs). */
    read(node: LNode | undefined): void {
        if (node) this.claimed.add(`${node.origin.file}\0${node.origin.path}`);
    }

    /** Reports every leaf of `root` that nothing claimed, as `verdict` says (unknown, unless it knows better). */
    unclaimed(root: LNode, verdict: (leaf: LNode) => { outcome: Outcome; text: string }): void {
        for (const leaf of leaves(root)) {
            if (leaf === root) continue;
            if (!this.claimed.has(`${leaf.origin.file}\0${leaf.origin.path}`)) {
                const v = verdict(leaf);
                this.note(leaf, "", v.outcome, v.text);
            }
        }
    }

    all(): Entry[] {
        return [...this.entries.values()].sort(
            (a, b) => a.origin.file.localeCompare(b.origin.file) || a.origin.line - b.origin.line || a.origin.path.localeCompare(b.origin.path),
        );
    }

    /** How many entries have each outcome. */
    counts(): Record<Outcome, number> {
        const out = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
        for (const e of this.entries.values()) out[e.outcome]++;
        return out;
    }
}

/** A stack the importer wrote and whether it planned. */
export interface StackResult {
    readonly stack: string;
    readonly tier: string;
    readonly services: readonly string[];
    /** Undefined: not planned (yet). */
    readonly plan?: { readonly ok: boolean; readonly problems: readonly string[] };
}

export interface ReportInput {
    readonly app: string;
    readonly workspace: string;
    readonly stacks: readonly StackResult[];
    readonly environments: readonly string[];
    readonly findings: Findings;
    /** Shell commands that set each secret from where Copilot kept it. */
    readonly secretCommands: readonly string[];
    /** What to do before the first deploy, besides the secrets. */
    readonly todo: readonly string[];
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The migration report, in Markdown. */
export function renderReport(r: ReportInput): string {
    const counts = r.findings.counts();
    const lines: string[] = [
        `# Migration report: Copilot application \`${r.app}\``,
        "",
        `Read from \`${r.workspace}\`. Every manifest field met is listed below with the line it came from and what it became.`,
        "",
        "## Stacks written",
        "",
        "| stack | tier | services | plan |",
        "| --- | --- | --- | --- |",
        ...r.stacks.map(
            (s) =>
                `| \`Pulumi.${s.stack}.yaml\` | ${s.tier} | ${s.services.join(", ") || "-"} | ${!s.plan ? "not run" : s.plan.ok ? "passed" : `**failed**: ${cell(s.plan.problems.join("; "))}`} |`,
        ),
        "",
        "## Summary",
        "",
        "| fields | count |",
        "| --- | ---: |",
        ...OUTCOMES.map((o) => `| ${OUTCOME_TITLES[o]} | ${counts[o]} |`),
        "",
    ];
    if (r.secretCommands.length > 0)
        lines.push(
            "## Secrets to set",
            "",
            "The importer never reads a secret's value. Each command copies one from where Copilot kept it into the stack's encrypted configuration (run them with credentials that may read those parameters):",
            "",
            "```sh",
            ...r.secretCommands,
            "```",
            "",
        );
    if (r.todo.length > 0) lines.push("## Before the first deploy", "", ...r.todo.map((t) => `- ${t}`), "");
    lines.push("## Fields", "");
    let file = "";
    for (const e of r.findings.all()) {
        if (e.origin.file !== file) {
            file = e.origin.file;
            lines.push("", `### \`${file}\``, "", "| line | field | environments | outcome | became, or why not |", "| ---: | --- | --- | --- | --- |");
        }
        const envs = e.envs.filter((x) => x !== "");
        const shown = envs.length === 0 || envs.length === r.environments.length ? "all" : envs.join(", ");
        lines.push(`| ${e.origin.line} | \`${e.origin.path}\` | ${shown} | ${OUTCOME_TITLES[e.outcome]} | ${cell(e.text)} |`);
    }
    return `${lines.join("\n")}\n`;
}
