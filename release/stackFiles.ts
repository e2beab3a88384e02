/**
 * The stack files as the release commands read them: each value as the Pulumi CLI passes it to
 * the program (a string; maps and lists JSON-encoded, in the file's order), over the defaults that
 * `Pulumi.yaml` declares. Unlike the test harness's `stackConfig`, a required key that is not set
 * is no error here: the commands read `shipyard:services` and `shipyard:cpuArchitecture` only
 * (and check them), and a key they never read must not stop a build or a deploy.
 */
import * as fs from "fs";
import { parse } from "yaml";
import { PROJECT } from "../stacks/keys";
import { MAIN, projectDeclarations, stackConfigDir, stackFile } from "../offline/stackConfig";

const encode = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** `stack`'s configuration with full keys (`shipyard:services`), read from `dir` (the folder of {@link stackConfigDir} unless told). */
export function releaseConfig(stack: string, dir: string = stackConfigDir()): Readonly<Record<string, string>> {
    const file = stackFile(stack, MAIN, dir);
    if (!fs.existsSync(file)) throw new Error(`no stack file Pulumi.${stack}.yaml in ${dir}`);
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [key, declaration] of Object.entries(projectDeclarations())) {
        if (declaration.default !== undefined) values[key.includes(":") ? key : `${PROJECT}:${key}`] = encode(declaration.default);
    }
    for (const [key, value] of Object.entries(doc.config ?? {})) values[key] = encode(value);
    return values;
}
