/**
 * npm run check
 *
 * Type-checks and lints the project with ONE TypeScript program: what `npm run typecheck`
 * (`tsc --noEmit -p .`) and `eslint .` do one after the other, without building the program twice.
 * ESLint's type-aware rules otherwise build their own program through typescript-eslint's project
 * service, the same files and options tsc has just checked; here typescript-eslint is handed tsc's
 * program (its `parserOptions.programs`), so the type information the rules ask for is the checker's
 * that produced the type errors.
 *
 * Output, in order: the type errors exactly as `tsc --noEmit -p .` prints them (file(line,col) when
 * the output is not a terminal, tsc's pretty form with file:line:col, context and summary when it
 * is, or as tsconfig.json's `pretty` says), then ESLint's findings in its "stylish" format. Both
 * always run, so one run shows every problem. Exit codes: 0 clean, 1 a type error or an ESLint error
 * (warnings alone do not fail, as with `eslint`), 2 bad usage or {@link CODE_CACHE_REFUSAL}. (tsc
 * itself exits 2 on a type error with --noEmit; one status for "something to fix" is what CI and
 * the tests read.)
 *
 * Every file ESLint lints with type information (`**\/*.ts`, eslint.config.js) must be in the
 * program. Today tsconfig.json's `include` holds every such file ESLint does not ignore; a .ts file
 * outside it is reported by ESLint as a parsing error naming the file ("was not found in any of the
 * provided program instance(s)"), as `eslint .` reports it today ("was not found by the project
 * service"): the fix is the same, add its folder to `include`. The program is not widened to such a
 * file on the quiet, since tsc would then check a file `npm run typecheck` does not.
 */
import * as path from "path";
import * as ts from "typescript";
import { ESLint } from "eslint";
import { argsOrUsage, Io, parseFlags, PROCESS_IO, runMain } from "./cli";

const USAGE = `Usage: npm run check [-- [--dir <dir>] [--help]]

Type-checks (as tsc --noEmit -p .) and lints (as eslint .) a project with one TypeScript program.
  --dir <dir>  the project: its tsconfig.json and eslint.config.js (default: this repository)
Exit codes: 0 clean, 1 type errors or lint errors, 2 bad usage.`;

/** The files ESLint lints with type information, as eslint.config.js names them. */
export const TYPED_FILES = ["**/*.ts"];

/** tsc's program for `<dir>/tsconfig.json`, built as `tsc -p <dir>` builds it. */
export function buildProgram(dir: string): ts.Program {
    const configFile = path.join(dir, "tsconfig.json");
    const host: ts.ParseConfigFileHost = {
        ...ts.sys,
        getCurrentDirectory: () => dir,
        onUnRecoverableConfigFileDiagnostic: (d) => {
            throw new Error(ts.formatDiagnostic(d, formatHost(dir)));
        },
    };
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, host);
    if (!parsed) throw new Error(`cannot read ${configFile}`);
    // tsc parses JSDoc only as far as type errors need (ParseForTypeErrors); the program here parses
    // all of it (createCompilerHost's default), so that a lint rule reading JSDoc (@deprecated, ...)
    // sees it. In a .ts file JSDoc holds no types: the errors are the same.
    return ts.createProgram({
        rootNames: parsed.fileNames,
        options: parsed.options,
        projectReferences: parsed.projectReferences,
        configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
        host: ts.createCompilerHost(parsed.options),
    });
}

/**
 * The diagnostics `tsc --noEmit` reports for `program`, gathered in tsc's order and with its
 * short cuts: no semantic errors while there are syntax, option or global errors.
 */
export function typeDiagnostics(program: ts.Program): readonly ts.Diagnostic[] {
    const all = [...program.getConfigFileParsingDiagnostics()];
    const fromConfig = all.length;
    all.push(...program.getSyntacticDiagnostics());
    if (all.length === fromConfig) {
        all.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
        if (all.length === fromConfig) all.push(...program.getSemanticDiagnostics());
        const options = program.getCompilerOptions();
        if (options.noEmit && (options.declaration || options.composite) && all.length === fromConfig) all.push(...program.getDeclarationDiagnostics());
    }
    return ts.sortAndDeduplicateDiagnostics(all);
}

