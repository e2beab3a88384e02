/**
 * Issue 16, part 3: IAM that AWS would recognise, that is enough, and that keeps environments
 * apart. Every policy document of the bootstrap and of the fixture stacks is checked against AWS's
 * catalogue (offline/iam.ts); each environment's deploy role is simulated against what
 * CloudFormation's schemas list for every resource type its stack creates (lib/cfnPermissions.json),
 * on the ARNs and tags those resources will have; and alpha's deploy role is probed against every
 * resource of live.
 */
import * as assert from "assert/strict";
import * as path from "path";
import { BOOTSTRAP_PROJECT } from "../bootstrap/settings";
import { DEPLOY_PERMISSIONS_LEFT_OUT, LeftOut } from "../bootstrap/deployPermissionsLeftOut";
import {
    Allowed,
    AwsResource,
    awsResourcesOf,
    catalogueProblems,
    decide,
    deployNeeds,
    FoundPolicy,
    Need,
    PermissionsEntry,
    PolicyDoc,
    policiesOf,
    Principal,
    principalOf,
    probeResources,
    RDS_MANAGED_SECRET,
    statementNames,
} from "../offline/iam";
import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { ACCOUNT, runStack, StackRun } from "../offline/runStack";
import { ROOT } from "../offline/stackConfig";
import permissions from "../lib/cfnPermissions.json";

const WHERE = { partition: "aws", region: "eu-west-1", accountId: ACCOUNT };
const DATA = (permissions as unknown as { types: Record<string, PermissionsEntry> }).types;
const ENVS = ["alpha", "beta", "gamma", "live"];
const doc = (...Statement: PolicyDoc["Statement"]): PolicyDoc => ({ Version: "2012-10-17", Statement });
const leftOutFor = (n: Need): LeftOut | undefined =>
    DEPLOY_PERMISSIONS_LEFT_OUT.find((l) => l.actions.includes(n.action) && (!l.types || l.types.includes(n.type)));

