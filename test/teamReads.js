"use strict";
/**
 * Which test files read the team's configuration: the committed stack files (Pulumi.<stack>.yaml beside
 * Pulumi.yaml), the bootstrap's (bootstrap/Pulumi.<stack>.yaml) and release/images.json, or list their
 * folders. With SHIPYARD_TEAM_READS_LOG=<file> set, test/setup.ts installs this in mocha's workers and,
 * through NODE_OPTIONS, in every Node process a test starts; each read is appended to the file as
 * `<test file>\t<path>`. The adoption check (scripts/adoption-check.ts --reads <file>) reruns only those
 * test files on its edited copy: a test file that reads none of the team's files gets the same inputs
 * there, so it cannot pass here and fail there.
 *
 * A worker of mocha's parallel mode runs one file at a time, right after loading it; a read is that
 * file's. A read nobody can be named for (the serial mode, a process started outside a test) is logged
 * as `?`, which makes the adoption check run the whole suite. What this cannot see: reads by programs
 * that are not Node (a workflow step's jq or cat), and a value one file derived from the team's files
 * and left in a module's memory for a later file of the same worker.
 */
const fs = require("fs");
const Module = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const TEST_DIR = path.join(ROOT, "test");
const FOLDERS = new Set([ROOT, path.join(ROOT, "bootstrap"), path.join(ROOT, "release")]);

/** Whether `p` is one of the team's files, or (`listing`) a folder that holds them. */
function isTeamPath(p, listing = true) {
    let file;
    try {
        file = path.resolve(p instanceof URL ? require("url").fileURLToPath(p) : String(p));
    } catch {
        return false;
    }
    if (FOLDERS.has(file)) return listing;
    const dir = path.dirname(file);
    const name = path.basename(file);
    if ((dir === ROOT || dir === path.join(ROOT, "bootstrap")) && /^Pulumi\.[^.]+\.yaml$/.test(name)) return true;
    return file === path.join(ROOT, "release", "images.json");
}

function install(log) {
    const logged = new Set();
    // A folder's listing shows which stack files there are; whether the folder exists does not change.
    const record = (p, listing) => {
        if (typeof p !== "string" && !(p instanceof URL)) return;
        if (!isTeamPath(p, listing)) return;
        const line = `${process.env.SHIPYARD_TEST_FILE || "?"}\t${path.resolve(String(p))}\n`;
        if (logged.has(line)) return;
        logged.add(line);
        fs.appendFileSync(log, line);
    };
    for (const name of ["readFileSync", "readFile", "readdirSync", "readdir", "existsSync", "statSync", "stat", "openSync", "open", "createReadStream"]) {
        const original = fs[name];
        fs[name] = function (p, ...rest) {
            record(p, name.startsWith("readdir"));
            return original.call(this, p, ...rest);
        };
    }
    for (const name of ["readFile", "readdir", "stat", "open"]) {
        const original = fs.promises[name];
        fs.promises[name] = function (p, ...rest) {
            record(p, name === "readdir");
            return original.call(this, p, ...rest);
        };
    }
    if (process.env.MOCHA_WORKER_ID !== undefined) {
        // A worker: the test file it loads is the one whose reads follow, and whose children's.
        const load = Module._load;
        Module._load = function (request, parent, isMain) {
            if (request.endsWith(".test.ts") || request.endsWith(".test")) {
                try {
                    const file = Module._resolveFilename(request, parent, isMain);
                    if (path.dirname(file) === TEST_DIR) process.env.SHIPYARD_TEST_FILE = path.relative(ROOT, file);
                } catch {
                    // not a test file after all
                }
            }
            return load.apply(this, arguments);
        };
    }
}

const log = process.env.SHIPYARD_TEAM_READS_LOG;
if (log && !global.__shipyardTeamReads) {
    global.__shipyardTeamReads = true;
    process.env.SHIPYARD_TEAM_READS_LOG = path.resolve(log);
    // Every Node process a test starts records its reads too, as the test file's.
    const option = `--require ${JSON.stringify(__filename)}`;
    if (!(process.env.NODE_OPTIONS || "").includes(option)) process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, option].filter(Boolean).join(" ");
    install(process.env.SHIPYARD_TEAM_READS_LOG);
}

module.exports = { isTeamPath };
