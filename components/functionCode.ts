import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";

/** Where the Lambda functions' TypeScript sources live, one folder per function. */
export const FUNCTIONS_DIR = path.resolve(__dirname, "..", "functions");

/**
 * The deployment package of a function in `functions/<name>/`, built by the program itself so
 * `pulumi up` needs no separate build step: every `.ts` file transpiled to CommonJS for the Lambda
 * Node.js runtime, under the same relative name (`handler.ts` -> `handler.js`). The functions have
 * no runtime dependencies, so no bundler is needed; `tsc` checks their types in CI.
 */
export function functionCode(name: string): pulumi.asset.AssetArchive {
    const dir = path.join(FUNCTIONS_DIR, name);
    const sources = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
        .sort();
    if (sources.length === 0) throw new Error(`functionCode: no TypeScript sources in ${dir}`);
    const files: Record<string, pulumi.asset.StringAsset> = {};
    for (const file of sources) {
        const out = ts.transpileModule(fs.readFileSync(path.join(dir, file), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, strict: true },
            fileName: file,
            reportDiagnostics: true,
        });
        const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
        if (errors.length > 0) {
            const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
            throw new Error(`functionCode: functions/${name}/${file} does not compile: ${text}`);
        }
        files[file.replace(/\.ts$/, ".js")] = new pulumi.asset.StringAsset(out.outputText);
    }
    return new pulumi.asset.AssetArchive(files);
}
