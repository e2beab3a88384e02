/**
 * npm run check (scripts/check.ts) on small projects made here: a type error is printed as tsc prints
 * it, ESLint's type-aware rules get their type information from the program check built (the
 * projects' ESLint configs give typescript-eslint no way to build one of its own), and the exit code
 * is 1 on any error, 0 when clean.
 *
 * The projects live under the repository's .cache/ (git-ignored) so that their eslint.config.js
 * resolves typescript-eslint from the repository's node_modules. They are checked in one child
 * process with the loader, as `npm run check` runs: ESLint's Node API calls import(), which the
 * loader leaves to Node's own compile (scripts/register.js), so it works with a warm code cache.
 */
import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stripVTControlCharacters } from "util";
import { buildProgram, formatTypeDiagnostics, typeDiagnostics } from "../scripts/check";

const ROOT = path.resolve(__dirname, "..");

const TSCONFIG = {
    compilerOptions: { strict: true, target: "ES2022", module: "commonjs", lib: ["ES2022"], types: [], skipLibCheck: true },
    include: ["src/**/*.ts"],
};

// The type-aware rule with no parserOptions.projectService or project: typescript-eslint refuses to
// run it unless it is handed a program.
const ESLINT_CONFIG = `const tseslint = require("typescript-eslint");
module.exports = tseslint.config(
    { ignores: ["eslint.config.js"] },
    { files: ["**/*.ts"], extends: [tseslint.configs.base], rules: { "@typescript-eslint/no-floating-promises": "error" } },
);
`;

const PROJECTS: Record<string, Record<string, string>> = {
    typeError: { "src/typed.ts": `export const count = 1;\nexport const name: number = "one";\n` },
    floating: { "src/float.ts": `export async function later(): Promise<number> {\n    return 1;\n}\n\nlater();\n` },
    clean: { "src/clean.ts": `export async function later(): Promise<number> {\n    return 1;\n}\n\nvoid later();\n` },
    outside: { "src/clean.ts": `export const one = 1;\n`, "extra.ts": `export const two = 2;\n` },
};

/** Runs `main(["--dir", <project>])` for each project in one process; its exit code and what it wrote. */
const DRIVER = `
const { main } = require("./scripts/check");
(async () => {
    const runs = {};
    for (const [name, dir] of Object.entries(JSON.parse(process.argv[1]))) {
        let out = "";
        let err = "";
        const code = await main(["--dir", dir], { out: (t) => void (out += t), err: (t) => void (err += t) });
        runs[name] = { code, out: out, err };
    }
    process.stdout.write(JSON.stringify(runs));
})();
`;

interface Run {
    code: number;
    out: string;
    err: string;
}

describe("npm run check: one TypeScript program for the type-check and the type-aware lint", function () {
    this.timeout(30000);
    let base: string;
    const dirs: Record<string, string> = {};
    let runs: Record<string, Run>;

    before(() => {
        fs.mkdirSync(path.join(ROOT, ".cache"), { recursive: true });
        base = fs.mkdtempSync(path.join(ROOT, ".cache", "check-test-"));
        for (const [name, files] of Object.entries(PROJECTS)) {
            const dir = path.join(base, name);
            dirs[name] = dir;
            const all = { "tsconfig.json": JSON.stringify(TSCONFIG), "eslint.config.js": ESLINT_CONFIG, ...files };
            for (const [file, text] of Object.entries(all)) {
                fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
                fs.writeFileSync(path.join(dir, file), text);
            }
        }
        const r = spawnSync(process.execPath, ["-r", "./scripts/register.js", "-e", DRIVER, JSON.stringify(dirs)], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env },
        });
        assert.equal(r.status, 0, r.stderr);
        runs = JSON.parse(r.stdout) as Record<string, Run>;
        for (const run of Object.values(runs)) run.out = stripVTControlCharacters(run.out);
    });

    after(() => fs.rmSync(base, { recursive: true, force: true }));

    it("GIVEN a type error WHEN checking THEN it is printed as tsc --noEmit prints it, file(line,col), and the exit code is 1", () => {
        assert.deepEqual(runs.typeError, {
            code: 1,
            out: "src/typed.ts(2,14): error TS2322: Type 'string' is not assignable to type 'number'.\n",
            err: "",
        });
    });

    it("GIVEN a floating promise WHEN checking THEN the type-aware rule reports it with the program check built, and the exit code is 1", () => {
        const file = path.join(dirs.floating, "src", "float.ts");
        const lines = runs.floating.out.split("\n");
        assert.equal(runs.floating.code, 1);
        assert.equal(lines[0], "");
        assert.equal(lines[1], file);
        assert.match(lines[2], /^ {2}5:1 {2}error {2}Promises must be awaited, .* @typescript-eslint\/no-floating-promises$/);
        assert.deepEqual(lines.slice(3), ["", "✖ 1 problem (1 error, 0 warnings)", "", ""]);
        assert.equal(runs.floating.err, "");
    });

    it("GIVEN a project without a type or lint error WHEN checking THEN nothing is printed and the exit code is 0", () => {
        assert.deepEqual(runs.clean, { code: 0, out: "", err: "" });
    });

    it("GIVEN a linted .ts file outside tsconfig.json's include WHEN checking THEN ESLint reports it as missing from the program, and the exit code is 1", () => {
        const lines = runs.outside.out.split("\n");
        assert.equal(runs.outside.code, 1);
        assert.equal(lines[1], path.join(dirs.outside, "extra.ts"));
        assert.match(lines[2], /^ {2}0:0 {2}error {2}Parsing error: "parserOptions.programs" has been provided for @typescript-eslint\/parser\./);
        assert.match(runs.outside.out, /The file was not found in any of the provided program instance\(s\): extra\.ts/);
        assert.match(runs.outside.out, /✖ 1 problem \(1 error, 0 warnings\)/);
    });

    // The expected text is what `tsc --noEmit -p . --pretty` printed for this project, colours stripped.
    it("GIVEN tsc's pretty output WHEN formatting a type error THEN it is file:line:col with the source line and tsc's closing summary", () => {
        const program = buildProgram(dirs.typeError);
        const text = stripVTControlCharacters(formatTypeDiagnostics(typeDiagnostics(program), dirs.typeError, true));
        assert.equal(
            text,
            [
                "src/typed.ts:2:14 - error TS2322: Type 'string' is not assignable to type 'number'.",
                "",
                '2 export const name: number = "one";',
                "               ~~~~",
                "",
                "",
                "Found 1 error in src/typed.ts:2",
                "",
                "",
            ].join("\n"),
        );
    });
});
