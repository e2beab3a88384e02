/**
 * Imports an AWS Copilot workspace: reads `copilot/.workspace`, every workload manifest
 * (`copilot/<name>/manifest.yml`) and every environment manifest
 * (`copilot/environments/<env>/manifest.yml`), and drafts one stack file of ours per Copilot
 * environment, the bootstrap's configuration, the release flow's build contexts and a migration
 * report that says, for every field met, what it became or why it could not be carried over.
 *
 * The steps: {@link importWorkspace} (pure: reads, refuses bad input before anything is written,
 * drafts), {@link writeImport} (the files), {@link planImport} (runs the offline plan on each
 * written stack file, with every secret it lists set to a placeholder as `pulumi config set
 * --secret` would).
 */
import * as fs from "fs";
import * as path from "path";
import { Document, parse } from "yaml";
import { at, child, forEnvironment, leaves, LNode, ManifestError, parseLocated, plain } from "./located";
import { inferTier, mapEnvironmentManifest, zonesOf } from "./environment";
import { Findings, renderReport, StackResult } from "./report";
import { Service, StackDraft } from "./stack";
import { mapWorkload } from "./workloads";
import { WORKLOAD_TYPES, WorkloadType } from "./context";
import { EXPOSURES } from "../../stacks/services";
import { defaultFor, DEFAULT_TIERS, PROJECT, stackNameProblem, Tier, TIERS } from "../../stacks/keys";

/** Bad input: a missing or malformed workspace, or an option out of range. Nothing is written. */
export class ImportError extends Error {}

export interface ImportOptions {
    /** The AWS account the stacks deploy to (aws:allowedAccountIds). */
    readonly account: string;
    /** The region; unset, read from the environments' AZ names. */
    readonly region?: string;
    /** The Route 53 hosted zone of the services' host names; unset, read from the first alias. */
    readonly domain?: string;
    /** A tier per environment, over the one its name suggests. */
    readonly tiers?: Readonly<Record<string, string>>;
    /** The application name, over `.workspace`'s. */
    readonly app?: string;
    /** owner/name of the GitHub repository, for the bootstrap. */
    readonly githubRepository?: string;
}

export interface ImportedStack {
    readonly stack: string;
    readonly tier: Tier;
    /** The stack file's text. */
    readonly text: string;
    readonly services: readonly string[];
    /** Secret names by service: what the plan sets to placeholders. */
    readonly secrets: Readonly<Record<string, readonly string[]>>;
}

export interface Imported {
    readonly app: string;
    readonly workspace: string;
    readonly stacks: readonly ImportedStack[];
    readonly bootstrapText: string;
    /** release/images.json: service -> build context. */
    readonly buildContexts: Readonly<Record<string, string>>;
    readonly findings: Findings;
    readonly secretCommands: readonly string[];
    readonly todo: readonly string[];
}

const APP_NAME = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;

interface Manifest {
    readonly name: string;
    readonly file: string;
    readonly root: LNode;
}

function readManifest(root: string, rel: string): LNode {
    try {
        return parseLocated(fs.readFileSync(path.join(root, rel), "utf8"), rel);
    } catch (e) {
        if (e instanceof ManifestError) throw new ImportError(e.message);
        throw e;
    }
}

