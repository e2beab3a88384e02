/**
 * The preview commands behind `scripts/preview.ts` (`npm run preview -- <command>`): deploy a pull
 * request's preview stack, destroy it, sweep the expired ones, list them. Pulumi, GitHub and AWS are
 * reached through their CLIs (`pulumi`, `gh`, `aws`) by an injected runner, so that the tests run
 * the commands as the workflows do, against fakes.
 */
import { parse, stringify } from "yaml";
import { previewImageTag } from "../bootstrap/previews";
import { PROJECT } from "../stacks/keys";
import { Flags, flags, required } from "./cli";
import { resolveDigest } from "./ecr";
import { EXIT, ReleaseError, UsageError } from "./errors";
import { BUILD_CONTEXTS_FILE, parseBuildContexts } from "./builds";
import { EcrImageRef, checkGitSha, imageRefWithDigest, imageRepository, stackEcrImage } from "./image";
import { PreviewSettings, parsePreviewSettings, previewNumber, previewStack, previewStackFile, previewUrls, PREVIEW_SETTINGS_FILE } from "./preview";
import { Runner } from "./runner";

/** Exit codes: the release commands' ({@link EXIT}), and one of the previews' own. */
export const PREVIEW_EXIT = Object.freeze({
    ...EXIT,
    /** The pull request got no preview: as many as maxPreviews exist already (it was told so in a comment). */
    CAP_REACHED: 5,
});

/** Marks the one comment of the preview on its pull request, which every later run edits. */
export const COMMENT_MARKER = "<!-- shipyard-preview -->";
/** Stack tag holding when the preview was first deployed (ISO 8601), from which its time-to-live counts. */
export const CREATED_TAG = "shipyard:preview-created";
/** Average days in a month, to turn the monthly estimate into a daily one (365.25 / 12). */
const DAYS_PER_MONTH = 30.4375;

export const PREVIEW_USAGE = `usage: npm run --silent preview -- <command> [flags]
  stack-file --pr <n>                          print the preview's stack file Pulumi.pr-<n>.yaml, made from the source stack's
  build-plan --sha <40 hex>                    the images the preview of that commit still needs, as JSON [{service, context, ref}]:
                                               each service's pr-<sha> image that ECR does not have (aws ecr describe-images)
  deploy --pr <n> --sha <40 hex> --repository <owner/name> [--run-url <url>] [--secrets-provider <url>]
                                               create or update the stack pr-<n> with the images built from that commit
                                               (tagged pr-<sha>, aws ecr describe-images), pulumi up, and comment its URLs and estimated
                                               daily cost on the pull request (gh); refused with a comment past maxPreviews
  destroy --pr <n> --repository <owner/name> [--run-url <url>]
                                               destroy the stack pr-<n> and remove it, and say so on the pull request
  sweep --repository <owner/name> [--run-url <url>]
                                               destroy every preview whose pull request is closed, older than ttlDays,
                                               or without a deploy for idleDays (${PREVIEW_SETTINGS_FILE})
  list                                         the previews that exist, as JSON
exit codes: 0 ok, 1 failed (the pull request is told), 2 bad usage, 4 image not found, 5 maxPreviews reached`;

export interface PreviewDeps {
    /** The text of a file of the repository (stack files, release/previews.json), or undefined when there is none. */
    readonly readFile: (path: string) => string | undefined;
    /** Writes a stack file beside the others. */
    readonly writeFile: (path: string, text: string) => void;
    /** Runs `aws`, `gh` and `pulumi`. */
    readonly run: Runner;
    readonly now: () => Date;
    /** The estimated monthly cost of the idle stack, in USD, from its offline plan (cost/estimate.ts). */
    readonly estimateMonthlyUsd: (stack: string) => Promise<number>;
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
}

function repositoryFlag(values: Flags): string {
    const repository = required(values, "repository");
    if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository))
        throw new UsageError(`--repository "${repository}" must be owner/name, e.g. example-org/shipyard`);
    return repository;
}

