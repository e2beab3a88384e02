/**
 * The components' own argument checks, which guard callers other than `index.ts` (the settings
 * loader catches these for stack files first).
 */
import * as assert from "assert/strict";
import { ContainerServiceArgs, validateContainerServiceArgs } from "../components/containerService";
import { functionCode, functionHandler } from "../components/functionCode";
import { validateLoadBalancedAppArgs } from "../components/loadBalancedApp";

const base: ContainerServiceArgs = {
    nameParts: ["demo", "gamma", "web"],
    region: "eu-west-1",
    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:" + "a".repeat(64),
    cpu: 256,
    memory: 512,
    containerPort: 8080,
    environment: {},
    logRetentionDays: 7,
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b"],
    minTasks: 1,
    maxTasks: 2,
    tags: {},
};
const lb = { targetGroupArn: "arn:tg", securityGroupId: "sg-lb", loadBalancerArnSuffix: "app/x/1", targetGroupArnSuffix: "targetgroup/x/1" };
const listeners = {
    alternateTargetGroupArn: "arn:tg-alt",
    alternateTargetGroupArnSuffix: "targetgroup/x-alt/1",
    productionListenerRuleArn: "arn:rule-p",
    testListenerRuleArn: "arn:rule-t",
};

describe("ContainerService arguments", () => {
    it("GIVEN blue/green without a load balancer WHEN validated THEN it is rejected: such a service can only roll", () => {
        assert.throws(
            () => validateContainerServiceArgs({ ...base, deployment: { strategy: "blueGreen", bakeTimeMinutes: 5 } }),
            /deployment blueGreen needs a load balancer with blue\/green listeners \(loadBalancer.blueGreen\); a service without one can only roll/,
        );
    });
    it("GIVEN blue/green behind a load balancer without blue/green listeners WHEN validated THEN it is rejected the same way", () => {
        assert.throws(
            () => validateContainerServiceArgs({ ...base, loadBalancer: lb, deployment: { strategy: "blueGreen", bakeTimeMinutes: 5 } }),
            /needs a load balancer with blue\/green listeners/,
        );
    });
    it("GIVEN a bake time out of range WHEN validated THEN it is rejected with the range", () => {
        assert.throws(
            () =>
                validateContainerServiceArgs({
                    ...base,
                    loadBalancer: { ...lb, blueGreen: listeners },
                    deployment: { strategy: "blueGreen", bakeTimeMinutes: 1441 },
                }),
            /bakeTimeMinutes must be 0-1440, got 1441/,
        );
    });
    it("GIVEN blue/green with its listeners, or rolling without a load balancer WHEN validated THEN both are accepted", () => {
        assert.doesNotThrow(() =>
            validateContainerServiceArgs({ ...base, loadBalancer: { ...lb, blueGreen: listeners }, deployment: { strategy: "blueGreen", bakeTimeMinutes: 0 } }),
        );
        assert.doesNotThrow(() => validateContainerServiceArgs({ ...base, deployment: { strategy: "rolling" } }));
    });
});

describe("LoadBalancedApp arguments", () => {
    const args = { nameParts: ["demo", "live", "web"], vpcId: "vpc-1", subnetIds: ["a", "b"], certificateArn: "arn:cert", targetPort: 8080, tags: {} };
    for (const port of [80, 443, 0, 70000]) {
        it(`GIVEN a blue/green test listener on port ${port} WHEN validated THEN it is rejected`, () => {
            assert.throws(
                () => validateLoadBalancedAppArgs({ ...args, blueGreen: { testListenerPort: port, testListenerCidrs: [] } }),
                new RegExp(`testListenerPort must be 1-65535 and not 80 or 443, got ${port}`),
            );
        });
    }
});

describe("functionCode", () => {
    it("GIVEN the shared folder's name WHEN packaged THEN it is refused: lib holds shared code, not a function", () => {
        assert.throws(() => functionCode("lib"), /lib holds shared code, not a function/);
    });
    it("GIVEN a function that does not exist WHEN packaged THEN the error names its folder", () => {
        assert.throws(() => functionCode("noSuchFunction"), /no folder functions\/noSuchFunction/);
    });
    it("GIVEN smokeHook WHEN packaged THEN its handler path is <name>/handler.handler", () => {
        assert.equal(functionHandler("smokeHook"), "smokeHook/handler.handler");
    });
});
