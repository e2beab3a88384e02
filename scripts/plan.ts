/**
 * npm run plan -- --stack <env>[,<env>...] | --all [--format table|markdown|json|mermaid] [--cost]
 * npm run plan -- --stack <env> --diff <other-env> | --diff-ref <git-ref> [--format table|markdown|json] [--full]
 *
 * Runs the real program for a stack file under Pulumi's mock runtime (no credentials, no CLI, no
 * network) and prints every resource it would create, grouped by component; or what differs from
 * another stack, or from the same stack file at a git ref (what an edit to it changes).
 *
 * Several stacks (`--stack alpha,beta` or `--all`, every stack file) are planned in one process,
 * which loads the Pulumi SDK and the program once: one section per stack, each as a single plan
 * prints it (json: an array of the documents), and a stack that fails does not stop the others.
 *
 * stdout carries the plan alone; progress goes to stderr. For json the policy findings (and the
 * cost) are fields of the document; for mermaid they go to stderr, so that stdout is the diagram.
 *
 * Exit codes: 0 plan printed; 1 the stack's configuration is invalid or the program failed;
 * 2 bad usage (unknown flag, unknown stack, bad format, unknown git ref, no stack file at the ref);
 * 3 a mandatory policy rule is violated, or a value AWS's API would refuse (offline/conformance.ts).
 * With several stacks, the worst of theirs: 1 when any failed, else 3 when any is refused, else 0.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StackRun } from "../offline/runStack";
import { committedStacks, stackFile } from "../offline/stackConfig";
import { diffPlans, renderDiff, renderDiffMarkdown } from "../plan/diff";
import { fileAtRef, FileAtRef, GitRefError } from "../plan/gitRef";
import { FORMATS, Format, Plan, renderJson, renderMarkdown, renderMermaid, renderTable } from "../plan/render";
import { planResources } from "../plan/summarize";
import type { Finding } from "../policy/rules";
import type { Violation } from "../offline/conformance";
import { argsOrUsage, Io, parseFlags, PROCESS_IO, requireStack, runMain, UsageError } from "./cli";

const USAGE = `usage: npm run plan -- (--stack <env>[,<env>...] | --all) [--format ${FORMATS.join("|")}] [--cost]
       npm run plan -- --stack <env> (--diff <other-env> | --diff-ref <git-ref>) [--format table|markdown|json] [--full]
  --stack     environment whose Pulumi.<env>.yaml to plan (${committedStacks().join(", ")});
              several, comma-separated, are planned in one process, one section each
  --all       every stack file's environment, as --stack with all of them
  --format    output format (default: table); mermaid draws the architecture; json and mermaid print
              nothing else on stdout (json holds the policy findings, mermaid sends them to stderr)
  --cost      add an estimated monthly cost of the idle environment (cost/prices/<region>.json)
  --diff      print what differs between --stack ("-") and this environment ("+") instead
  --diff-ref  print what differs between --stack's file at this git ref ("- before") and as it is
              now ("+ after"): what an edit to the stack file changes; e.g. HEAD, main, HEAD~1
  --full      with a diff: every differing value inside JSON documents (dashboards, policies,
              container definitions), not one line per document
exit codes: 0 ok, 1 invalid configuration or program error, 2 bad usage (or unknown git ref), 3 mandatory policy violation or a value AWS would refuse;
  with several stacks the worst: 1 if any failed, else 3 if any was refused, else 0`;

interface Args {
    /** The stacks to plan, in the order given; one unless planning several. */
    readonly stacks: readonly string[];
    /** Several stacks were asked for (a list or --all): sections, and a JSON array. */
    readonly several: boolean;
    readonly format: Format;
    readonly cost: boolean;
    /** Another environment to compare with. */
    readonly diff?: string;
    /** The stack file at a git ref, to compare with. */
    readonly ref?: { readonly name: string; readonly file: FileAtRef };
    readonly full: boolean;
}