/** Runs a CLI and returns its stdout; a failure names the command and what it printed. */
async function call(run: Runner, command: string, args: readonly string[]): Promise<string> {
    const r = await run(command, args);
    if (r.code !== 0)
        throw new ReleaseError(`${command} ${args.slice(0, 3).join(" ")} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim() || "no output"}`);
    return r.stdout;
}

function json<T>(text: string, what: string): T {
    try {
        return JSON.parse(text) as T;
    } catch {
        throw new ReleaseError(`${what} printed something that is not JSON: ${text.slice(0, 200)}`);
    }
}

function settingsOf(deps: PreviewDeps): PreviewSettings {
    const text = deps.readFile(PREVIEW_SETTINGS_FILE);
    return parsePreviewSettings(text ?? "{}");
}

/** A preview stack as `pulumi stack ls --json` lists it. */
interface ListedStack {
    readonly name: string;
    readonly lastUpdate?: string;
    readonly updateInProgress?: boolean;
}

async function previews(run: Runner): Promise<ListedStack[]> {
    const listed = json<ListedStack[]>(await call(run, "pulumi", ["stack", "ls", "--json"]), "pulumi stack ls --json");
    return listed.filter((s) => previewNumber(s.name) !== undefined);
}

// ---- The pull request's comment ----

/** Edits the preview's comment on the pull request, or adds it when there is none. */
async function comment(run: Runner, repository: string, pr: number, body: string): Promise<void> {
    const text = `${COMMENT_MARKER}\n${body}`;
    const ids = await call(run, "gh", [
        "api",
        `repos/${repository}/issues/${pr}/comments`,
        "--paginate",
        "--jq",
        `.[] | select(.body | startswith(${JSON.stringify(COMMENT_MARKER)})) | .id`,
    ]);
    const id = ids.split("\n").find((l) => /^\d+$/.test(l.trim()));
    if (id) await call(run, "gh", ["api", "--method", "PATCH", `repos/${repository}/issues/comments/${id.trim()}`, "-f", `body=${text}`]);
    else await call(run, "gh", ["api", "--method", "POST", `repos/${repository}/issues/${pr}/comments`, "-f", `body=${text}`]);
}

const runLink = (url: string | undefined) => (url ? ` ([workflow run](${url}))` : "");

/** USD with cents, e.g. 1.0583 -> "$1.06". */
export function usd(amount: number): string {
    return `$${amount.toFixed(2)}`;
}

// ---- deploy ----

/** The top-level keys Pulumi writes into a stack file for its secrets provider, kept when the file is made again. */
const PROVIDER_KEYS = ["secretsprovider", "encryptedkey", "encryptionsalt"] as const;