/** The workspace's manifests, or an ImportError naming the file and what is expected. */
function readWorkspace(root: string): { app: string; workspace: LNode; workloads: Manifest[]; environments: Manifest[]; extras: string[] } {
    const copilot = path.join(root, "copilot");
    if (!fs.existsSync(copilot) || !fs.statSync(copilot).isDirectory())
        throw new ImportError(`${root}: no copilot/ folder; give the folder that holds copilot/.workspace (the repository Copilot was run in)`);
    const wsFile = path.join(copilot, ".workspace");
    if (!fs.existsSync(wsFile)) throw new ImportError(`copilot/.workspace: not found in ${root}; copilot app init writes it (application: <name>)`);
    const ws = readManifest(root, "copilot/.workspace");
    const app = plain(child(ws, "application"));
    if (typeof app !== "string" || app === "")
        throw new ImportError(`copilot/.workspace: key application = ${JSON.stringify(app ?? null)}: the application's name is required`);
    const dirs = fs
        .readdirSync(copilot)
        .filter((d) => fs.statSync(path.join(copilot, d)).isDirectory())
        .sort();
    const workloads = dirs
        .filter((d) => d !== "environments" && d !== "pipelines" && fs.existsSync(path.join(copilot, d, "manifest.yml")))
        .map((d) => ({ name: d, file: `copilot/${d}/manifest.yml`, root: readManifest(root, `copilot/${d}/manifest.yml`) }));
    const envDir = path.join(copilot, "environments");
    const environments = (fs.existsSync(envDir) ? fs.readdirSync(envDir).sort() : [])
        .filter((d) => fs.existsSync(path.join(envDir, d, "manifest.yml")))
        .map((d) => ({ name: d, file: `copilot/environments/${d}/manifest.yml`, root: readManifest(root, `copilot/environments/${d}/manifest.yml`) }));
    if (environments.length === 0)
        throw new ImportError(
            "copilot/environments: no <env>/manifest.yml; the importer writes one stack per environment manifest (copilot env init writes them, or copilot env show --manifest)",
        );
    const extras = [
        ...dirs.filter((d) => d === "pipelines").map((d) => `copilot/${d}`),
        ...dirs.filter((d) => fs.existsSync(path.join(copilot, d, "addons"))).map((d) => `copilot/${d}/addons`),
        ...(fs.existsSync(path.join(envDir, "addons")) ? ["copilot/environments/addons"] : []),
    ];
    return { app, workspace: ws, workloads, environments, extras };
}

/** The host names the workloads' aliases name, in the order met (for the zone, when --domain is not given). */
function aliasesIn(node: LNode): string[] {
    const out: string[] = [];
    const walk = (n: LNode, key: string) => {
        if (key === "alias") {
            for (const l of leaves(n)) if (l.kind === "scalar" && typeof l.value === "string" && l.value.includes(".")) out.push(l.value.toLowerCase());
            return;
        }
        if (n.kind === "map") for (const [k, v] of n.entries) walk(v, k);
        if (n.kind === "seq") for (const v of n.items) walk(v, "");
    };
    walk(node, "");
    return out.filter((h) => !h.includes("${"));
}

