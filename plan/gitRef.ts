/**
 * A stack file as a git ref has it, so that a plan can compare a stack with its committed version.
 * The stack file's path is taken relative to the top of the git work tree that holds it, so the
 * stack-config folder in use (SHIPYARD_STACK_CONFIG_DIR, or the repository) may sit anywhere in it.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The ref is unknown, or the file is not there at that ref: the reader asked for something that is not there. */
export class GitRefError extends Error {}

export interface FileAtRef {
    /** The file's path from the top of the work tree, as git names it. */
    readonly path: string;
    readonly text: string;
}

/** The contents of `file` (a path on disk inside a git work tree) at `ref` (a commit, branch, tag, `HEAD~1`, ...). */
export function fileAtRef(file: string, ref: string): FileAtRef {
    const dir = path.dirname(path.resolve(file));
    const git = (args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    let top: string;
    try {
        top = git(["rev-parse", "--show-toplevel"]).trim();
    } catch {
        throw new GitRefError(`${dir} is not in a git work tree, so there is no committed version to compare with`);
    }
    const rel = path
        .relative(fs.realpathSync(top), path.join(fs.realpathSync(dir), path.basename(file)))
        .split(path.sep)
        .join("/");
    try {
        git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
    } catch {
        throw new GitRefError(`unknown git ref "${ref}" in ${top}: name a commit, branch or tag (e.g. HEAD, main, v1.2.0)`);
    }
    try {
        return { path: rel, text: git(["cat-file", "blob", `${ref}:${rel}`]) };
    } catch {
        throw new GitRefError(`${rel} does not exist at ${ref}: nothing to compare the stack file with`);
    }
}
