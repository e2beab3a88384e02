/**
 * npm run local -- --stack <env> --service <name> [--out <dir>] [--run [--port <n>]]
 *
 * Writes, in .local/<stack>-<service>/ (git-ignored), what running one service on a laptop with
 * its stack's settings takes: `<service>.env` for it and each service it calls (every variable of
 * its task definition; secrets from .local/secrets.<stack>.env, never from the cloud) and
 * `compose.yaml` (the service's build context or image, port, health check, read-only root, user,
 * and local stand-ins for what it uses and calls). With --run, it then starts the service with
 * Node, without Docker, on 127.0.0.1 (a service built from the sample app's context).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { argsOrUsage, parseFlags, requireStack, runMain, UsageError } from "./cli";
import { localFiles, localSecretsFile, LOCAL_DIR } from "../offline/local";
import { ROOT, stackConfig } from "../offline/stackConfig";
import { BUILD_CONTEXTS_FILE, parseBuildContexts } from "../release/builds";

const USAGE = `usage: npm run local -- --stack <env> --service <name> [--out <dir>] [--run [--port <n>]]
  --out   where to write (default ${LOCAL_DIR}/<stack>-<service>, git-ignored)
  --run   then start the service with Node on 127.0.0.1, no Docker (services built from the sample app, app/)
  --port  with --run: the port to listen on instead of the stack's containerPort
secrets come from ${localSecretsFile("<stack>")} (NAME=value lines), never from the cloud`;

/** The folder of the sample app, the one context --run knows how to start with Node. */
const SAMPLE_APP = "app";

function parse(argv: string[]) {
    const v = parseFlags(
        argv,
        {
            stack: { type: "string" },
            service: { type: "string" },
            out: { type: "string" },
            run: { type: "boolean" },
            port: { type: "string" },
            help: { type: "boolean" },
        },
        USAGE,
    );
    if (!v.stack) throw new UsageError("--stack is required");
    if (!v.service) throw new UsageError("--service is required");
    requireStack(v.stack);
    if (v.port !== undefined && !(/^[1-9][0-9]{0,4}$/.test(v.port) && Number(v.port) <= 65535))
        throw new UsageError(`--port "${v.port}" must be a port, 1 to 65535`);
    if (v.port !== undefined && !v.run) throw new UsageError("--port goes with --run");
    return { stack: v.stack, service: v.service, out: v.out ?? path.join(LOCAL_DIR, `${v.stack}-${v.service}`), run: v.run === true, port: v.port };
}

/** Transpiles the sample app's TypeScript into `dir`, the shape of the image's dist/. */
function transpileApp(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const src = path.join(ROOT, SAMPLE_APP, "src");
    for (const file of fs.readdirSync(src).filter((f) => f.endsWith(".ts"))) {
        const { outputText } = ts.transpileModule(fs.readFileSync(path.join(src, file), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, strict: true },
            fileName: file,
        });
        fs.writeFileSync(path.join(dir, file.replace(/\.ts$/, ".js")), outputText);
    }
}

async function main(): Promise<number> {
    const args = argsOrUsage("local", USAGE, parse);
    if (typeof args === "number") return args;
    const { runStack } = await import("../offline/runStack");
    const { buildSettings } = await import("../stacks/settings");
    const settings = buildSettings(args.stack, stackConfig(args.stack));
    if (!settings.services.some((s) => s.name === args.service)) {
        process.stderr.write(
            `local: stack "${args.stack}" has no service ${args.service} (services: ${settings.services.map((s) => s.name).join(", ")})\n${USAGE}\n`,
        );
        return 2;
    }
    const run = await runStack(args.stack);
    if (run.error) throw run.error;
    const secretsPath = path.join(ROOT, localSecretsFile(args.stack));
    const contexts = parseBuildContexts(fs.readFileSync(path.join(ROOT, BUILD_CONTEXTS_FILE), "utf8"));
    const out = path.resolve(ROOT, args.out);
    const files = localFiles({
        settings,
        resources: run.graph.all,
        service: args.service,
        secretsText: fs.existsSync(secretsPath) ? fs.readFileSync(secretsPath, "utf8") : undefined,
        buildContexts: contexts,
        contextPath: (context) => path.relative(out, path.join(ROOT, context)),
    });
    fs.mkdirSync(out, { recursive: true });
    for (const [name, text] of Object.entries(files.envFiles)) fs.writeFileSync(path.join(out, name), text, { mode: 0o600 });
    fs.writeFileSync(path.join(out, "compose.yaml"), files.composeText);
    process.stdout.write(`wrote ${path.relative(process.cwd(), out) || "."}: compose.yaml, ${Object.keys(files.envFiles).join(", ")}\n`);
    if (files.missingSecrets.length > 0)
        process.stderr.write(
            `local: secrets without a value (empty in the env file): ${files.missingSecrets.join(", ")}; set them in ${localSecretsFile(args.stack)}\n`,
        );
    if (!args.run) return 0;

    if (contexts[args.service] !== SAMPLE_APP) {
        process.stderr.write(
            `local: --run starts services built from ${SAMPLE_APP}/ with Node; ${args.service} is built from ${contexts[args.service] ?? "no context"}: use docker compose up\n`,
        );
        return 2;
    }
    const dist = path.join(out, "dist");
    transpileApp(dist);
    const env = { ...files.runEnv, ...(args.port ? { PORT: args.port } : {}) };
    process.stdout.write(`starting ${args.service} with Node on http://127.0.0.1:${env.PORT}\n`);
    const child = spawn(process.execPath, [path.join(dist, "main.js")], { env, stdio: "inherit" });
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
    return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}

runMain("local", main);