export function importWorkspace(root: string, opts: ImportOptions): Imported {
    const ws = readWorkspace(root);
    const app = opts.app ?? ws.app;
    if (!APP_NAME.test(app) || app.includes("--"))
        throw new ImportError(
            `${opts.app ? "--app" : "copilot/.workspace: key application"} = ${app}: our appName is 2 to 20 lowercase letters, digits and single hyphens (it starts every AWS name); give another with --app`,
        );
    if (!/^\d{12}$/.test(opts.account)) throw new ImportError(`--account = ${opts.account}: the 12-digit AWS account id the stacks deploy to`);
    const envNames = ws.environments.map((e) => plain(child(e.root, "name")) ?? e.name).map(String);
    ws.environments.forEach((e, i) => {
        const problem = stackNameProblem(envNames[i]);
        if (problem) throw new ImportError(`${e.file}: key name = ${envNames[i]}: ${problem}`);
    });
    for (const [env, tier] of Object.entries(opts.tiers ?? {})) {
        if (!envNames.includes(env)) throw new ImportError(`--tier ${env}=${tier}: no environment ${env}; the workspace's are ${envNames.join(", ")}`);
        if (!(TIERS as readonly string[]).includes(tier)) throw new ImportError(`--tier ${env}=${tier}: allowed tiers: ${TIERS.join(", ")}`);
    }
    const zones = ws.environments.map((e) => zonesOf(e.root));
    const region = opts.region ?? zones.flat()[0]?.replace(/[a-z]$/, "");
    if (!region) throw new ImportError("--region is required: no environment manifest names its AZs (network.vpc.subnets[].az)");
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new ImportError(`--region = ${region}: an AWS region name such as eu-west-1`);
    const aliases = ws.workloads.flatMap((w) => aliasesIn(w.root));
    const domain = (opts.domain ?? aliases[0]?.split(".").slice(-2).join("."))?.toLowerCase();
    if (!domain)
        throw new ImportError(
            "--domain is required: no workload names an alias; give the Route 53 hosted zone of the services' host names (copilot app init --domain)",
        );
    if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain))
        throw new ImportError(`--domain = ${domain}: a DNS zone name such as example.com`);

    const findings = new Findings();
    const secretCommands: string[] = [];
    const todo = new Set<string>();
    const buildContexts = new Map<string, string>();
    const stacks: ImportedStack[] = [];
    if (!opts.domain && aliases.length > 0)
        todo.add(`The hosted zone is taken to be ${domain} (from the alias ${aliases[0]}); pass --domain if it is another.`);

    ws.environments.forEach((e, i) => {
        const env = envNames[i];
        const tier = (opts.tiers?.[env] as Tier | undefined) ?? inferTier(env);
        const stack = new StackDraft(env, tier, findings);
        mapEnvironmentManifest(e.root, env, findings, stack);
        const production = tier === "production";
        const clients = new Set<string>();
        for (const w of ws.workloads) {
            const typeNode = child(w.root, "type");
            const type = plain(typeNode);
            if (!(WORKLOAD_TYPES as readonly unknown[]).includes(type)) {
                findings.note(
                    typeNode ?? w.root,
                    "",
                    "unknown",
                    `workload type ${JSON.stringify(type ?? null)} is not one of Copilot's (${WORKLOAD_TYPES.join(", ")}): ${w.name} is not imported`,
                );
                for (const [k, v] of w.root.kind === "map" ? w.root.entries : [])
                    if (k !== "type") findings.note(v, "", "not carried", `${w.name}'s workload type is unknown`);
                continue;
            }
            const svc = mapWorkload(forEnvironment(w.root, env), {
                app,
                env,
                name: w.name,
                type: type as WorkloadType,
                zone: domain,
                account: opts.account,
                region,
                production,
                digestOnly: tier === "production" || tier === "staging",
                root,
                findings,
                stack,
                buildContexts,
                secretCommands,
                todo,
                clients,
            });
            if (svc) stack.services.set(w.name, svc);
        }
        assignPriorities(stack.services);
        const internal = [...stack.services].filter(([, s]) => s.expose === "internal").map(([n]) => n);
        for (const [n, s] of stack.services) {
            const calls = internal.filter((x) => x !== n);
            if (clients.has(n) && calls.length > 0 && s.expose !== "job") s.calls = calls;
        }
        timeoutsFit(stack, todo);
        const subnets = (stack.keys.get("taskSubnets") as string | undefined) ?? defaultFor("taskSubnets", tier);
        if (subnets === "private" && ((stack.keys.get("natGateways") as string | undefined) ?? defaultFor("natGateways", tier)) === "none") {
            stack.set("natGateways", "single");
            todo.add(`${env}: tasks in private subnets need a NAT gateway: natGateways: single (Copilot makes one per AZ; perAz survives an AZ outage).`);
        }
        let azs = zonesOf(e.root);
        if (azs.length < 2 || azs.length > 3) {
            azs = [`${region}a`, `${region}b`];
            todo.add(`${env}: availabilityZones ${azs.join(", ")} (Copilot's two AZs by default); check they exist in your account.`);
        }
        stacks.push({
            stack: env,
            tier,
            text: stackText(app, env, tier, region, opts.account, azs, domain, stack),
            services: [...stack.services.keys()],
            secrets: Object.fromEntries(stack.secrets),
        });
    });

    // What no environment's view claimed: overrides of environments that do not exist, fields every environment overrides, unknown fields.
    for (const w of ws.workloads) {
        const over = child(w.root, "environments");
        for (const [env, node] of over?.kind === "map" ? over.entries : []) {
            if (!envNames.includes(env)) findings.note(node, "", "not carried", `no environment ${env} in copilot/environments: nothing to override`);
        }
        const overriddenEverywhere = (leaf: LNode) =>
            envNames.every((env) => {
                const keys = leaf.origin.path.split(".");
                return keys.some((_, i) => at(over, env, ...keys.slice(0, i + 1).map((k) => k.replace(/\[\d+\]$/, ""))) !== undefined);
            });
        const type = String(plain(child(w.root, "type")));
        findings.unclaimed(w.root, (leaf) =>
            !leaf.origin.path.startsWith("environments.") && overriddenEverywhere(leaf)
                ? { outcome: "not carried", text: "every environment overrides it (environments.<env>): no stack uses this value" }
                : { outcome: "unknown", text: `not a field of Copilot's ${type} manifest: not carried over` },
        );
    }
    findings.note(
        child(ws.workspace, "application"),
        "",
        opts.app && opts.app !== ws.app ? "approximate" : "carried",
        `shipyard:appName: ${app} in every stack${opts.app && opts.app !== ws.app ? " (--app)" : ""}`,
    );
    findings.unclaimed(ws.workspace, () => ({ outcome: "unknown", text: "not a field of Copilot's .workspace: not carried over" }));
    for (const e of ws.environments)
        findings.unclaimed(e.root, () => ({ outcome: "unknown", text: "not a field of Copilot's environment manifest: not carried over" }));
    for (const extra of ws.extras)
        findings.note(
            { kind: "scalar", value: extra, origin: { file: extra, line: 1, path: "(folder)" } },
            "",
            "not carried",
            extra.endsWith("pipelines")
                ? 'Copilot pipelines: releases run in GitHub Actions (.github/workflows, README "A release, from commit to live")'
                : "CloudFormation addons: write the resources as Pulumi code (a component in components/) or keep them in their own stack",
        );

    for (const t of promotionGaps(stacks)) todo.add(t);
    todo.add(
        "bootstrap/Pulumi.shared.yaml: merge its services, environments and tiers into your bootstrap's stack file, set githubRepository and stateBucket, and run the bootstrap (README \"A team's first deploy\").",
    );
    if (buildContexts.size > 0)
        todo.add("release/images.json: merge its build contexts into yours; the first push to main builds every image and replaces the placeholder digests.");
    todo.add(
        `DNS: the stacks use Route 53 (dnsProvider: route53) in the hosted zone ${domain}; each writes its records and a DNS-validated certificate there.`,
    );
    const bootstrapText = bootstrapFile(app, region, opts, envNames, stacks, [...new Set(stacks.flatMap((s) => s.services))].sort());
    return {
        app,
        workspace: root,
        stacks,
        bootstrapText,
        buildContexts: Object.fromEntries([...buildContexts].sort()),
        findings,
        secretCommands: [...new Set(secretCommands)],
        todo: [...todo],
    };
}