async function deploy(values: Flags, deps: PreviewDeps): Promise<number> {
    const stack = previewStack(required(values, "pr"));
    const pr = previewNumber(stack) as number;
    const sha = checkGitSha(values.sha);
    const repository = repositoryFlag(values);
    const settings = settingsOf(deps);
    const { run } = deps;

    const existing = await previews(run);
    const exists = existing.some((s) => s.name === stack);
    if (!exists && existing.length >= settings.maxPreviews) {
        const names = existing.map((s) => `#${previewNumber(s.name)}`).join(", ");
        await comment(
            run,
            repository,
            pr,
            `**No preview for this pull request:** ${existing.length} previews exist already (${names}), the most ${PREVIEW_SETTINGS_FILE} allows (maxPreviews ${settings.maxPreviews}). Remove the \`preview\` label from another pull request or close it, then push or label this one again; previews also expire after ${settings.ttlDays} days, or ${settings.idleDays} day without a push.`,
        );
        deps.err(`preview: ${stack} not created: ${existing.length} previews exist (maxPreviews ${settings.maxPreviews})\n`);
        return PREVIEW_EXIT.CAP_REACHED;
    }

    try {
        const sourceText = deps.readFile(`Pulumi.${settings.source}.yaml`);
        if (sourceText === undefined)
            throw new ReleaseError(`no stack file Pulumi.${settings.source}.yaml: previews are made from it (source in ${PREVIEW_SETTINGS_FILE})`);
        const file = `Pulumi.${stack}.yaml`;
        if (!exists) {
            // Without it the DIY backend would ask for a passphrase, which a workflow has none of.
            const provider = values["secrets-provider"];
            if (!provider)
                throw new ReleaseError(
                    `a new preview needs --secrets-provider: the bootstrap's output previewSecretsProvider (awskms://alias/<app>-pulumi-preview?region=...), the GitHub environment preview's variable PREVIEW_SECRETS_PROVIDER`,
                );
            await call(run, "pulumi", ["stack", "init", stack, "--secrets-provider", provider]);
        } else if (deps.readFile(file) === undefined) {
            // A fresh checkout has no stack file: the last deployment's configuration holds the secrets provider's key.
            await call(run, "pulumi", ["config", "refresh", "--force", "--stack", stack]);
        }
        const previous = (parse(deps.readFile(file) ?? "") ?? {}) as Record<string, unknown>;
        const generated = previewStackFile(stack, settings.source, sourceText, { number: pr, repository });
        const made = parse(generated) as { config: Record<string, unknown> };
        const services = made.config[`${PROJECT}:services`] as Record<string, { image?: string }>;
        for (const [name, service] of Object.entries(services)) {
            const image = stackEcrImage(stack, `${PROJECT}:services.${name}.image`, service.image);
            service.image = imageRefWithDigest(image, await pullRequestDigest(run, image, sha));
        }
        const kept = Object.fromEntries(PROVIDER_KEYS.filter((k) => previous[k] !== undefined).map((k) => [k, previous[k]]));
        const header = generated
            .split("\n")
            .filter((l) => l.startsWith("#"))
            .join("\n");
        const text = `${header}\n${stringify({ ...kept, config: made.config }, { lineWidth: 0 })}`;
        deps.writeFile(file, text);
        if (!exists) await call(run, "pulumi", ["stack", "tag", "set", CREATED_TAG, deps.now().toISOString(), "--stack", stack]);
        deps.err(`preview: pulumi up ${stack} with the images of ${sha}\n`);
        await call(run, "pulumi", ["up", "--yes", "--non-interactive", "--skip-preview", "--stack", stack, "--message", `preview of #${pr} at ${sha}`]);

        // The preview is up whatever the estimate does: a failed estimate is said, not fatal.
        const cost = await deps.estimateMonthlyUsd(stack).then(
            (monthly) => `**${usd(monthly / DAYS_PER_MONTH)} a day** (offline plan, cost/prices; traffic and storage growth not included)`,
            (e: unknown) => `unknown (the offline plan failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)})`,
        );
        const urls = previewUrls(text);
        const lines = [
            `**Preview \`${stack}\`** of ${sha.slice(0, 7)} is up${runLink(values["run-url"])}.`,
            "",
            "| service | URL |",
            "| --- | --- |",
            ...urls.map((u) => `| ${u.service} | ${u.url} |`),
            "",
            `Estimated cost while idle: ${cost}.`,
            `It is updated on every push, destroyed when the pull request closes or the \`preview\` label is removed, and expires ${settings.ttlDays} days after its first deploy or after ${settings.idleDays} day without a push.`,
        ];
        await comment(run, repository, pr, lines.join("\n"));
        deps.out(`${urls.map((u) => u.url).join("\n")}\n`);
        return PREVIEW_EXIT.OK;
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        await comment(
            run,
            repository,
            pr,
            `**Preview \`${stack}\` failed to deploy** ${sha.slice(0, 7)}${runLink(values["run-url"])}:\n\n\`\`\`\n${message.slice(0, 2000)}\n\`\`\`\n\nPush a fix to try again; what the failed deploy created stays until then or until the pull request closes.`,
        );
        throw e;
    }
}

/** The digest of the pull request's image of a service (tagged `pr-<sha>`); IMAGE_NOT_FOUND says who pushes it. */
async function pullRequestDigest(run: Runner, image: EcrImageRef, sha: string): Promise<string> {
    const tag = previewImageTag(sha);
    try {
        return await resolveDigest(run, image, tag);
    } catch (e) {
        if (e instanceof ReleaseError && e.exitCode === EXIT.IMAGE_NOT_FOUND)
            throw new ReleaseError(
                `image ${image.repository}:${tag} not found (registry ${image.ecr.accountId}, region ${image.ecr.region}): the preview workflow's build step pushes it (npm run preview -- build-plan)`,
                EXIT.IMAGE_NOT_FOUND,
            );
        throw e;
    }
}