describe("IAM as AWS judges it (issue 16: the catalogue, a policy simulator, environments kept apart)", function () {
    this.timeout(120_000);
    let shared: StackRun;
    const runs = new Map<string, StackRun>();
    before(async () => {
        shared = await runStack("shared", { project: { dir: path.join(ROOT, "bootstrap"), name: BOOTSTRAP_PROJECT } });
        if (shared.error) throw shared.error;
        for (const env of ENVS) {
            const run = await runStack(env);
            if (run.error) throw run.error;
            runs.set(env, run);
        }
    });
    const deployRole = (env: string): Principal => principalOf(shared.graph, `demo-github-deploy-${env}`, WHERE);

    describe("AWS's catalogue", () => {
        it("GIVEN the fixture bootstrap THEN its 41 documents (7 trust, 7 inline, 12 managed, 4 boundaries, 9 key and 2 bucket policies) name only actions, condition keys and ARN shapes AWS has", async () => {
            const found = policiesOf(shared.graph);
            const kinds = (f: FoundPolicy) => `${f.kind} ${f.where.split(" ")[0]}`;
            const counts: Record<string, number> = {};
            for (const f of found) counts[kinds(f)] = (counts[kinds(f)] ?? 0) + 1;
            assert.deepEqual(counts, {
                "trust iam/role": 7,
                "identity iam/rolePolicy": 7,
                "identity iam/policy": 12,
                "boundary iam/policy": 4,
                "resource kms/key": 9,
                "resource s3/bucketPolicy": 2,
            });
            const problems: string[] = [];
            for (const f of found) for (const p of await catalogueProblems(f.doc, f.kind)) problems.push(`${f.where}: ${p}`);
            assert.deepEqual(problems, []);
        });
        for (const env of ENVS) {
            it(`GIVEN the ${env} stack THEN every role, inline and resource policy it writes names only what AWS has`, async () => {
                const found = policiesOf(runs.get(env)!.graph);
                assert.ok(found.filter((f) => f.kind === "trust").length >= 5, `${env}: ${found.length} documents`);
                const problems: string[] = [];
                for (const f of found) for (const p of await catalogueProblems(f.doc, f.kind)) problems.push(`${f.where}: ${p}`);
                assert.deepEqual(problems, []);
            });
        }
        it("GIVEN documents with the mistakes the catalogue catches THEN each is named, and what AWS does have passes", async () => {
            const bad = doc(
                { Sid: "Typo", Effect: "Allow", Action: ["ecs:UpdateServices", "ec2:Describe*"], Resource: "*" },
                { Sid: "Nothing", Effect: "Allow", Action: "s3:GetObjec?Z", Resource: "arn:aws:s3:::bucket/*" },
                { Sid: "Key", Effect: "Allow", Action: "ecs:UpdateService", Resource: "*", Condition: { StringEquals: { "ecs:cluster-name": "x" } } },
                { Sid: "Shape", Effect: "Allow", Action: "ecs:UpdateService", Resource: "arn:aws:ecs:eu-west-1:123456789012:services/x" },
                { Sid: "Elsewhere", Effect: "Allow", Action: "ecs:UpdateService", Resource: "arn:aws:sqs:eu-west-1:123456789012:queue" },
                { Sid: "OtherKey", Effect: "Allow", Action: "ecs:UpdateService", Resource: "*", Condition: { StringEquals: { "s3:prefix": "x" } } },
            );
            assert.deepEqual(await catalogueProblems(bad, "identity"), [
                "statement Typo: action ecs:UpdateServices is not in AWS's catalogue",
                "statement Nothing: action s3:GetObjec?Z is not in AWS's catalogue",
                "statement Key: condition key ecs:cluster-name (StringEquals) is not in AWS's catalogue",
                "statement Shape: resource arn:aws:ecs:eu-west-1:123456789012:services/x has the shape of no ecs resource type",
                "statement Elsewhere: resource arn:aws:sqs:eu-west-1:123456789012:queue is of sqs, which no action of the statement is authorized on",
                "statement OtherKey: condition key s3:prefix belongs to s3, which no action of the statement is of",
            ]);
            const good = doc(
                {
                    Sid: "Tag",
                    Effect: "Allow",
                    Action: "secretsmanager:DescribeSecret",
                    Resource: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!*",
                    Condition: { StringEquals: { "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": "x" } },
                },
                {
                    Sid: "Waf",
                    Effect: "Allow",
                    Action: "wafv2:AssociateWebACL",
                    Resource: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/demo-live*/*",
                },
            );
            assert.deepEqual(await catalogueProblems(good, "identity"), []);
            const trust = doc({
                Effect: "Allow",
                Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": "repo:o/r:environment:live", "accounts.google.com:sub": "x" } },
            });
            assert.deepEqual(await catalogueProblems(trust, "trust"), [
                "statement 0: condition key accounts.google.com:sub (StringEquals) is not in AWS's catalogue",
            ]);
        });
    });

    describe("enough to deploy: CloudFormation's listed permissions, simulated", () => {
        const needsOf = new Map<string, Need[]>();
        before(async () => {
            for (const env of ["alpha", "beta", "live"]) needsOf.set(env, await deployNeeds(deployRole(env), runs.get(env)!.graph, WHERE, DATA));
        });
        for (const env of ["alpha", "beta", "live"]) {
            it(`GIVEN the ${env} stack THEN demo-github-deploy-${env} is allowed every listed permission of every resource type it creates, on the resource's own ARN and tags, but those left out with a reason`, () => {
                const needs = needsOf.get(env)!;
                const gaps = needs
                    .filter((n) => n.decision !== "Allowed" && !leftOutFor(n))
                    .map((n) => `${n.type} ${n.phase} ${n.action} ${n.arn}: ${n.decision}`);
                assert.deepEqual([...new Set(gaps)], []);
                // Every AWS type of the stack was asked about, and each has permissions IAM allows.
                const types = new Set(
                    awsResourcesOf(runs.get(env)!.graph, WHERE)
                        .filter((r) => r.type !== RDS_MANAGED_SECRET)
                        .map((r) => r.type),
                );
                const allowedTypes = new Set(needs.filter((n) => n.decision === "Allowed").map((n) => n.type));
                assert.deepEqual(
                    [...types].filter((t) => !allowedTypes.has(t)),
                    [],
                );
                assert.ok(types.size >= 40, `${env}: ${types.size} types`);
            });
        }
        it("GIVEN each action live's role is asked about WHEN decided with only the statements naming it THEN IAM's decision is the one with every statement", async () => {
            const role = deployRole("live");
            const firsts = new Map<string, string>();
            for (const n of needsOf.get("live")!)
                if (!firsts.has(n.action) && n.decision !== "NotAnAction" && n.decision !== "NoResourceOfItsType") firsts.set(n.action, n.arn);
            const differ: string[] = [];
            const decisions = new Set<string>();
            for (const [action, arn] of firsts) {
                const cut = await decide(role, action, arn, {}, WHERE);
                if (cut === "NotApplicable") continue;
                const whole = runUnsafeSimulation(
                    {
                        request: {
                            principal: role.arn,
                            action,
                            resource: { resource: arn, accountId: WHERE.accountId },
                            contextVariables: { "aws:RequestedRegion": WHERE.region },
                        },
                        identityPolicies: role.policies.map((policy, i) => ({ name: `policy${i}`, policy })),
                        permissionBoundaryPolicies: role.boundary ? [{ name: "boundary", policy: role.boundary }] : undefined,
                        serviceControlPolicies: [],
                        resourceControlPolicies: [],
                    },
                    {},
                );
                decisions.add(cut);
                if (cut !== whole) differ.push(`${action} on ${arn}: ${cut} with the cut, ${whole} whole`);
            }
            assert.deepEqual(differ, []);
            assert.ok(firsts.size > 300, `${firsts.size} actions`);
            // The three outcomes all occur, so the comparison covers allows, denies and explicit denies.
            assert.deepEqual([...decisions].sort(), ["Allowed", "ExplicitlyDenied", "ImplicitlyDenied"]);
        });

        it("a statement names an action as IAM matches it: wildcards, any case, NotAction", () => {
            const st = (x: Partial<PolicyDoc["Statement"][number]>) => ({ Effect: "Allow" as const, Resource: "*", ...x });
            const cases: [Partial<PolicyDoc["Statement"][number]>, string, boolean][] = [
                [{ Action: "ecs:UpdateService" }, "ecs:UpdateService", true],
                [{ Action: "ECS:updateservice" }, "ecs:UpdateService", true],
                [{ Action: ["s3:Get*", "ecs:Describe?ervices"] }, "ecs:DescribeServices", true],
                [{ Action: "ecs:Describe?ervices" }, "ecs:DescribeXXervices", false],
                [{ Action: "ecs:*" }, "ecsx:UpdateService", false],
                [{ Action: "*" }, "iam:PassRole", true],
                [{ Action: "ecs:Update.ervice" }, "ecs:UpdateService", false],
                [{ NotAction: ["iam:*", "organizations:*"] }, "ecs:UpdateService", true],
                [{ NotAction: ["iam:*", "organizations:*"] }, "iam:PassRole", false],
            ];
            assert.deepEqual(
                cases.filter(([x, action, names]) => statementNames(st(x), action) !== names).map(([x, a]) => `${JSON.stringify(x)} ${a}`),
                [],
            );
        });

        it("every permission left out is listed for a type some stack creates (none is stale), and none is allowed anyway", () => {
            const all = [...needsOf.values()].flat();
            const unused = DEPLOY_PERMISSIONS_LEFT_OUT.flatMap((l) =>
                l.actions
                    .filter((a) => !all.some((n) => n.action === a && (!l.types || l.types.includes(n.type)) && n.decision !== "Allowed"))
                    .map((a) => `${a} (${l.why.slice(0, 40)}...)`),
            );
            assert.deepEqual(unused, []);
        });
        it("GIVEN the capacity providers the cluster names (AWS's FARGATE and FARGATE_SPOT) THEN each deploy role may describe them", async () => {
            for (const env of ENVS) {
                for (const provider of ["FARGATE", "FARGATE_SPOT"]) {
                    const arn = `arn:aws:ecs:eu-west-1:${ACCOUNT}:capacity-provider/${provider}`;
                    assert.equal(await decide(deployRole(env), "ecs:DescribeCapacityProviders", arn, {}, WHERE), "Allowed", `${env} ${provider}`);
                }
            }
        });
        it("GIVEN what issue 16 found missing THEN each is now allowed to the environment's own role only", async () => {
            const live = awsResourcesOf(runs.get("live")!.graph, WHERE);
            const lb = live.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer" && r.arn.includes(":loadbalancer/app/"))!;
            const acl = live.find((r) => r.type === "aws:wafv2/webAcl:WebAcl")!;
            for (const env of ENVS) {
                const role = deployRole(env);
                const own = env === "live" ? "Allowed" : "ImplicitlyDenied";
                assert.equal(await decide(role, "wafv2:AssociateWebACL", lb.arn, {}, WHERE), own, `${env} AssociateWebACL on the load balancer`);
                assert.equal(
                    await decide(role, "wafv2:AssociateWebACL", acl.arn, { "aws:ResourceTag/environment": "live" }, WHERE),
                    own,
                    `${env} AssociateWebACL on the web ACL`,
                );
                assert.equal(
                    await decide(
                        role,
                        "servicediscovery:CreateHttpNamespace",
                        "*",
                        { "aws:RequestTag/environment": env, "aws:TagKeys": ["environment"] },
                        WHERE,
                    ),
                    "Allowed",
                    `${env} CreateHttpNamespace`,
                );
            }
        });
    });

    describe("environments kept apart", () => {
        it("GIVEN route53Hosts (live: example.org, alpha: alpha.example.org) THEN each deploy role may change only its own names' A, AAAA and CNAME records and their validation records", async () => {
            const run = await runStack("shared", {
                project: { dir: path.join(ROOT, "bootstrap"), name: BOOTSTRAP_PROJECT },
                overrides: { set: { route53Hosts: { alpha: ["alpha.example.org"], live: ["example.org"] } } },
            });
            assert.equal(run.error, undefined);
            const zone = "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ";
            const change = (names: string[], types = ["A"]) => ({
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
                "route53:ChangeResourceRecordSetsRecordTypes": types,
                "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
            });
            const asks: [string, Record<string, string[]>, string, string][] = [
                ["live", change(["example.org"]), "Allowed", "its own apex"],
                ["live", change(["_3f2a.example.org"], ["CNAME"]), "Allowed", "its certificate's validation record"],
                ["live", change(["example.org"], ["NS"]), "ImplicitlyDenied", "an NS record"],
                ["alpha", change(["example.org"]), "ImplicitlyDenied", "live's apex"],
                ["alpha", change(["alpha.example.org", "example.org"]), "ImplicitlyDenied", "its own name and live's in one change"],
                ["alpha", change(["alpha.example.org"]), "Allowed", "its own name"],
                ["beta", change(["alpha.example.org"]), "ImplicitlyDenied", "a role without route53Hosts"],
            ];
            for (const [env, context, expected, what] of asks) {
                const role = principalOf(run.graph, `demo-github-deploy-${env}`, WHERE);
                assert.equal(await decide(role, "route53:ChangeResourceRecordSets", zone, context, WHERE), expected, `${env}: ${what}`);
            }
        });

        /** The resources issue 16 named: live's web service, its listeners, the database's security group, an alarm, a log group, the flow log. */
        const sample = (resources: AwsResource[]) =>
            resources.filter(
                (r) =>
                    (r.type === "aws:ecs/service:Service" && r.name.includes("-web-")) ||
                    r.type === "aws:lb/listener:Listener" ||
                    (r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name.includes("-db-")) ||
                    r.name === "demo-live-monitoring-web-endpoint" ||
                    (r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name.includes("-web-")) ||
                    r.type === "aws:ec2/flowLog:FlowLog",
            );
        const probeLive = async (role: Principal, ownTags: Record<string, string>) =>
            probeResources(role, awsResourcesOf(runs.get("live")!.graph, WHERE), WHERE, ownTags);
        it("GIVEN alpha's deploy role WHEN every resource of live is probed with every action that changes it or reads its data THEN none is allowed", async () => {
            const { allowed, asked } = await probeLive(deployRole("alpha"), { environment: "alpha", app: "demo" });
            assert.deepEqual(allowed, []);
            assert.ok(asked > 2000, `${asked} requests asked`);
        });
        it("GIVEN the pull requests' preview role (alpha's and beta's reads) WHEN every resource of live is probed THEN none may be changed or its data read", async () => {
            const { allowed, asked } = await probeLive(principalOf(shared.graph, "demo-github-preview", WHERE), { environment: "alpha", app: "demo" });
            assert.deepEqual(allowed, []);
            assert.ok(asked > 2000, `${asked} requests asked`);
        });
        it("GIVEN live's own deploy role THEN the same requests on live's service, listener, database security group and alarms are allowed (the probe can see an allow)", async () => {
            const live = awsResourcesOf(runs.get("live")!.graph, WHERE);
            const { allowed } = await probeResources(deployRole("live"), sample(live), WHERE, { environment: "live", app: "demo" });
            const has = (action: string, fragment: string) => allowed.some((a: Allowed) => a.action === action && a.arn.includes(fragment));
            assert.ok(has("ecs:UpdateService", ":service/demo-live/demo-live-web"), "ecs:UpdateService");
            assert.ok(has("elasticloadbalancing:ModifyListener", ":listener/app/demo-live/"), "ModifyListener");
            assert.ok(has("ec2:AuthorizeSecurityGroupIngress", ":security-group/"), "AuthorizeSecurityGroupIngress");
            assert.ok(has("cloudwatch:DeleteAlarms", ":alarm:demo-live-"), "DeleteAlarms");
        });
        it("GIVEN alpha's role with the former region-wide statement (ec2:*, ecs:*, elasticloadbalancing:*, ... in the region) THEN the probe finds what issue 16 reported", async () => {
            const alpha = deployRole("alpha");
            const former: Principal = {
                ...alpha,
                policies: [
                    ...alpha.policies,
                    doc({
                        Sid: "EnvironmentServicesInRegion",
                        Effect: "Allow",
                        Action: ["ec2:*", "ecs:*", "elasticloadbalancing:*", "application-autoscaling:*", "cloudwatch:*", "logs:*"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
                    }),
                ],
            };
            const { allowed } = await probeResources(former, sample(awsResourcesOf(runs.get("live")!.graph, WHERE)), WHERE, {
                environment: "alpha",
                app: "demo",
            });
            const actions = new Set(allowed.map((a) => a.action));
            for (const action of [
                "elasticloadbalancing:ModifyListener",
                "ec2:AuthorizeSecurityGroupIngress",
                "ecs:UpdateService",
                "cloudwatch:DeleteAlarms",
                "logs:GetLogEvents",
                "ec2:DeleteFlowLogs",
            ]) {
                assert.ok(actions.has(action), action);
            }
        });
    });
});
