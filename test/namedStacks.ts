/**
 * Stack files of names of their own, for the tests of the tooling that must accept any stack name
 * with a tier (release commands, workflows): a temporary folder, never test/fixtures itself, whose
 * four stacks the platform tests pin.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { committedStacks, stackFile } from "../offline/stackConfig";

/** stacks/keys.ts's rule for a stack name, as its messages say it. */
export const STACK_NAME_RULE =
    "a stack name is 2 to 16 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row (it becomes part of AWS names such as <app>-<stack>-<service>), e.g. alpha, staging2, pr-42";

/**
 * A folder of stack files: the fixtures' four, staging2 (a copy of gamma's in the staging tier) and
 * pr-42 (a copy of alpha's in the preview tier), plus `extra` files by stack name.
 */
export function namedStacksDir(extra: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-stacks-"));
    for (const stack of committedStacks()) fs.copyFileSync(stackFile(stack), path.join(dir, `Pulumi.${stack}.yaml`));
    const withTier = (from: string, tier: string) => fs.readFileSync(stackFile(from), "utf8").replace(/^config:\n/m, `config:\n  shipyard:tier: ${tier}\n`);
    fs.writeFileSync(path.join(dir, "Pulumi.staging2.yaml"), withTier("gamma", "staging"));
    fs.writeFileSync(path.join(dir, "Pulumi.pr-42.yaml"), withTier("alpha", "preview"));
    for (const [stack, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    return dir;
}
