/**
 * npm run import:copilot -- <folder with copilot/> --account <id> [--region <r>] [--domain <zone>]
 *     [--out <dir>] [--tier <env>=<tier>]... [--app <name>] [--github-repository <owner/name>] [--no-plan] [--force]
 *
 * Reads an AWS Copilot workspace and writes, into --out, one stack file per Copilot environment
 * (Pulumi.<env>.yaml), the bootstrap's configuration (bootstrap/Pulumi.shared.yaml), the build
 * contexts (release/images.json) and the migration report (copilot-migration.md), then plans
 * every stack file it wrote, offline, and says in the report whether each passed.
 *
 * Exit codes: 0 written and every stack planned; 1 written, but a stack does not plan (the
 * report and stderr say why); 2 bad usage or a workspace that cannot be read (nothing written).
 */
import * as path from "path";
import { parseArgs } from "util";
import { argsOrUsage, Io, PROCESS_IO, runMain, UsageError } from "./cli";
import { ImportError, importWorkspace, planImport, reportOf, writeImport } from "../importer/copilot";

const USAGE = `usage: npm run import:copilot -- <folder with copilot/> --account <id> [--region <region>] [--domain <zone>]
       [--out <dir>] [--tier <env>=<tier>]... [--app <name>] [--github-repository <owner/name>] [--no-plan] [--force]
  --account            the 12-digit AWS account the stacks deploy to (aws:allowedAccountIds)
  --region             the region (default: from the environments' AZ names)
  --domain             the Route 53 hosted zone of the services' host names (default: from the first alias)
  --out                where to write (default: copilot-import); existing files are kept unless --force
  --tier               a tier per environment, production|staging|development|preview (default: from its name:
                       prod*/live → production, staging*/stage*/uat → staging, pr-*/preview* → preview, else development)
  --app                our appName (default: copilot/.workspace's application)
  --github-repository  owner/name for the bootstrap (default: your-org/<app>)
  --no-plan            write without planning (a stack with queue workers or jobs needs a platform that has them)
exit codes: 0 written and planned, 1 a written stack does not plan, 2 bad usage or workspace (nothing written)`;

interface Args {
    readonly workspace: string;
    readonly out: string;
    readonly plan: boolean;
    readonly force: boolean;
    readonly options: Parameters<typeof importWorkspace>[1];
}

function parse(argv: string[]): Args {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            strict: true,
            options: {
                account: { type: "string" },
                region: { type: "string" },
                domain: { type: "string" },
                out: { type: "string", default: "copilot-import" },
                tier: { type: "string", multiple: true, default: [] },
                app: { type: "string" },
                "github-repository": { type: "string" },
                "no-plan": { type: "boolean", default: false },
                force: { type: "boolean", default: false },
                help: { type: "boolean", default: false },
            },
        });
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const v = parsed.values;
    if (v.help) throw new UsageError("--help");
    if (parsed.positionals.length !== 1) throw new UsageError("give one folder: the one that holds copilot/.workspace");
    if (!v.account) throw new UsageError("--account is required: the 12-digit AWS account the stacks deploy to");
    const tiers: Record<string, string> = {};
    for (const t of v.tier ?? []) {
        const m = /^([^=]+)=(.+)$/.exec(t);
        if (!m) throw new UsageError(`--tier ${t}: <env>=<tier>, e.g. prod=production`);
        tiers[m[1]] = m[2];
    }
    return {
        workspace: path.resolve(parsed.positionals[0]),
        out: path.resolve(v.out ?? "copilot-import"),
        plan: !v["no-plan"],
        force: v.force === true,
        options: { account: v.account, region: v.region, domain: v.domain, tiers, app: v.app, githubRepository: v["github-repository"] },
    };
}

export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
    if (argv.includes("--help")) {
        io.out(`${USAGE}\n`);
        return 0;
    }
    const args = argsOrUsage("import:copilot", USAGE, parse, argv, io);
    if (typeof args === "number") return args;
    let imported;
    let written: string[];
    try {
        imported = importWorkspace(args.workspace, args.options);
        written = writeImport(imported, args.out, args.force);
    } catch (e) {
        if (e instanceof ImportError) {
            io.err(`import:copilot: ${e.message}\n`);
            return 2;
        }
        throw e;
    }
    io.err(`wrote ${written.join(", ")} in ${args.out}\n`);
    const planned = args.plan ? await planImport(imported, args.out) : undefined;
    const { writeFileSync } = await import("fs");
    const report = path.join(args.out, "copilot-migration.md");
    writeFileSync(report, reportOf(imported, planned));
    const counts = imported.findings.counts();
    io.out(
        `${imported.stacks.length} stacks (${imported.stacks.map((s) => `${s.stack}: ${s.tier}`).join(", ")}); fields: ${counts.carried} carried over, ${counts.approximate} mapped approximately, ${counts["not carried"]} not carried over, ${counts.unknown} unknown; report: ${report}\n`,
    );
    if (imported.secretCommands.length > 0) io.out(`${imported.secretCommands.length} secrets to set: the commands are in the report\n`);
    if (!planned) return 0;
    for (const p of planned) io.out(`plan ${p.stack}: ${p.plan?.ok ? "passed" : "FAILED"}\n`);
    const failed = planned.filter((p) => !p.plan?.ok);
    for (const p of failed) io.err(`import:copilot: Pulumi.${p.stack}.yaml does not plan:\n${(p.plan?.problems ?? []).map((x) => `  ${x}`).join("\n")}\n`);
    return failed.length > 0 ? 1 : 0;
}

if (require.main === module) runMain("import:copilot", () => main(process.argv.slice(2)));