function formatHost(dir: string): ts.FormatDiagnosticsHost {
    return {
        getCurrentDirectory: () => dir,
        getCanonicalFileName: (f) => (ts.sys.useCaseSensitiveFileNames ? f : f.toLowerCase()),
        getNewLine: () => ts.sys.newLine,
    };
}

/** tsc's closing "Found N errors in M files." of its pretty output; internal to TypeScript, so optional. */
interface SummaryApi {
    getErrorSummaryText?: (errorCount: number, filesInError: unknown[], newLine: string, host: ts.FormatDiagnosticsHost) => string;
    getErrorCountForSummary?: (diagnostics: readonly ts.Diagnostic[]) => number;
    getFilesInErrorForSummary?: (diagnostics: readonly ts.Diagnostic[]) => unknown[];
}

/**
 * `diagnostics` as tsc prints them: `file(line,col): error TSn: message` lines, or (pretty) each
 * one with its source line and a closing summary. Paths are relative to `dir`.
 */
export function formatTypeDiagnostics(diagnostics: readonly ts.Diagnostic[], dir: string, pretty: boolean): string {
    const host = formatHost(dir);
    if (!pretty) return ts.formatDiagnostics(diagnostics, host);
    let text = diagnostics.map((d) => ts.formatDiagnosticsWithColorAndContext([d], host) + host.getNewLine()).join("");
    const api = ts as unknown as SummaryApi;
    if (api.getErrorSummaryText && api.getErrorCountForSummary && api.getFilesInErrorForSummary) {
        text += api.getErrorSummaryText(api.getErrorCountForSummary(diagnostics), api.getFilesInErrorForSummary(diagnostics), host.getNewLine(), host);
    }
    return text;
}

/** Whether tsc would print pretty output: tsconfig.json's `pretty`, else a terminal without NO_COLOR. */
export function tscIsPretty(program: ts.Program): boolean {
    const { pretty } = program.getCompilerOptions();
    return typeof pretty === "boolean" ? pretty : !!ts.sys.writeOutputIsTTY?.() && !process.env.NO_COLOR;
}

/**
 * Lints `dir` as `eslint .` run there does (its eslint.config.js, the stylish format), handing the
 * type-aware rules `program` instead of letting typescript-eslint build its own.
 */
export async function lint(dir: string, program: ts.Program, io: Io): Promise<{ errors: number; warnings: number }> {
    const eslint = new ESLint({
        cwd: dir,
        overrideConfig: [{ files: TYPED_FILES, languageOptions: { parserOptions: { programs: [program], projectService: false, tsconfigRootDir: dir } } }],
    });
    const results = await eslint.lintFiles(["."]);
    const formatter = await eslint.loadFormatter("stylish");
    const text = await formatter.format(results);
    // As the eslint command prints it: console.log's newline after the formatter's text, if any.
    if (text) io.out(`${text}\n`);
    // A fatal message (a parsing error) is an error too: errorCount includes it.
    return { errors: results.reduce((n, r) => n + r.errorCount, 0), warnings: results.reduce((n, r) => n + r.warningCount, 0) };
}

export interface CheckOptions {
    /** The project: its tsconfig.json and eslint.config.js. */
    readonly dir: string;
    /** tsc's pretty output; by default as tsc decides ({@link tscIsPretty}). */
    readonly pretty?: boolean;
}

/** Type-checks then lints `options.dir` with one program; 1 when either found an error, else 0. */
export async function check(options: CheckOptions, io: Io = PROCESS_IO): Promise<number> {
    const program = buildProgram(options.dir);
    const diagnostics = typeDiagnostics(program);
    if (diagnostics.length > 0) io.out(formatTypeDiagnostics(diagnostics, options.dir, options.pretty ?? tscIsPretty(program)));
    const { errors } = await lint(options.dir, program, io);
    return diagnostics.length > 0 || errors > 0 ? 1 : 0;
}

export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
    const args = argsOrUsage("check", USAGE, (a) => parseFlags(a, { dir: { type: "string" }, help: { type: "boolean" } }, USAGE), argv, io);
    if (typeof args === "number") return args;
    return check({ dir: path.resolve(args.dir ?? path.join(__dirname, "..")) }, io);
}

if (require.main === module) runMain("check", () => main(process.argv.slice(2)));
