/**
 * The rollout critical path (plan/rollout.ts, npm run rollout): the load balancer's share of a
 * release per stack, against the goals and AWS's defaults.
 */
import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import { formatRolloutTable, rolloutPath, steadyStateTimeoutMinutes } from "../plan/rollout";
import { buildSettings } from "../stacks/settings";
import { ConfigOverrides, ROOT, stackConfig } from "../offline/stackConfig";

const path = (stack: string, overrides?: ConfigOverrides) => rolloutPath(buildSettings(stack, stackConfig(stack, overrides)));

describe("rollout critical path", () => {
    it("GIVEN AWS's default health check and drain WHEN measured THEN the load balancer takes 5 x 30 s + 300 s = 450 s", () => {
        const p = path("beta", {
            set: {
                healthCheckIntervalSeconds: 30,
                healthCheckTimeoutSeconds: 5,
                healthyThreshold: 5,
                deregistrationDelaySeconds: 300,
                stopTimeoutSeconds: 120,
            },
        });
        assert.deepEqual([p.healthySeconds, p.drainSeconds, p.loadBalancerSeconds, p.awsDefaultLoadBalancerSeconds], [150, 300, 450, 450]);
    });
    it("GIVEN the fixture alpha and beta WHEN measured THEN the load balancer adds at most 30 s to a rollout", () => {
        for (const s of ["alpha", "beta"]) {
            const p = path(s);
            assert.ok(p.loadBalancerSeconds <= 30, `${s}: ${p.loadBalancerSeconds} s`);
            assert.deepEqual([p.strategy, p.bakeSeconds, p.smokeTestSeconds, p.totalSeconds], ["rolling", 0, 0, p.loadBalancerSeconds], s);
        }
    });
    it("GIVEN the fixture live WHEN measured THEN at most 2 minutes pass before the bake time, and the bake time is the stack's", () => {
        const p = path("live");
        assert.equal(p.strategy, "blueGreen");
        assert.ok(p.loadBalancerSeconds <= 120, `live: ${p.loadBalancerSeconds} s`);
        const bake = buildSettings("live", stackConfig("live")).deployment.bakeTimeMinutes;
        assert.equal(p.bakeSeconds, bake * 60);
        assert.equal(p.totalSeconds, p.loadBalancerSeconds + p.smokeTestSeconds + p.bakeSeconds);
    });
    it("GIVEN live's blue/green WHEN measured THEN production moves after healthy + smoke test, and blue drains only after the bake", () => {
        const p = path("live");
        assert.deepEqual(
            [p.beforeBakeSeconds, p.smokeTestSeconds, p.smokeTestWorstSeconds, p.worstSeconds - p.totalSeconds],
            [p.healthySeconds + 6, 6, 6 + 5 * 30, 5 * 30],
        );
    });
    it("GIVEN a rollout path WHEN the service's steady-state timeout is derived THEN it covers the worst case plus 15 minutes, never under the provider's 20", () => {
        assert.equal(steadyStateTimeoutMinutes(path("alpha")), 20);
        const live = path("live");
        assert.equal(steadyStateTimeoutMinutes(live), Math.ceil(live.worstSeconds / 60) + 15);
        assert.ok(steadyStateTimeoutMinutes(live) * 60 >= live.worstSeconds + 15 * 60);
    });
    it("GIVEN live switched to rolling WHEN measured THEN neither smoke test nor bake time counts", () => {
        const p = path("live", { set: { deployment: "rolling" } });
        assert.deepEqual([p.smokeTestSeconds, p.bakeSeconds, p.totalSeconds], [0, 0, p.loadBalancerSeconds]);
    });
    it("GIVEN a stop timeout no longer than the drain WHEN loaded THEN it is rejected, naming the drain", () => {
        assert.throws(
            () => buildSettings("gamma", stackConfig("gamma", { set: { stopTimeoutSeconds: 15 } })),
            /key shipyard:stopTimeoutSeconds = 15: must be longer than deregistrationDelaySeconds \(15\).*allowed: 16 to 120/,
        );
    });
    it("GIVEN two paths WHEN formatted THEN one row per stack under the header", () => {
        const lines = formatRolloutTable([path("alpha"), path("live")]).split("\n");
        assert.equal(lines.length, 4);
        assert.match(lines[2], /^alpha\s+rolling\s+10 s\s+5 s\s+15 s\s+-\s+-\s+15 s\s+-\s+15 s\s+50%\s+450 s$/);
        assert.match(lines[3], /^live\s+blueGreen\s+90 s\s+30 s\s+120 s\s+6 s \(<= 2\.6 min\)\s+-\s+96 s\s+10 min\s+12\.1 min\s+100%\s+450 s$/);
    });
    it("GIVEN npm run rollout WHEN run THEN it prints the four stacks; an unknown stack exits 2", () => {
        const ok = spawnSync(process.execPath, ["-r", `${ROOT}/scripts/register.js`, "scripts/rollout.ts"], { cwd: ROOT, encoding: "utf8" });
        assert.equal(ok.status, 0, ok.stderr);
        assert.deepEqual(
            ok.stdout
                .split("\n")
                .slice(2, 6)
                .map((l) => l.split(/\s+/)[0]),
            ["alpha", "beta", "gamma", "live"],
        );
        const bad = spawnSync(process.execPath, ["-r", `${ROOT}/scripts/register.js`, "scripts/rollout.ts", "--stack", "prod"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /unknown stack prod; allowed: alpha, beta, gamma, live/);
    });
});
