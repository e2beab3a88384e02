/**
 * npm run plan -- --stack <env> [--format table|markdown|json|mermaid] [--diff <other-env>] [--cost]
 *
 * Runs the real program for a stack file under Pulumi's mock runtime (no credentials, no CLI, no
 * network) and prints every resource it would create, grouped by component.
 *
 * Exit codes: 0 plan printed; 1 the stack's configuration is invalid or the program failed;
 * 2 bad usage (unknown flag, unknown stack, bad format); 3 a mandatory policy rule is violated.
 */
import { runStack, StackRun } from "../offline/runStack";
import { committedStacks } from "../offline/stackConfig";
import { diffPlans, renderDiff } from "../plan/diff";
import { FORMATS, Format, Plan, renderJson, renderMarkdown, renderMermaid, renderTable } from "../plan/render";
import { planResources } from "../plan/summarize";
import { evaluate, RULES } from "../policy/rules";
import { cdkDefaultBaseline, estimateCost, formatCostTable, loadPriceTable } from "../cost/estimate";
import { argsOrUsage, parseFlags, requireStack, UsageError } from "./cli";

const USAGE = `usage: npm run plan -- --stack <env> [--format ${FORMATS.join("|")}] [--diff <other-env>]
  --stack    environment whose Pulumi.<env>.yaml to plan (${committedStacks().join(", ")})
  --format   output format (default: table); mermaid draws the architecture
  --diff     print what differs between --stack and this environment instead
  --cost     add an estimated monthly cost of the idle environment (cost/prices/<region>.json)
exit codes: 0 ok, 1 invalid configuration or program error, 2 bad usage, 3 mandatory policy violation`;

function parse(argv: string[]): { stack: string; format: Format; diff?: string; cost: boolean } {
    const values = parseFlags(
        argv,
        {
            stack: { type: "string" },
            format: { type: "string", default: "table" },
            diff: { type: "string" },
            cost: { type: "boolean", default: false },
            help: { type: "boolean" },
        },
        USAGE,
    );
    if (!values.stack) throw new UsageError("--stack is required");
    for (const s of [values.stack, values.diff].filter((x): x is string => x !== undefined)) requireStack(s);
    if (!(FORMATS as readonly string[]).includes(values.format as string))
        throw new UsageError(`unknown format "${values.format}"; allowed: ${FORMATS.join(", ")}`);
    return { stack: values.stack, format: values.format as Format, diff: values.diff, cost: values.cost === true };
}

async function run(stack: string): Promise<StackRun & { plan: Plan }> {
    process.stderr.write(`running stack ${stack} under the mock runtime...\n`);
    const result = await runStack(stack);
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

async function main(): Promise<number> {
    const args = argsOrUsage("plan", USAGE, parse);
    if (typeof args === "number") return args;
    try {
        const a = await run(args.stack);
        if (args.diff) {
            const b = await run(args.diff);
            const d = diffPlans(a.plan, b.plan);
            console.log(args.format === "json" ? JSON.stringify(d, null, 2) : renderDiff(d));
            return 0;
        }
        const region = String(a.outputs?.region ?? "");
        const cost = args.cost ? estimateCost(a.graph.all, { region }) : undefined;
        const baseline = cost ? cdkDefaultBaseline(loadPriceTable(region)) : undefined;
        const findings = evaluate(a.graph.all, args.stack);
        const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory");
        const text = {
            table: () => renderTable(a.plan),
            markdown: () => renderMarkdown(a.plan),
            json: () => renderJson(a.plan, { policy: findings, ...(cost ? { cost, cdkDefaultBaselineUsd: baseline?.totalUsd } : {}) }),
            mermaid: () => renderMermaid(a.plan, a.graph.all),
        }[args.format]();
        console.log(text);
        if (cost && baseline && args.format !== "json") {
            console.log(`\nEstimated monthly cost of ${args.stack}, idle\n${formatCostTable(cost)}`);
            console.log(`\nFor comparison, CDK's ApplicationLoadBalancedFargateService with its defaults here: ${baseline.totalUsd.toFixed(2)} USD/month.`);
        }
        if (args.format !== "json") {
            console.log(
                `\nPolicy (${RULES.length} rules, policy/rules.ts): ${mandatory.length} mandatory violations, ${findings.length - mandatory.length} advisory findings`,
            );
            for (const f of findings)
                console.log(
                    `  ${f.enforcementLevel === "mandatory" ? "FAIL" : "note"} ${f.rule}${f.control ? ` (${f.control})` : ""} ${f.resource}: ${f.message}`,
                );
        }
        return mandatory.length > 0 ? 3 : 0;
    } catch (e) {
        process.stderr.write(`plan: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
    }
}

main().then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`plan: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(1);
    },
);
