"use strict";
/**
 * The TypeScript loader of the plan, the tools and the tests (`node -r ./scripts/register.js x.ts`):
 * TypeScript's own transpileModule with this project's tsconfig.json (what ts-node's transpile-only
 * mode does), its output kept on disk under a hash of everything it depends on: the loader, the
 * TypeScript version, tsconfig.json and the file's text (not its folder, so that a copy of the
 * repository, such as the adoption check's, can share the cache). A process whose sources are
 * unchanged loads every module from the cache without loading the compiler; an edited file is
 * transpiled again the first time it is loaded. A stale output cannot be used: the key holds the
 * text it was made from, so there is no build step to forget and nothing to invalidate.
 *
 * Why not ts-node for these: it transpiles every file in every process (the plan, each mocha
 * worker, each CLI a test starts). Why not a faster transpiler (sucrase, swc, esbuild, tsx): they
 * are each a second compiler whose output can differ from tsc's, and a warm cache is faster than
 * any of them (README "Measure"). The Pulumi CLI keeps ts-node (Pulumi.yaml), which needs no cache.
 *
 * Stack traces name .ts lines through ts-node's source-map support, given the cached maps.
 * SHIPYARD_TS_CACHE=<dir> moves the cache (default: .cache/ts in the repository, git-ignored);
 * SHIPYARD_TS_CACHE=off transpiles every file, as ts-node does.
 *
 * It also keeps V8's code cache of every CommonJS module the process loads (ours and the packages'):
 * compiling the Pulumi SDKs' JavaScript was a fifth of a plan's time. The cache is keyed by the
 * module's text, Node's version and the architecture, and V8 itself rejects data it cannot use, so
 * a stale entry costs a compile, never a wrong result. It sits beside the transpile cache
 * (`<cache>/../v8`) and is off when that is, or with SHIPYARD_CODE_CACHE=off. Modules compile as
 * Node's loader does them, with the same wrapper and `require`; a module whose text has `import(`
 * is left to Node (see installCodeCache).
 *
 * And it defers three packages the Pulumi SDK loads on start-up for one feature this program never
 * uses: serializing a JavaScript function's closure into a Lambda's code (runtime/closure; the
 * program packages its functions from files, components/functionCode.ts). TypeScript's compiler
 * (for parsing functions' text), npm's Arborist and normalize-package-data (for finding the packages a
 * closure uses) were a fifth of a plan's start-up. The modules under runtime/closure get, for these
 * three requests, a stand-in that loads the real package on its first use, so a program that does
 * serialize a closure still works, only paying the load then. SHIPYARD_LAZY_CLOSURE=off loads them
 * eagerly, as Node does.
 */
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");

const ROOT = path.resolve(__dirname, "..");
const LOADER_VERSION = "1";
const setting = process.env.SHIPYARD_TS_CACHE;
const CACHE_DIR = setting === "off" ? undefined : setting || path.join(ROOT, ".cache", "ts");

/** What every output depends on besides its own file: the loader, the compiler, the compiler options. */
const salt = [
    LOADER_VERSION,
    readOr(path.join(path.dirname(require.resolve("typescript")), "..", "package.json")),
    readOr(path.join(ROOT, "tsconfig.json")),
].join("\0");

const CODE_CACHE_DIR = CACHE_DIR && process.env.SHIPYARD_CODE_CACHE !== "off" ? path.join(path.dirname(CACHE_DIR), "v8") : undefined;
/**
 * V8 rejects code cached under other flags (--max-semi-space-size, --expose-gc, ...): processes
 * started with different flags keep entries of their own rather than overwriting each other's.
 */
const v8Flags = process.execArgv.filter(
    (a, i, all) =>
        a.startsWith("--") &&
        !/^--(require|import|loader|experimental-loader)(=|$)/.test(a) &&
        !/^--(require|import|loader|experimental-loader)$/.test(all[i - 1] || ""),
);
const codeSalt = `${LOADER_VERSION}\0${process.version}\0${process.arch}\0${v8Flags.join(" ")}\0`;

/** Source maps of the files this process loaded, by path, for stack traces. */
const maps = new Map();
let compiler;

function readOr(file) {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return "";
    }
}

/** TypeScript and the compiler options of tsconfig.json, loaded on the first file the cache does not hold. */
function typescript() {
    if (!compiler) {
        const ts = require("typescript");
        // The compiler options only: expanding tsconfig.json's file list would walk the repository's folders.
        const file = path.join(ROOT, "tsconfig.json");
        const { config } = ts.readConfigFile(file, ts.sys.readFile);
        const parsed = ts.convertCompilerOptionsFromJson((config && config.compilerOptions) || {}, ROOT, file);
        const options = { ...parsed.options, sourceMap: true, inlineSourceMap: false, inlineSources: false, declaration: false, noEmit: false };
        compiler = { ts, options };
    }
    return compiler;
}

