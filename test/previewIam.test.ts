/**
 * Issue 21: the pull-request previews' deploy role as AWS would judge it, with the simulator of
 * issue 16 (offline/iam.ts): its documents name only what AWS's catalogue has; it is allowed what
 * CloudFormation's schemas list for every resource type the sample pull request's preview creates
 * (but the permissions left out for every deploy role, with their reason); and, probed against every
 * resource of alpha and of live, it is allowed nothing.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { DEPLOY_PERMISSIONS_LEFT_OUT } from "../bootstrap/deployPermissionsLeftOut";
import { BOOTSTRAP_PROJECT } from "../bootstrap/settings";
import { catalogueProblems, deployNeeds, PermissionsEntry, policiesOf, principalOf, probeResources, awsResourcesOf } from "../offline/iam";
import { ACCOUNT, runStack, StackRun } from "../offline/runStack";
import { ROOT } from "../offline/stackConfig";
import permissions from "../lib/cfnPermissions.json";
import { previewStackDir } from "./harness/previewStack";

const WHERE = { partition: "aws", region: "eu-west-1", accountId: ACCOUNT };
const DATA = (permissions as unknown as { types: Record<string, PermissionsEntry> }).types;
const ROLE = "demo-github-pr-deploy";

describe("IAM of the previews' deploy role, as AWS judges it (issue 21 with issue 16's simulator)", function () {
    this.timeout(180_000);
    let shared: StackRun;
    let pr: StackRun;
    let dir: string;
    before(async () => {
        shared = await runStack("shared", { project: { dir: path.join(ROOT, "bootstrap"), name: BOOTSTRAP_PROJECT }, overrides: { set: { previews: true } } });
        if (shared.error) throw shared.error;
        dir = previewStackDir("pr-7", 7);
        pr = await runStack("pr-7", { stackDir: dir });
        if (pr.error) throw pr.error;
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("GIVEN previews true THEN the role's trust, inline and managed policies and the previews' boundary name only actions, condition keys and ARN shapes AWS has", async () => {
        const found = policiesOf(shared.graph).filter((f) => /pr-deploy|preview-boundary/.test(f.where));
        assert.equal(found.length, 6, found.map((f) => f.where).join(", "));
        const problems: string[] = [];
        for (const f of found) for (const p of await catalogueProblems(f.doc, f.kind)) problems.push(`${f.where}: ${p}`);
        assert.deepEqual(problems, []);
    });

    it("GIVEN the sample pull request's preview THEN the role is allowed every listed permission of every resource type it creates, but those left out for every deploy role", async () => {
        const needs = await deployNeeds(principalOf(shared.graph, ROLE, WHERE), pr.graph, WHERE, DATA);
        const leftOut = (action: string, type: string) =>
            DEPLOY_PERMISSIONS_LEFT_OUT.some((l) => l.actions.includes(action) && (!l.types || l.types.includes(type)));
        const gaps = needs
            .filter((n) => n.decision !== "Allowed" && !leftOut(n.action, n.type))
            .map((n) => `${n.type} ${n.phase} ${n.action} ${n.arn}: ${n.decision}`);
        assert.deepEqual([...new Set(gaps)], []);
        assert.ok(needs.filter((n) => n.decision === "Allowed").length > 500, `${needs.length} permissions asked`);
    });

    for (const env of ["alpha", "live"]) {
        it(`GIVEN every resource of ${env} WHEN probed with every action that changes it or reads its data THEN the previews' role is allowed none`, async () => {
            const run = await runStack(env);
            if (run.error) throw run.error;
            const { allowed, asked } = await probeResources(principalOf(shared.graph, ROLE, WHERE), awsResourcesOf(run.graph, WHERE), WHERE, {
                environment: "pr-7",
                app: "demo",
            });
            assert.deepEqual(
                allowed.map((a) => `${a.action} ${a.arn}`),
                [],
            );
            assert.ok(asked > 1000, `${asked} requests asked`);
        });
    }
});