/**
 * Images reach staging and production by promotion: each digest a staging or production stack
 * runs must run in a lower tier first (test/teamStacks.test.ts holds committed stack files to it).
 * Copilot's environments pin images each on their own; the gaps are listed, not papered over.
 */
function promotionGaps(stacks: readonly ImportedStack[]): string[] {
    const rank: Record<Tier, number> = { preview: 0, development: 0, staging: 1, production: 2 };
    const images = stacks.map((s) => ({
        s,
        services: ((parse(s.text) as { config: Record<string, unknown> }).config[`${PROJECT}:services`] ?? {}) as Record<string, { image?: string }>,
    }));
    const gaps: string[] = [];
    for (const { s, services } of images.filter((x) => rank[x.s.tier] > 0))
        for (const [name, svc] of Object.entries(services)) {
            const digest = /@(sha256:[a-f0-9]{64})$/.exec(svc.image ?? "")?.[1];
            const lower = images.filter((x) => rank[x.s.tier] < rank[s.tier] && x.services[name]);
            if (!digest || lower.length === 0 || lower.some((x) => (x.services[name].image ?? "").endsWith(`@${digest}`))) continue;
            gaps.push(
                `${name} in ${s.stack} runs ${svc.image ?? ""}, which no lower tier (${lower.map((x) => x.s.stack).join(", ")}) runs: deploy that digest there first, or the suite's promotion check (test/teamStacks.test.ts) refuses the stack files.`,
            );
        }
    return gaps;
}

/**
 * A health check's timeout must be below its interval (ELB). Copilot's defaults (30 s, 5 s) are not
 * ours per tier, so a manifest that sets one of the two may not fit the other's default: the one
 * the manifest did not set gives way, to Copilot's default interval or to one second below it.
 */