function parse(argv: string[]): Args {
    const values = parseFlags(
        argv,
        {
            stack: { type: "string" },
            all: { type: "boolean", default: false },
            format: { type: "string", default: "table" },
            diff: { type: "string" },
            "diff-ref": { type: "string" },
            full: { type: "boolean", default: false },
            cost: { type: "boolean", default: false },
            help: { type: "boolean" },
        },
        USAGE,
    );
    if (values.all && values.stack !== undefined) throw new UsageError("--stack and --all are mutually exclusive: name the stacks or plan them all");
    if (!values.stack && !values.all) throw new UsageError("--stack (or --all) is required");
    const several = values.all === true || (values.stack ?? "").includes(",");
    const stacks = values.all ? committedStacks() : (values.stack ?? "").split(",");
    if (stacks.some((s) => s === "")) throw new UsageError(`--stack "${values.stack}" has an empty name; separate stacks with single commas`);
    const repeated = stacks.find((s, i) => stacks.indexOf(s) !== i);
    if (repeated !== undefined) throw new UsageError(`--stack names ${repeated} twice`);
    for (const s of [...stacks, values.diff].filter((x): x is string => x !== undefined)) requireStack(s);
    if (!(FORMATS as readonly string[]).includes(values.format as string))
        throw new UsageError(`unknown format "${values.format}"; allowed: ${FORMATS.join(", ")}`);
    const format = values.format as Format;
    const ref = values["diff-ref"];
    const diffing = values.diff !== undefined || ref !== undefined;
    if (values.diff !== undefined && ref !== undefined)
        throw new UsageError("--diff and --diff-ref are mutually exclusive: compare with another stack or with a git ref, not both");
    if (several && diffing) throw new UsageError("--diff and --diff-ref compare one stack; give --stack a single environment");
    if (several && format === "mermaid") throw new UsageError("--format mermaid draws one stack; give --stack a single environment");
    if (diffing && format === "mermaid") throw new UsageError("--format mermaid draws one stack; a diff prints as table, markdown or json");
    if (diffing && values.cost) throw new UsageError("--cost estimates one stack; leave it out of a diff");
    if (!diffing && values.full) throw new UsageError("--full applies to a diff: add --diff <other-env> or --diff-ref <git-ref>");
    let file: FileAtRef | undefined;
    if (ref !== undefined) {
        try {
            file = fileAtRef(stackFile(stacks[0]), ref);
        } catch (e) {
            if (e instanceof GitRefError) throw new UsageError(e.message);
            throw e;
        }
    }
    return {
        stacks,
        several,
        format,
        cost: values.cost === true,
        diff: values.diff,
        ref: ref !== undefined && file ? { name: ref, file } : undefined,
        full: values.full === true,
    };
}

async function run(io: Io, stack: string, stackDir?: string, from = ""): Promise<StackRun & { plan: Plan }> {
    io.err(`running stack ${stack}${from} under the mock runtime...\n`);
    // Loaded here, not at the top: the Pulumi SDK takes a second to load, which a usage error need not wait for.
    const { FakeCloud, runStack } = await import("../offline/runStack");
    // A stack file from a git ref is answered by today's offline cloud (offline-cloud.yaml and the
    // bootstrap's file beside the working tree's stack files): only the stack file differs.
    const result = await runStack(stack, stackDir ? { stackDir, cloud: new FakeCloud() } : {});
    if (result.error) throw result.error;
    const all = result.graph.all;
    const plan: Plan = {
        stack,
        resources: planResources(all),
        totalRegistered: all.length,
        components: all.filter((r) => !r.custom).map((r) => r.name),
    };
    return { ...result, plan };
}

