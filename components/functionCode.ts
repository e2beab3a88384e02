import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type * as TypeScript from "typescript";

/** Where the Lambda functions' TypeScript sources live, one folder per function. */
export const FUNCTIONS_DIR = path.resolve(__dirname, "..", "functions");

/** Code every function may import as `../lib/<module>`. */
export const SHARED_DIR = "lib";

/**
 * The deployment package of a function in `functions/<name>/`, built by the program itself so
 * `pulumi up` needs no separate build step: every `.ts` file of the function and of the shared
 * `functions/lib/` transpiled to CommonJS for the Lambda Node.js runtime, at the same relative
 * paths (`<name>/handler.js`, `lib/http.js`), so relative imports between them hold. The
 * functions have no runtime dependencies beyond Node.js and the AWS SDK v3 that the Lambda
 * runtime provides, so no bundler is needed; `tsc` checks their types in CI. The handler is
 * `<name>/handler.handler`.
 */
export function functionCode(name: string): pulumi.asset.AssetArchive {
    if (name === SHARED_DIR) throw new Error(`functionCode: ${SHARED_DIR} holds shared code, not a function`);
    const files: Record<string, pulumi.asset.StringAsset> = {};
    for (const folder of [name, SHARED_DIR]) {
        const dir = path.join(FUNCTIONS_DIR, folder);
        if (!fs.existsSync(dir)) {
            if (folder === name) throw new Error(`functionCode: no folder functions/${name}`);
            continue;
        }
        const sources = fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
            .sort();
        if (folder === name && !sources.includes("handler.ts")) throw new Error(`functionCode: functions/${name} has no handler.ts`);
        for (const file of sources) files[`${folder}/${file.replace(/\.ts$/, ".js")}`] = new pulumi.asset.StringAsset(transpile(folder, file));
    }
    return new pulumi.asset.AssetArchive(files);
}

/** The handler setting of a function packaged by {@link functionCode}. */
export function functionHandler(name: string): string {
    return `${name}/handler.handler`;
}

/**
 * The compiler options, as tsconfig.json would spell them: converted by TypeScript only when a file
 * must be transpiled, so that a plan whose functions are all cached never loads the compiler (a
 * tenth of a plan's time).
 */
const COMPILER_OPTIONS = { module: "commonjs", target: "es2022", esModuleInterop: true, strict: true } as const;

/** TypeScript's version, from its package.json: part of the cache key, read without loading the compiler. */
const TS_VERSION: string = (JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")) as { version: string }).version;

/**
 * Transpiled functions, by a hash of what the output depends on (compiler version, options, file,
 * text): every stack of a run (and every run of a plan) packages the same sources, and
 * transpiling them is most of a plan's program time. The folder is git-ignored; a cache that
 * cannot be written only costs the time.
 */
const CACHE_DIR = path.resolve(__dirname, "..", ".cache", "functions");
const transpiled = new Map<string, string>();

function transpile(folder: string, file: string): string {
    const source = fs.readFileSync(path.join(FUNCTIONS_DIR, folder, file), "utf8");
    const key = createHash("sha256")
        .update(JSON.stringify([TS_VERSION, COMPILER_OPTIONS, folder, file, source]))
        .digest("hex");
    const cached = path.join(CACHE_DIR, `${key}.js`);
    let code = transpiled.get(key);
    if (code === undefined && fs.existsSync(cached)) code = fs.readFileSync(cached, "utf8");
    if (code === undefined) {
        code = transpileNow(folder, file, source);
        try {
            fs.mkdirSync(CACHE_DIR, { recursive: true });
            // Renamed into place: a concurrent run never reads half a file.
            const partial = `${cached}.${process.pid}.partial`;
            fs.writeFileSync(partial, code);
            fs.renameSync(partial, cached);
        } catch {
            // read-only checkout: transpiled each run, as before
        }
    }
    transpiled.set(key, code);
    return code;
}

function transpileNow(folder: string, file: string, source: string): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require("typescript") as typeof TypeScript;
    const converted = ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, FUNCTIONS_DIR);
    if (converted.errors.length > 0)
        throw new Error(`functionCode: compiler options: ${converted.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ")}`);
    const out = ts.transpileModule(source, {
        compilerOptions: converted.options,
        fileName: file,
        reportDiagnostics: true,
    });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
        const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
        throw new Error(`functionCode: functions/${folder}/${file} does not compile: ${text}`);
    }
    return out.outputText;
}