function timeoutsFit(stack: StackDraft, todo: Set<string>): void {
    const [iKey, tKey] = ["healthCheckIntervalSeconds", "healthCheckTimeoutSeconds"] as const;
    const interval = (stack.keys.get(iKey) as number | undefined) ?? Number(defaultFor(iKey, stack.tier));
    const timeout = (stack.keys.get(tKey) as number | undefined) ?? Number(defaultFor(tKey, stack.tier));
    if (timeout < interval) return;
    if (stack.keys.has(tKey) && !stack.keys.has(iKey)) {
        const fit = Math.min(Math.max(30, timeout + 1), 300);
        stack.set(iKey, fit);
        todo.add(`${stack.env}: healthCheckIntervalSeconds ${fit} (Copilot's default is 30 s), above the health check timeout of ${timeout} s.`);
    } else {
        const fit = Math.max(2, interval - 1);
        stack.set(tKey, fit);
        todo.add(
            `${stack.env}: healthCheckTimeoutSeconds ${fit}, below the health check interval of ${interval} s${stack.keys.has(tKey) ? ` (the manifest's ${timeout} s is not)` : ""}.`,
        );
    }
}

/**
 * Rule priorities for the http services of one stack, as Copilot orders its rules: the more
 * specific path first, `/` last; one service alone keeps the default.
 */
function assignPriorities(services: Map<string, Service>): void {
    const http = [...services].filter(([, s]) => s.expose === "http");
    if (http.length < 2) return;
    const specificity = (s: Service) => Math.max(...((s.paths as string[] | undefined) ?? ["/*"]).map((p) => (p === "/*" ? -1 : p.length)));
    http.sort(([a, x], [b, y]) => specificity(y) - specificity(x) || a.localeCompare(b));
    http.forEach(([, s], i) => (s.priority = (i + 1) * 100));
}

function stackText(app: string, env: string, tier: Tier, region: string, account: string, azs: string[], zone: string, stack: StackDraft): string {
    const config: Record<string, unknown> = {
        "aws:region": region,
        "aws:allowedAccountIds": [account],
        [`${PROJECT}:tier`]: tier,
        [`${PROJECT}:appName`]: app,
        [`${PROJECT}:availabilityZones`]: azs,
        [`${PROJECT}:dnsProvider`]: "route53",
        [`${PROJECT}:dnsZone`]: zone,
    };
    for (const [k, v] of stack.keys) config[`${PROJECT}:${k}`] = v;
    config[`${PROJECT}:services`] = Object.fromEntries(stack.services);
    // YAML 1.1 quoting: a value such as on, yes or 0755 stays a string for every reader of the file.
    const doc = new Document({ config }, { version: "1.1" });
    const defaultTier = DEFAULT_TIERS[env];
    doc.commentBefore = ` ${env}: imported from the Copilot application ${app} by npm run import:copilot (copilot-migration.md says where each value came from).\n Tier ${tier}${defaultTier === tier ? "" : ", set here since the name alone does not say it"}; secrets are set with pulumi config set --secret (the report lists the commands).`;
    return doc.toString({ lineWidth: 0 });
}

function bootstrapFile(app: string, region: string, opts: ImportOptions, envs: string[], stacks: readonly ImportedStack[], services: string[]): string {
    const b = "shipyard-bootstrap";
    const tiers = Object.fromEntries(stacks.filter((s) => DEFAULT_TIERS[s.stack] !== s.tier).map((s) => [s.stack, s.tier]));
    // The Route 53 names each stack writes, which its deploy role may change and no other's (route53Hosts).
    const route53Hosts = Object.fromEntries(
        stacks
            .map((s) => {
                const config = (parse(s.text) as { config: Record<string, unknown> }).config;
                const services = (config[`${PROJECT}:services`] ?? {}) as Record<string, { hosts?: string[] }>;
                const hostName = config[`${PROJECT}:hostName`];
                const hosts = [...(typeof hostName === "string" ? [hostName] : []), ...Object.values(services).flatMap((svc) => svc.hosts ?? [])];
                return [s.stack, [...new Set(hosts)]] as const;
            })
            .filter(([, hosts]) => hosts.length > 0),
    );
    const doc = new Document(
        {
            config: {
                "aws:region": region,
                "aws:allowedAccountIds": [opts.account],
                [`${b}:appName`]: app,
                [`${b}:githubRepository`]: opts.githubRepository ?? `your-org/${app}`,
                [`${b}:stateBucket`]: `${app}-pulumi-state-${opts.account}-${region}`,
                [`${b}:environments`]: envs,
                ...(Object.keys(tiers).length > 0 ? { [`${b}:tiers`]: tiers } : {}),
                [`${b}:services`]: services,
                ...(Object.keys(route53Hosts).length > 0 ? { [`${b}:route53Hosts`]: route53Hosts } : {}),
            },
        },
        { version: "1.1" },
    );
    doc.commentBefore = ` The bootstrap's configuration for the imported application ${app}: merge it into bootstrap/Pulumi.shared.yaml.\n githubRepository is a guess unless --github-repository was given. No Cloudflare keys: the imported stacks use Route 53.`;
    return doc.toString({ lineWidth: 0 });
}

/** The files an import writes, relative to the output folder. */
export function importFiles(imported: Imported): Record<string, string> {
    const files: Record<string, string> = {};
    for (const s of imported.stacks) files[`Pulumi.${s.stack}.yaml`] = s.text;
    files[path.join("bootstrap", "Pulumi.shared.yaml")] = imported.bootstrapText;
    if (Object.keys(imported.buildContexts).length > 0) files[path.join("release", "images.json")] = `${JSON.stringify(imported.buildContexts, null, 2)}\n`;
    return files;
}

/** Writes the stack files, the bootstrap's and the build contexts into `out`; refuses to replace a file unless `force`. */
export function writeImport(imported: Imported, out: string, force = false): string[] {
    const files = importFiles(imported);
    const existing = Object.keys(files).filter((f) => fs.existsSync(path.join(out, f)));
    if (existing.length > 0 && !force)
        throw new ImportError(`--out ${out}: ${existing.join(", ")} already there; choose an empty folder or add --force to replace them`);
    for (const [f, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
        fs.writeFileSync(path.join(out, f), text);
    }
    return Object.keys(files);
}

/** Why a stack with queue workers, topics or jobs does not plan on a platform that does not have them yet. */
export const MESSAGING_MISSING =
    "this version of the platform has no topics, queue workers or jobs (the issue on messaging, queue workers and scheduled jobs): the stack plans once they are merged; --no-plan writes it without planning";

/** True when a written stack uses topics, queue workers' subscriptions or backlog scaling, or jobs. */
function usesMessaging(s: ImportedStack): boolean {
    const services = (parse(s.text) as { config: Record<string, Record<string, Record<string, unknown>>> }).config[`${PROJECT}:services`] ?? {};
    return Object.values(services).some((x) => x.expose === "job" || x.publish !== undefined || x.subscribe !== undefined || x.scaling !== undefined);
}

/** A value the plan gives each secret the report lists, as `pulumi config set --secret` would store one. */
export const PLAN_SECRET_PLACEHOLDER = "[set with pulumi config set --secret]";

/**
 * Runs the offline plan (the real program under the mock runtime, as `npm run plan` does) on each
 * stack file written in `out`: it passes when the program runs and nothing is refused by a
 * mandatory policy rule or AWS's API constraints.
 */
export async function planImport(imported: Imported, out: string): Promise<StackResult[]> {
    const { runStack } = await import("../../offline/runStack");
    const { checkConformance } = await import("../../offline/conformance");
    const { evaluate } = await import("../../policy/rules");
    const results: StackResult[] = [];
    for (const s of imported.stacks) {
        const secrets = Object.fromEntries(
            Object.entries(s.secrets).map(([svc, names]) => [svc, Object.fromEntries(names.map((n) => [n, PLAN_SECRET_PLACEHOLDER]))]),
        );
        const run = await runStack(s.stack, { stackDir: out, fresh: true, overrides: Object.keys(secrets).length > 0 ? { secret: { secrets } } : {} });
        let problems: string[];
        if (run.error) problems = [...(usesMessaging(s) && !(EXPOSURES as readonly string[]).includes("job") ? [MESSAGING_MISSING] : []), run.error.message];
        else
            problems = [
                ...checkConformance(run.graph.all).map((v) => `${v.resource} ${v.field} = ${JSON.stringify(v.value)}: ${v.rule}`),
                ...evaluate(run.graph.all, s.stack)
                    .filter((f) => f.enforcementLevel === "mandatory")
                    .map((f) => `${f.rule} ${f.resource}: ${f.message}`),
            ];
        results.push({ stack: s.stack, tier: s.tier, services: s.services, plan: { ok: problems.length === 0, problems } });
    }
    return results;
}

/** The migration report of an import, with the plan's results when it ran. */
export function reportOf(imported: Imported, planned?: readonly StackResult[]): string {
    return renderReport({
        app: imported.app,
        workspace: path.relative(process.cwd(), imported.workspace) || ".",
        stacks: planned ?? imported.stacks.map((s) => ({ stack: s.stack, tier: s.tier, services: s.services })),
        environments: imported.stacks.map((s) => s.stack),
        findings: imported.findings,
        secretCommands: imported.secretCommands,
        todo: imported.todo,
    });
}
