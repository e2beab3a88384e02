/**
 * A folder of stack files for a pull request's preview, as the tests plan it: the preview's stack
 * file made from the fixture alpha's, the fixtures' offline cloud, and their bootstrap with
 * previews on (which writes the previews' origin parameters).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { previewStackFile } from "../../release/preview";
import { FIXTURES } from "../setup";

export function previewStackDir(stack: string, pr: number): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-"));
    const alpha = fs.readFileSync(path.join(FIXTURES, "Pulumi.alpha.yaml"), "utf8");
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), previewStackFile(stack, "alpha", alpha, { number: pr }));
    fs.copyFileSync(path.join(FIXTURES, "offline-cloud.yaml"), path.join(dir, "offline-cloud.yaml"));
    fs.mkdirSync(path.join(dir, "bootstrap"));
    const bootstrap = fs.readFileSync(path.join(FIXTURES, "bootstrap", "Pulumi.shared.yaml"), "utf8");
    fs.writeFileSync(path.join(dir, "bootstrap", "Pulumi.shared.yaml"), `${bootstrap.trimEnd()}\n  shipyard-bootstrap:previews: true\n`);
    return dir;
}