/** How many files this process transpiled (the others came from the cache). */
let transpiled = 0;

function transpile(file, source) {
    transpiled++;
    const { ts, options } = typescript();
    // Under its base name: the output of the same text in another folder is the same.
    const out = ts.transpileModule(source, { compilerOptions: options, fileName: path.basename(file), reportDiagnostics: false });
    return { code: out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n"), map: out.sourceMapText };
}

/** The output for `file`: from the cache when it holds this text, else transpiled and written there. */
function compiled(file, source) {
    if (!CACHE_DIR) return transpile(file, source);
    const key = crypto.createHash("sha256").update(salt).update("\0").update(path.basename(file)).update("\0").update(source).digest("hex");
    const base = path.join(CACHE_DIR, key.slice(0, 2), key);
    try {
        return { code: fs.readFileSync(`${base}.js`, "utf8"), map: fs.readFileSync(`${base}.js.map`, "utf8") };
    } catch {
        // Not cached yet (or only half written by a process that was killed): transpile.
    }
    const out = transpile(file, source);
    try {
        fs.mkdirSync(path.dirname(base), { recursive: true });
        // Written under a unique name and renamed into place: concurrent processes (mocha's workers)
        // never read half a file. The map goes first, so a complete .js always has its map.
        for (const [ext, text] of [
            [".js.map", out.map],
            [".js", out.code],
        ]) {
            const tmp = `${base}${ext}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
            fs.writeFileSync(tmp, text);
            fs.renameSync(tmp, `${base}${ext}`);
        }
    } catch {
        // A read-only checkout still runs, as ts-node would: the cache only saves time.
    }
    return out;
}

/** Writes a cache file under a unique name and renames it into place (concurrent processes read whole files only). */
function writeAtomically(file, data) {
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, file);
    } catch {
        // Read-only: the cache only saves time.
    }
}

/** The `require` Node gives a module (lib/internal/modules/helpers makeRequireFunction). */
function requireFor(mod) {
    const require = (id) => mod.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return require;
}

/** Module.prototype._compile with V8's code cache: compiled from the cache when it holds this text. */
function installCodeCache() {
    const compile = Module.prototype._compile;
    Module.prototype._compile = function (content, filename) {
        // A module that may call import() is compiled by Node itself: Node 20 does not give a script
        // made from cached data its import() callback back ("A dynamic import callback was not
        // specified" on the second run; ESLint's Node API, scripts/check.ts, calls import()).
        if (content.includes("import(")) return compile.call(this, content, filename);
        const key = crypto.createHash("sha1").update(codeSalt).update(content).digest("hex");
        const file = path.join(CODE_CACHE_DIR, key.slice(0, 2), key);
        let cachedData;
        try {
            cachedData = fs.readFileSync(file);
        } catch {
            cachedData = undefined;
        }
        let script;
        try {
            script = new vm.Script(Module.wrap(content), { filename, cachedData });
        } catch {
            // A syntax error: Node's own compile reports it as it always does.
            return compile.call(this, content, filename);
        }
        const wrapper = script.runInThisContext({ displayErrors: true });
        const result = wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
        // After the module ran, the data holds the functions it compiled on the way too.
        if (cachedData === undefined || script.cachedDataRejected) writeAtomically(file, script.createCachedData());
        return result;
    };
}

function installSourceMaps() {
    let support;
    try {
        // ts-node's own source-map support (a pinned devDependency of this project's), so the two
        // loaders report stack traces alike.
        support = require(require.resolve("@cspotcode/source-map-support", { paths: [path.dirname(require.resolve("ts-node/package.json"))] }));
    } catch {
        return;
    }
    support.install({
        environment: "node",
        hookRequire: false,
        handleUncaughtExceptions: false,
        // Only the maps of the files this loader compiled: the packages' own .js.map files would be
        // read and parsed for every stack trace the Pulumi SDK takes.
        overrideRetrieveSourceMap: true,
        retrieveSourceMap(source) {
            const file = source.startsWith("file://") ? require("url").fileURLToPath(source) : source;
            const text = maps.get(file);
            if (text === undefined) return null;
            // The map names the file by its path, so stack traces show it as the editor does.
            const map = JSON.parse(text);
            map.sources = [file];
            map.file = file;
            return { url: file, map: JSON.stringify(map) };
        },
    });
}

/** Requests of the Pulumi SDK's runtime/closure modules that only closure serialization uses (see the top). */
const CLOSURE_ONLY = new Set(["@npmcli/arborist", "normalize-package-data", "../../typescript-shim"]);
const CLOSURE_DIR = `${path.sep}@pulumi${path.sep}pulumi${path.sep}runtime${path.sep}closure${path.sep}`;

/**
 * A stand-in for a module, loading it on first use. It answers `__esModule` itself (so TypeScript's
 * __importStar and __importDefault helpers keep the stand-in instead of copying the module's keys,
 * which would load it), and `default` with the module itself when it has none (what __importDefault
 * would have made of a CommonJS module).
 */
function deferred(load) {
    let real;
    const target = () => (real === undefined ? (real = load()) : real);
    return standIn(target, (key) => {
        if (key === "__esModule") return true;
        const mod = target();
        if (key === "default" && !(Object(mod) === mod && "default" in mod)) return mod;
        return mod[key];
    });
}

/** An object that answers `get` itself and everything else (`in`, its keys) from `target()`. */
function standIn(target, get) {
    return new Proxy(
        {},
        {
            get: (_, key) => get(key),
            has: (_, key) => key in target(),
            ownKeys: () => Reflect.ownKeys(target()),
            getOwnPropertyDescriptor(_, key) {
                const descriptor = Object.getOwnPropertyDescriptor(target(), key);
                return descriptor && { ...descriptor, configurable: true };
            },
        },
    );
}

/**
 * `@pulumi/aws` as this program's modules see it: its index loads all of its 250 service namespaces
 * on start-up (a tenth of a plan), where the program uses about 25. The stand-in loads a namespace
 * (`aws.ec2`, the very module the index would export) when it is first read, and the whole index
 * only when something else is (`aws.Provider`, `aws.getRegion`, a listing of its keys). Each
 * namespace registers its resource types when it loads, as under the index; the SDK's own modules
 * keep requiring the real index. SHIPYARD_LAZY_AWS=off loads the index as Node does.
 */
function awsNamespaces(load) {
    let aws;
    return function (request, parent, isMain) {
        if (aws) return aws;
        const file = Module._resolveFilename(request, parent, isMain);
        const dir = path.dirname(file);
        // `const ec2 = __importStar(require("./ec2"));` followed by `exports.ec2 = ec2;`
        const names = new Set(
            [...fs.readFileSync(file, "utf8").matchAll(/^const (\w+) = __importStar\(require\("\.\/(\w+)"\)\);\r?\nexports\.\1 = \1;$/gm)]
                .filter((m) => m[1] === m[2])
                .map((m) => m[1]),
        );
        let index;
        const whole = () => (index === undefined ? (index = load.call(Module, request, parent, isMain)) : index);
        aws = standIn(whole, (key) => {
            if (key === "__esModule") return true;
            if (typeof key === "string" && names.has(key)) return load.call(Module, path.join(dir, key), parent, false);
            return whole()[key];
        });
        return aws;
    };
}

function installClosureDeferral() {
    const load = Module._load;
    Module._load = function (request, parent, isMain) {
        if (CLOSURE_ONLY.has(request) && parent && parent.filename && parent.filename.includes(CLOSURE_DIR)) {
            return deferred(() => load.call(Module, request, parent, isMain));
        }
        return load.apply(this, arguments);
    };
}

/** The program's own `@pulumi/aws` (not a package's) gets the namespaces stand-in (awsNamespaces). */
function installAwsDeferral() {
    const load = Module._load;
    const aws = awsNamespaces(load);
    const nodeModules = `${path.sep}node_modules${path.sep}`;
    Module._load = function (request, parent, isMain) {
        if (request === "@pulumi/aws" && parent && parent.filename && !parent.filename.includes(nodeModules)) return aws(request, parent, isMain);
        return load.apply(this, arguments);
    };
}

function register() {
    const loadJs = Module._extensions[".js"];
    Module._extensions[".ts"] = function (module, filename) {
        if (filename.includes(`${path.sep}node_modules${path.sep}`) || filename.endsWith(".d.ts")) return loadJs(module, filename);
        const { code, map } = compiled(filename, fs.readFileSync(filename, "utf8"));
        maps.set(filename, map);
        module._compile(code, filename);
    };
    installSourceMaps();
    if (CODE_CACHE_DIR) installCodeCache();
    if (process.env.SHIPYARD_LAZY_CLOSURE !== "off") installClosureDeferral();
    if (process.env.SHIPYARD_LAZY_AWS !== "off") installAwsDeferral();
}

register();

/**
 * Fills the transpile cache with `file`'s output (scripts/warm-cache.ts, before the suite of a fresh
 * clone: one process transpiles every file once, instead of each test worker and CLI it starts doing
 * it for the files it loads). True when the output was already there.
 */
function precompile(file) {
    if (!CACHE_DIR) return false;
    const before = transpiled;
    compiled(file, fs.readFileSync(file, "utf8"));
    return transpiled === before;
}

module.exports = { precompile };
