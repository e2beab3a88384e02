/**
 * npm run plan -- --stack <env> [--format table|markdown|json|mermaid] [--cost]
 * npm run plan -- --stack <env> --diff <other-env> | --diff-ref <git-ref> [--format table|markdown|json] [--full]
 *
 * Runs the real program for a stack file under Pulumi's mock runtime (no credentials, no CLI, no
 * network) and prints every resource it would create, grouped by component; or what differs from
 * another stack, or from the same stack file at a git ref (what an edit to it changes).
 *
 * stdout carries the plan alone; progress goes to stderr. For json the policy findings (and the
 * cost) are fields of the document; for mermaid they go to stderr, so that stdout is the diagram.
 *
 * Exit codes: 0 plan printed; 1 the stack's configuration is invalid or the program failed;
 * 2 bad usage (unknown flag, unknown stack, bad format, unknown git ref, no stack file at the ref);
 * 3 a mandatory policy rule is violated, or a value AWS's API would refuse (offline/conformance.ts).
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
import { argsOrUsage, parseFlags, requireStack, runMain, UsageError } from "./cli";

const USAGE = `usage: npm run plan -- --stack <env> [--format ${FORMATS.join("|")}] [--cost]
       npm run plan -- --stack <env> (--diff <other-env> | --diff-ref <git-ref>) [--format table|markdown|json] [--full]
  --stack     environment whose Pulumi.<env>.yaml to plan (${committedStacks().join(", ")})
  --format    output format (default: table); mermaid draws the architecture; json and mermaid print
              nothing else on stdout (json holds the policy findings, mermaid sends them to stderr)
  --cost      add an estimated monthly cost of the idle environment (cost/prices/<region>.json)
  --diff      print what differs between --stack ("-") and this environment ("+") instead
  --diff-ref  print what differs between --stack's file at this git ref ("- before") and as it is
              now ("+ after"): what an edit to the stack file changes; e.g. HEAD, main, HEAD~1
  --full      with a diff: every differing value inside JSON documents (dashboards, policies,
              container definitions), not one line per document
exit codes: 0 ok, 1 invalid configuration or program error, 2 bad usage (or unknown git ref), 3 mandatory policy violation or a value AWS would refuse`;

interface Args {
    readonly stack: string;
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
            format: { type: "string", default: "table" },
            diff: { type: "string" },
            "diff-ref": { type: "string" },
            full: { type: "boolean", default: false },
            cost: { type: "boolean", default: false },
            help: { type: "boolean" },
        },
        USAGE,
    );
    if (!values.stack) throw new UsageError("--stack is required");
    for (const s of [values.stack, values.diff].filter((x): x is string => x !== undefined)) requireStack(s);
    if (!(FORMATS as readonly string[]).includes(values.format as string))
        throw new UsageError(`unknown format "${values.format}"; allowed: ${FORMATS.join(", ")}`);
    const format = values.format as Format;
    const ref = values["diff-ref"];
    const diffing = values.diff !== undefined || ref !== undefined;
    if (values.diff !== undefined && ref !== undefined)
        throw new UsageError("--diff and --diff-ref are mutually exclusive: compare with another stack or with a git ref, not both");
    if (diffing && format === "mermaid") throw new UsageError("--format mermaid draws one stack; a diff prints as table, markdown or json");
    if (diffing && values.cost) throw new UsageError("--cost estimates one stack; leave it out of a diff");
    if (!diffing && values.full) throw new UsageError("--full applies to a diff: add --diff <other-env> or --diff-ref <git-ref>");
    let file: FileAtRef | undefined;
    if (ref !== undefined) {
        try {
            file = fileAtRef(stackFile(values.stack), ref);
        } catch (e) {
            if (e instanceof GitRefError) throw new UsageError(e.message);
            throw e;
        }
    }
    return {
        stack: values.stack,
        format,
        cost: values.cost === true,
        diff: values.diff,
        ref: ref !== undefined && file ? { name: ref, file } : undefined,
        full: values.full === true,
    };
}

async function run(stack: string, stackDir?: string, from = ""): Promise<StackRun & { plan: Plan }> {
    process.stderr.write(`running stack ${stack}${from} under the mock runtime...\n`);
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
async function runAtRef(stack: string, ref: NonNullable<Args["ref"]>): Promise<StackRun & { plan: Plan }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-plan-ref-"));
    try {
        fs.writeFileSync(stackFile(stack, undefined, dir), ref.file.text);
        return await run(stack, dir, ` (${ref.file.path} at ${ref.name})`);
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

async function diff(args: Args): Promise<string> {
    const [a, b, labels] = args.ref
        ? [await runAtRef(args.stack, args.ref), await run(args.stack), { a: `before (${args.ref.name})`, b: "after (working tree)" }]
        : [await run(args.stack), await run(args.diff as string), undefined];
    const d = diffPlans(a.plan, b.plan, { labels, full: args.full });
    return args.format === "json" ? JSON.stringify(d, null, 2) : args.format === "markdown" ? renderDiffMarkdown(d) : renderDiff(d);
}

async function main(): Promise<number> {
    const args = argsOrUsage("plan", USAGE, parse);
    if (typeof args === "number") return args;
    // What a reader of the plan reads goes to stdout; with a machine format, the rest goes to stderr.
    const out = (text: string) => process.stdout.write(`${text}\n`);
    const aside = args.format === "mermaid" ? (text: string) => process.stderr.write(`${text}\n`) : out;
    try {
        if (args.diff !== undefined || args.ref) {
            out(await diff(args));
            return 0;
        }
        const a = await run(args.stack);
        const { evaluate, RULES } = await import("../policy/rules");
        const { checkConformance, conformanceRules } = await import("../offline/conformance");
        const { cdkDefaultBaseline, estimateCost, formatCostTable, loadPriceTable } = await import("../cost/estimate");
        const region = String(a.outputs?.region ?? "");
        const cost = args.cost ? estimateCost(a.graph.all, { region }) : undefined;
        const baseline = cost ? cdkDefaultBaseline(loadPriceTable(region)) : undefined;
        const violations = checkConformance(a.graph.all);
        const findings = evaluate(a.graph.all, args.stack);
        const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory");
        const text = {
            table: () => renderTable(a.plan),
            markdown: () => renderMarkdown(a.plan),
            json: () =>
                renderJson(a.plan, { policy: findings, awsConformance: violations, ...(cost ? { cost, cdkDefaultBaselineUsd: baseline?.totalUsd } : {}) }),
            mermaid: () => renderMermaid(a.plan, a.graph.all),
        }[args.format]();
        out(text);
        if (args.format !== "json") {
            if (cost && baseline) {
                aside(`\nEstimated monthly cost of ${args.stack}, idle\n${formatCostTable(cost)}`);
                aside(`\nFor comparison, CDK's ApplicationLoadBalancedFargateService with its defaults here: ${baseline.totalUsd.toFixed(2)} USD/month.`);
            }
            aside(`\n${policyLines(findings, RULES.length, args.format === "markdown").join("\n")}`);
            aside(`\n${conformanceLines(violations, conformanceRules().length, args.format === "markdown").join("\n")}`);
        }
        // A value AWS would refuse fails the first pulumi up: as mandatory as a policy violation.
        return mandatory.length > 0 || violations.length > 0 ? 3 : 0;
    } catch (e) {
        process.stderr.write(`plan: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
    }
}

runMain("plan", main);
