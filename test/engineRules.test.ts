/**
 * What the Pulumi engine refuses, the offline runner refuses (offline/engineRules.ts): one URN
 * registered twice, a parent that is not a registered component. Run on a throwaway program
 * (test/harness/refusals), and on the rules themselves for what the SDK never sends.
 */
import * as assert from "assert/strict";
import * as path from "path";
import { EngineRuleError, EngineRules } from "../offline/engineRules";
import { runStack } from "../offline/runStack";

const REFUSALS = { dir: path.join(__dirname, "harness", "refusals"), name: "refusals" };
const run = (fault: string) => runStack("test", { project: REFUSALS, overrides: { set: { fault } } });

describe("offline runner: the engine's rules on registrations", () => {
    it("GIVEN a program without faults THEN it runs and records every resource under its engine URN", async () => {
        const r = await run("none");
        assert.equal(r.error, undefined);
        assert.deepEqual(
            r.graph.all.map((x) => x.urn),
            ["urn:pulumi:test::refusals::refusals:index:Box::box", "urn:pulumi:test::refusals::refusals:index:Box$refusals:index:Part::part"],
        );
    });

    it("GIVEN two resources of one type and name under one parent THEN the run fails naming the URN", async () => {
        const r = await run("sameName");
        assert.equal(
            r.error?.message,
            "Duplicate resource URN 'urn:pulumi:test::refusals::refusals:index:Box$refusals:index:Part::part'; try giving it a unique name",
        );
        assert.equal(r.graph.ofType("refusals:index:Part").length, 1);
    });

    it("GIVEN children of one name under two parents of one type THEN the run fails: a URN holds the parents' types, not their names", async () => {
        const r = await run("sameParentType");
        assert.equal(
            r.error?.message,
            "Duplicate resource URN 'urn:pulumi:test::refusals::refusals:index:Box$refusals:index:Part::part'; try giving it a unique name",
        );
    });

    it("GIVEN a custom resource as a parent THEN the run fails: children belong to components", async () => {
        const r = await run("customParent");
        assert.equal(
            r.error?.message,
            "resource refusals:index:Part::thing-part: its parent urn:pulumi:test::refusals::refusals:index:Thing::thing is not a component resource",
        );
    });

    it("GIVEN a parent URN nobody registered THEN the registration is refused", () => {
        const rules = new EngineRules("test", "p");
        assert.throws(
            () => rules.admit({ type: "p:index:Part", name: "part", parentUrn: "urn:pulumi:test::p::p:index:Box::ghost", custom: false, aliases: [] }),
            (e: unknown) =>
                e instanceof EngineRuleError && /its parent urn:pulumi:test::p::p:index:Box::ghost is not a resource registered before it/.test(e.message),
        );
    });

    it("GIVEN a component with an alias to its old parent THEN it and its children are known by their old URNs too", () => {
        const rules = new EngineRules("test", "p");
        const stackReg = { type: "pulumi:pulumi:Stack", name: "p-test", parentUrn: "", custom: false, aliases: [] };
        rules.registered("mock:stack", stackReg, rules.admit(stackReg));
        const envReg = { type: "p:index:Env", name: "env", parentUrn: "mock:stack", custom: false, aliases: [] };
        rules.registered("mock:env", envReg, rules.admit(envReg));
        const boxReg = { type: "p:index:Box", name: "box", parentUrn: "mock:env", custom: false, aliases: [{ parentUrn: "mock:stack" }] };
        const box = rules.admit(boxReg);
        rules.registered("mock:box", boxReg, box);
        assert.equal(box.urn, "urn:pulumi:test::p::p:index:Env$p:index:Box::box");
        assert.deepEqual(box.aliases, ["urn:pulumi:test::p::p:index:Box::box"]);
        const part = rules.admit({ type: "p:index:Part", name: "box-part", parentUrn: "mock:box", custom: true, aliases: [] });
        assert.deepEqual(part.aliases, ["urn:pulumi:test::p::p:index:Box$p:index:Part::box-part"]);
    });
});