/** The plan of the stack file as `ref` has it: written to a folder of its own for the run. */
async function runAtRef(io: Io, stack: string, ref: NonNullable<Args["ref"]>): Promise<StackRun & { plan: Plan }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-plan-ref-"));
    try {
        fs.writeFileSync(stackFile(stack, undefined, dir), ref.file.text);
        return await run(io, stack, dir, ` (${ref.file.path} at ${ref.name})`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The policy results: a headline and one line per finding; in Markdown, a heading and a list. */
function policyLines(findings: readonly Finding[], rules: number, markdown: boolean): string[] {
    const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory");
    const headline = `Policy (${rules} rules, policy/rules.ts): ${mandatory.length} mandatory violations, ${findings.length - mandatory.length} advisory findings`;
    const line = (f: Finding) => `${f.rule}${f.control ? ` (${f.control})` : ""} ${f.resource}: ${f.message}`;
    return markdown
        ? [
              `### ${headline}`,
              ...(findings.length > 0 ? [""] : []),
              ...findings.map((f) => `- ${f.enforcementLevel === "mandatory" ? "**FAIL**" : "note"} ${line(f)}`),
          ]
        : [headline, ...findings.map((f) => `  ${f.enforcementLevel === "mandatory" ? "FAIL" : "note"} ${line(f)}`)];
}

/** What AWS's API would refuse (offline/conformance.ts): a headline and one line per violation. */
function conformanceLines(violations: readonly Violation[], rules: number, markdown: boolean): string[] {
    const headline = `AWS API conformance (${rules} rules, offline/conformance.ts): ${violations.length} values AWS would refuse`;
    const line = (v: Violation) => `${v.resource} ${v.field} = ${JSON.stringify(v.value)}: ${v.rule} (${v.source})`;
    return markdown
        ? [`### ${headline}`, ...(violations.length > 0 ? [""] : []), ...violations.map((v) => `- **FAIL** ${line(v)}`)]
        : [headline, ...violations.map((v) => `  FAIL ${line(v)}`)];
}

async function diff(io: Io, args: Args): Promise<string> {
    const stack = args.stacks[0];
    const [a, b, labels] = args.ref
        ? [await runAtRef(io, stack, args.ref), await run(io, stack), { a: `before (${args.ref.name})`, b: "after (working tree)" }]
        : [await run(io, stack), await run(io, args.diff as string), undefined];
    const d = diffPlans(a.plan, b.plan, { labels, full: args.full });
    return args.format === "json" ? JSON.stringify(d, null, 2) : args.format === "markdown" ? renderDiffMarkdown(d) : renderDiff(d);
}

type Write = (text: string) => void;

/** Plans one stack: its plan on `out`, the policy and conformance results on `aside`, a JSON document to `json`; its exit code. */
async function planStack(
    io: Io,
    stack: string,
    args: Args,
    write: { out: Write; aside: Write; json: (doc: Record<string, unknown>) => void },
): Promise<number> {
    try {
        const a = await run(io, stack);
        const { evaluate, RULES } = await import("../policy/rules");
        const { checkConformance, conformanceRules } = await import("../offline/conformance");
        const { cdkDefaultBaseline, estimateCost, formatCostTable, loadPriceTable } = await import("../cost/estimate");
        const region = String(a.outputs?.region ?? "");
        const cost = args.cost ? estimateCost(a.graph.all, { region }) : undefined;
        const baseline = cost ? cdkDefaultBaseline(loadPriceTable(region)) : undefined;
        const violations = checkConformance(a.graph.all);
        const findings = evaluate(a.graph.all, stack);
        const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory");
        if (args.format === "json") {
            const extra = { policy: findings, awsConformance: violations, ...(cost ? { cost, cdkDefaultBaselineUsd: baseline?.totalUsd } : {}) };
            write.json(JSON.parse(renderJson(a.plan, extra)) as Record<string, unknown>);
        } else {
            const render = { table: renderTable, markdown: renderMarkdown, mermaid: (p: Plan) => renderMermaid(p, a.graph.all) }[args.format];
            write.out(render(a.plan));
            if (cost && baseline) {
                write.aside(`\nEstimated monthly cost of ${stack}, idle\n${formatCostTable(cost)}`);
                write.aside(`\nFor comparison, CDK's ApplicationLoadBalancedFargateService with its defaults here: ${baseline.totalUsd.toFixed(2)} USD/month.`);
            }
            write.aside(`\n${policyLines(findings, RULES.length, args.format === "markdown").join("\n")}`);
            write.aside(`\n${conformanceLines(violations, conformanceRules().length, args.format === "markdown").join("\n")}`);
        }
        // A value AWS would refuse fails the first pulumi up: as mandatory as a policy violation.
        return mandatory.length > 0 || violations.length > 0 ? 3 : 0;
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        io.err(`plan: ${args.several ? `${stack}: ` : ""}${message}\n`);
        // Among several, the reader of the plan also sees which section failed and why.
        if (args.several) {
            if (args.format === "json") write.json({ stack, error: message });
            else if (args.format === "markdown") write.out(`## Plan for stack \`${stack}\`\n\n**failed**: ${message}`);
            else write.out(`Plan for stack ${stack} (offline, mock runtime)\n\nfailed: ${message}`);
        }
        return 1;
    }
}

/** The exit code of several stacks: a stack that failed to run outweighs one refused, which outweighs success. */
export function worstExitCode(codes: readonly number[]): number {
    return codes.includes(1) ? 1 : codes.includes(3) ? 3 : 0;
}

/** The plan command: `argv` as after `npm run plan --`; what it prints goes to `io`; resolves to the exit code. */
export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
    const args = argsOrUsage("plan", USAGE, parse, argv, io);
    if (typeof args === "number") return args;
    // What a reader of the plan reads goes to stdout; with a machine format, the rest goes to stderr.
    const out: Write = (text) => io.out(`${text}\n`);
    const aside: Write = args.format === "mermaid" ? (text) => io.err(`${text}\n`) : out;
    if (args.diff !== undefined || args.ref) {
        try {
            out(await diff(io, args));
            return 0;
        } catch (e) {
            io.err(`plan: ${e instanceof Error ? e.message : String(e)}\n`);
            return 1;
        }
    }
    const documents: Record<string, unknown>[] = [];
    const codes: number[] = [];
    for (const stack of args.stacks) {
        // A blank line between one stack's section and the next one's heading.
        let first = codes.length > 0;
        const section: Write = (text) => {
            out(first ? `\n${text}` : text);
            first = false;
        };
        codes.push(await planStack(io, stack, args, { out: section, aside: args.format === "mermaid" ? aside : section, json: (doc) => documents.push(doc) }));
    }
    if (args.format === "json" && (args.several || documents.length > 0)) out(JSON.stringify(args.several ? documents : documents[0], null, 2));
    if (args.several) io.err(`planned ${codes.length} stacks: ${args.stacks.map((s, i) => `${s} ${codes[i] === 0 ? "ok" : `exit ${codes[i]}`}`).join(", ")}\n`);
    return worstExitCode(codes);
}

if (require.main === module) runMain("plan", () => main(process.argv.slice(2)));