/**
 * The images a preview of commit `sha` still needs, as JSON [{service, context, ref}]: each service
 * of the preview whose image `pr-<sha>` ECR does not have, with its build context (release/images.json)
 * and the reference to push. The workflow builds and pushes exactly these.
 */
async function buildPlan(values: Flags, deps: PreviewDeps): Promise<number> {
    const sha = checkGitSha(values.sha);
    const settings = settingsOf(deps);
    const sourceText = sourceOf(settings, deps);
    const config = (parse(sourceText) as { config?: Record<string, unknown> }).config ?? {};
    const contexts = parseBuildContexts(deps.readFile(BUILD_CONTEXTS_FILE) ?? "{}");
    const needed: { service: string; context: string; ref: string }[] = [];
    for (const [service, spec] of Object.entries((config[`${PROJECT}:services`] ?? {}) as Record<string, { image?: string }>)) {
        const image = stackEcrImage(settings.source, `${PROJECT}:services.${service}.image`, spec.image);
        const context = contexts[service];
        if (!context) throw new ReleaseError(`${BUILD_CONTEXTS_FILE} has no build context for ${service}, a service of Pulumi.${settings.source}.yaml`);
        try {
            await pullRequestDigest(deps.run, image, sha);
        } catch (e) {
            if (!(e instanceof ReleaseError && e.exitCode === EXIT.IMAGE_NOT_FOUND)) throw e;
            needed.push({ service, context, ref: `${imageRepository(image)}:${previewImageTag(sha)}` });
        }
    }
    deps.out(`${JSON.stringify(needed)}\n`);
    return PREVIEW_EXIT.OK;
}

function sourceOf(settings: PreviewSettings, deps: PreviewDeps): string {
    const text = deps.readFile(`Pulumi.${settings.source}.yaml`);
    if (text === undefined)
        throw new ReleaseError(`no stack file Pulumi.${settings.source}.yaml: previews are made from it (source in ${PREVIEW_SETTINGS_FILE})`);
    return text;
}

// ---- destroy and sweep ----

/** Destroys a preview stack and removes it; the stack file comes from its last deployment. */
async function destroyStack(run: Runner, stack: string): Promise<void> {
    await call(run, "pulumi", ["config", "refresh", "--force", "--stack", stack]);
    await call(run, "pulumi", ["destroy", "--yes", "--non-interactive", "--skip-preview", "--remove", "--stack", stack]);
}

async function destroy(values: Flags, deps: PreviewDeps): Promise<number> {
    const stack = previewStack(required(values, "pr"));
    const pr = previewNumber(stack) as number;
    const repository = repositoryFlag(values);
    if (!(await previews(deps.run)).some((s) => s.name === stack)) {
        deps.err(`preview: ${stack} does not exist; nothing to destroy\n`);
        return PREVIEW_EXIT.OK;
    }
    await destroyOne(deps, repository, stack, pr, "the pull request was closed or its `preview` label removed", values["run-url"]);
    return PREVIEW_EXIT.OK;
}

async function destroyOne(deps: PreviewDeps, repository: string, stack: string, pr: number, reason: string, runUrl: string | undefined): Promise<void> {
    try {
        await destroyStack(deps.run, stack);
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        await comment(
            deps.run,
            repository,
            pr,
            `**Preview \`${stack}\` could not be destroyed**${runLink(runUrl)}:\n\n\`\`\`\n${message.slice(0, 2000)}\n\`\`\``,
        );
        throw e;
    }
    await comment(deps.run, repository, pr, `Preview \`${stack}\` destroyed: ${reason}${runLink(runUrl)}.`);
    deps.out(`${stack} destroyed: ${reason}\n`);
}

const HOUR = 3_600_000;

