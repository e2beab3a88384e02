import * as assert from "assert/strict";
import { cidrContains, cidrsOverlap, parseCidr, parseImageRef, secretLookingValue, subdivideCidr } from "../stacks/validators";
import { fargateSizeProblem, physicalName } from "../lib/aws";

const DIGEST = "sha256:" + "ab".repeat(32);

describe("validators", () => {
    describe("parseCidr", () => {
        const cases: [string, boolean][] = [
            ["10.0.0.0/16", true],
            ["0.0.0.0/0", true],
            ["192.168.1.0/24", true],
            ["10.0.0.1/16", false], // host bits set
            ["10.0.0.0/33", false],
            ["256.0.0.0/8", false],
            ["10.0.0/16", false],
            ["", false],
        ];
        for (const [text, ok] of cases) {
            it(`${ok ? "accepts" : "rejects"} ${JSON.stringify(text)}`, () => {
                assert.equal(parseCidr(text) !== undefined, ok);
            });
        }
    });

    describe("cidrsOverlap and cidrContains", () => {
        const c = (t: string) => {
            const parsed = parseCidr(t);
            assert.ok(parsed, t);
            return parsed;
        };
        it("reports overlap for nested and equal blocks, not for neighbours", () => {
            assert.equal(cidrsOverlap(c("10.0.0.0/16"), c("10.0.5.0/24")), true);
            assert.equal(cidrsOverlap(c("10.0.0.0/24"), c("10.0.0.0/24")), true);
            assert.equal(cidrsOverlap(c("10.0.0.0/24"), c("10.0.1.0/24")), false);
            assert.equal(cidrsOverlap(c("10.0.0.0/16"), c("10.1.0.0/16")), false);
        });
        it("contains only blocks entirely inside", () => {
            assert.equal(cidrContains(c("10.0.0.0/16"), c("10.0.255.0/24")), true);
            assert.equal(cidrContains(c("10.0.0.0/16"), c("10.1.0.0/24")), false);
            assert.equal(cidrContains(c("10.0.0.0/24"), c("10.0.0.0/16")), false);
        });
        it("subdivides like cidrsubnet and refuses blocks past the end", () => {
            assert.equal(subdivideCidr(c("10.10.0.0/16"), 24, 2), "10.10.2.0/24");
            assert.equal(subdivideCidr(c("10.10.0.0/16"), 20, 3), "10.10.48.0/20");
            assert.throws(() => subdivideCidr(c("10.10.0.0/16"), 18, 4), /no room/);
        });
    });

    describe("fargateSizeProblem", () => {
        const valid: [number, number][] = [
            [256, 512],
            [256, 2048],
            [512, 4096],
            [1024, 2048],
            [4096, 30720],
            [8192, 61440],
            [16384, 122880],
        ];
        const invalid: [number, number, RegExp][] = [
            [256, 4096, /with cpu 256, memory must be 512, 1024, 2048/],
            [512, 512, /with cpu 512/],
            [1024, 1536, /with cpu 1024/],
            [8192, 17408, /with cpu 8192/], // 8 vCPU needs 4 GiB steps
            [300, 1024, /cpu must be one of 256, 512/],
        ];
        for (const [cpu, mem] of valid) it(`accepts ${cpu}/${mem}`, () => assert.equal(fargateSizeProblem(cpu, mem), undefined));
        for (const [cpu, mem, re] of invalid) it(`rejects ${cpu}/${mem}`, () => assert.match(fargateSizeProblem(cpu, mem) ?? "", re));
    });

    describe("parseImageRef", () => {
        it("splits an ECR reference pinned by digest and recognises the registry", () => {
            const ref = parseImageRef(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web@${DIGEST}`);
            assert.deepEqual(ref, {
                registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                repository: "team/web",
                tag: undefined,
                digest: DIGEST,
                ecr: { accountId: "123456789012", region: "eu-west-1" },
            });
        });
        it("accepts a tag and a digest together, and a non-ECR registry", () => {
            assert.deepEqual(parseImageRef(`ghcr.io/acme/web:1.2.3@${DIGEST}`), {
                registry: "ghcr.io",
                repository: "acme/web",
                tag: "1.2.3",
                digest: DIGEST,
                ecr: undefined,
            });
        });
        for (const bad of ["web:latest", "nginx", `ghcr.io/acme/web@sha256:abc`, "ghcr.io/Acme/web:1", ""]) {
            it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseImageRef(bad), undefined));
        }
    });

    describe("physicalName", () => {
        it("keeps names within the limit unchanged", () => {
            assert.equal(physicalName(["demo", "live", "web"], 32), "demo-live-web");
        });
        it("cuts long names to the limit with a stable hash that keeps them distinct", () => {
            const a = physicalName(["a-very-long-app-name", "gamma", "frontend-service"], 32);
            const b = physicalName(["a-very-long-app-name", "gamma", "frontend-servicf"], 32);
            assert.equal(a.length, 32);
            assert.notEqual(a, b);
            assert.equal(physicalName(["a-very-long-app-name", "gamma", "frontend-service"], 32), a);
            // 32 = 24 characters of the full name, a hyphen and a 7-character hash.
            assert.match(a, /^a-very-long-app-name-gam-[0-9a-f]{7}$/);
        });
    });

    describe("secretLookingValue", () => {
        it("flags AWS access keys and URLs with a password, not ordinary values", () => {
            assert.equal(secretLookingValue("AKIAABCDEFGHIJKLMNOP"), true);
            assert.equal(secretLookingValue("postgres://app:hunter2@db.internal:5432/app"), true);
            assert.equal(secretLookingValue("https://api.example.org/v1"), false);
            assert.equal(secretLookingValue("new-checkout,dark-mode"), false);
        });
    });
});