/** Why the sweep destroys a preview, or undefined when it stays. */
export function expiry(
    p: { readonly created?: Date; readonly lastUpdate?: Date; readonly closed: boolean },
    now: Date,
    s: PreviewSettings,
): string | undefined {
    if (p.closed) return "its pull request is closed";
    if (p.created && now.getTime() - p.created.getTime() > s.ttlDays * 24 * HOUR) return `older than ${s.ttlDays} days (ttlDays)`;
    if (p.lastUpdate && now.getTime() - p.lastUpdate.getTime() > s.idleDays * 24 * HOUR) return `no deploy for ${s.idleDays} day (idleDays)`;
    return undefined;
}

function date(text: unknown): Date | undefined {
    if (typeof text !== "string") return undefined;
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? undefined : d;
}

async function sweep(values: Flags, deps: PreviewDeps): Promise<number> {
    const repository = repositoryFlag(values);
    const settings = settingsOf(deps);
    const now = deps.now();
    let failed = 0;
    for (const p of await previews(deps.run)) {
        const pr = previewNumber(p.name) as number;
        if (p.updateInProgress) {
            deps.out(`${p.name} kept: a deploy is running\n`);
            continue;
        }
        const tags = json<Record<string, string>>(
            await call(deps.run, "pulumi", ["stack", "tag", "ls", "--json", "--stack", p.name]),
            "pulumi stack tag ls --json",
        );
        const state = (await call(deps.run, "gh", ["api", `repos/${repository}/pulls/${pr}`, "--jq", ".state"])).trim();
        const reason = expiry({ created: date(tags[CREATED_TAG]), lastUpdate: date(p.lastUpdate), closed: state === "closed" }, now, settings);
        if (!reason) {
            deps.out(`${p.name} kept\n`);
            continue;
        }
        try {
            await destroyOne(deps, repository, p.name, pr, reason, values["run-url"]);
        } catch (e) {
            failed++;
            deps.err(`preview: ${p.name}: ${e instanceof Error ? e.message : String(e)}\n`);
        }
    }
    return failed > 0 ? PREVIEW_EXIT.FAILED : PREVIEW_EXIT.OK;
}

async function list(deps: PreviewDeps): Promise<number> {
    const listed = await previews(deps.run);
    deps.out(`${JSON.stringify(listed.map((p) => ({ stack: p.name, pr: previewNumber(p.name), lastUpdate: p.lastUpdate ?? null })))}\n`);
    return PREVIEW_EXIT.OK;
}

function stackFile(values: Flags, deps: PreviewDeps): number {
    const stack = previewStack(required(values, "pr"));
    const settings = settingsOf(deps);
    const sourceText = deps.readFile(`Pulumi.${settings.source}.yaml`);
    if (sourceText === undefined)
        throw new ReleaseError(`no stack file Pulumi.${settings.source}.yaml: previews are made from it (source in ${PREVIEW_SETTINGS_FILE})`);
    deps.out(previewStackFile(stack, settings.source, sourceText, { number: previewNumber(stack) as number }));
    return PREVIEW_EXIT.OK;
}

/** Runs one command; returns the exit code (errors are reported on `err`). */
export async function runPreviewCli(argv: readonly string[], deps: PreviewDeps): Promise<number> {
    const [command, ...rest] = argv;
    try {
        switch (command) {
            case "stack-file":
                return stackFile(flags(rest, ["pr"]), deps);
            case "deploy":
                return await deploy(flags(rest, ["pr", "sha", "repository", "run-url", "secrets-provider"]), deps);
            case "build-plan":
                return await buildPlan(flags(rest, ["sha"]), deps);
            case "destroy":
                return await destroy(flags(rest, ["pr", "repository", "run-url"]), deps);
            case "sweep":
                return await sweep(flags(rest, ["repository", "run-url"]), deps);
            case "list":
                flags(rest, []);
                return await list(deps);
            default:
                throw new UsageError(command ? `unknown command "${command}"` : "no command given");
        }
    } catch (e) {
        if (e instanceof ReleaseError) {
            deps.err(`preview: ${e.message}\n${e.exitCode === EXIT.USAGE ? `${PREVIEW_USAGE}\n` : ""}`);
            return e.exitCode;
        }
        throw e;
    }
}
