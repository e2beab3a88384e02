/**
 * IPv6 at the edge of the network: the VPC's Amazon-provided /56, a /64 per public subnet, and the
 * `::/0` route a dual-stack load balancer needs; the private subnets stay IPv4-only.
 */
import * as assert from "assert/strict";
import { ipv6Subnet64 } from "../components/network";
import { Graph, Match, Recorded } from "../offline/graph";
import { runEachBefore } from "../offline/runStack";

const STACKS = ["alpha", "beta", "gamma", "live"];
const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    route: "aws:ec2/route:Route",
    routeTable: "aws:ec2/routeTable:RouteTable",
    association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    igw: "aws:ec2/internetGateway:InternetGateway",
};
/** What the harness's fake cloud gives a VPC that asks for IPv6 (a documentation-range /56). */
const MOCK_VPC_BLOCK = "2001:db8:1234:5600::/56";

/**
 * An IPv6 CIDR block as a 128-bit number and a prefix length. Written here, apart from the
 * component's parser, so the tests do not check the component against itself.
 */
function block(cidr: string): { address: bigint; prefix: number } {
    const [text, prefix] = cidr.split("/");
    const [head, tail] = text.split("::");
    const groups = (s: string | undefined) => (s ? s.split(":") : []);
    const missing = 8 - groups(head).length - groups(tail).length;
    const all = tail === undefined ? groups(head) : [...groups(head), ...Array<string>(missing).fill("0"), ...groups(tail)];
    assert.equal(all.length, 8, `${cidr} has 8 groups`);
    return { address: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), prefix: Number(prefix) };
}

/** The public subnets in index order, by name (`<prefix>-public-<i>`; their route table associations share it). */
function publicSubnets(graph: Graph, prefix: string): Recorded[] {
    const found = graph.find(T.subnet, { tags: { tier: "public" } });
    return found.map((_, i) => {
        const named = found.filter((s) => s.name === `${prefix}-public-${i}`);
        assert.equal(named.length, 1, `one public subnet named ${prefix}-public-${i}`);
        return named[0];
    });
}

describe("the network's IPv6, per fixture stack", function () {
    this.timeout(30_000);
    const { graph: g } = runEachBefore(STACKS);

    for (const stack of STACKS) {
        const prefix = `demo-${stack}`;
        describe(stack, () => {
            it("the VPC asks Amazon for its IPv6 block and receives a /56", () => {
                // GIVEN the committed stack WHEN the program runs
                const vpc = g(stack).one(T.vpc);
                // THEN
                assert.equal(vpc.inputs.assignGeneratedIpv6CidrBlock, true);
                assert.equal(vpc.outputs.ipv6CidrBlock, MOCK_VPC_BLOCK);
                assert.equal(vpc.inputs.ipv6CidrBlock, undefined, "Amazon picks the block; the program does not");
            });

            it("each public subnet takes the /64 of its index inside the VPC's /56, and hands no IPv6 address to what launches there", () => {
                const graph = g(stack);
                const subnets = publicSubnets(graph, prefix);
                const expected = { alpha: 2, beta: 2, gamma: 2, live: 3 }[stack];
                assert.equal(subnets.length, expected);
                const vpc = block(String(graph.one(T.vpc).outputs.ipv6CidrBlock));
                assert.equal(vpc.prefix, 56);
                const blocks = subnets.map((s) => String(s.inputs.ipv6CidrBlock));
                // Exact values: the harness's /56 is 2001:db8:1234:5600::/56.
                assert.deepEqual(blocks, ["2001:db8:1234:5600::/64", "2001:db8:1234:5601::/64", "2001:db8:1234:5602::/64"].slice(0, expected));
                blocks.forEach((text, i) => {
                    const b = block(text);
                    assert.equal(b.prefix, 64, text);
                    assert.equal(b.address & ((1n << 64n) - 1n), 0n, `${text} is a network address`);
                    assert.equal(b.address >> 72n, vpc.address >> 72n, `${text} lies inside the VPC's /56`);
                    assert.equal((b.address >> 64n) & 0xffn, BigInt(i), `${text} is /64 number ${i} of the /56`);
                });
                assert.equal(new Set(blocks).size, blocks.length, "no two public subnets share a /64");
                assert.deepEqual(
                    subnets.map((s) => s.inputs.assignIpv6AddressOnCreation),
                    subnets.map(() => false),
                );
            });

            it("private subnets have no IPv6 block", () => {
                const graph = g(stack);
                const priv = graph.find(T.subnet, { tags: { tier: "private" } });
                assert.equal(priv.length, stack === "live" ? 3 : 2);
                assert.equal(graph.ofType(T.subnet).length, 2 * priv.length, "every subnet is public or private");
                assert.deepEqual(
                    priv.map((s) => [s.name, s.inputs.ipv6CidrBlock, s.inputs.assignIpv6AddressOnCreation]),
                    priv.map((s) => [s.name, undefined, undefined]),
                );
            });

            it("exactly one ::/0 route, in the route table of the public subnets, to the internet gateway", () => {
                const graph = g(stack);
                const v6 = graph.find(T.route, { destinationIpv6CidrBlock: Match.present() });
                assert.equal(v6.length, 1, v6.map((r) => r.name).join(", "));
                const igw = graph.one(T.igw);
                const table = graph.one(T.routeTable, { tags: { Name: `${prefix}-public` } });
                assert.deepEqual(v6[0].inputs, { routeTableId: `${table.name}-id`, destinationIpv6CidrBlock: "::/0", gatewayId: `${igw.name}-id` });
                // The table the ::/0 route is in is the one every public subnet uses.
                for (const s of publicSubnets(graph, prefix)) {
                    assert.equal(graph.one(T.association, { subnetId: `${s.name}-id` }).inputs.routeTableId, `${table.name}-id`, s.name);
                }
            });
        });
    }
});

describe("ipv6Subnet64", () => {
    const cases: [string, string, number, string][] = [
        ["the first /64 of a /56", "2001:db8:1234:5600::/56", 0, "2001:db8:1234:5600::/64"],
        ["the last /64 of a /56", "2001:db8:1234:5600::/56", 255, "2001:db8:1234:56ff::/64"],
        ["a compressed block, as AWS reports it", "2600:1f18:abcd:ef00::/56", 5, "2600:1f18:abcd:ef05::/64"],
        ["a block with a zero group in the middle", "2a05:d018:0:100::/56", 0, "2a05:d018:0:100::/64"],
        ["a block with a zero group in the middle, past the first /64", "2a05:d018:0:100::/56", 17, "2a05:d018:0:111::/64"],
        ["a block whose fourth group is zero", "2600:1f18:abcd::/56", 0, "2600:1f18:abcd::/64"],
        ["a block whose fourth group is zero, past the first /64", "2600:1f18:abcd::/56", 1, "2600:1f18:abcd:1::/64"],
        ["a block that is all zeros after its second group", "2001:db8::/56", 16, "2001:db8:0:10::/64"],
        ["a block with zeros before the fourth group, shorter than the tail's", "2001:0:0:ab00::/56", 3, "2001:0:0:ab03::/64"],
        ["a full, upper-case block with leading zeros", "2600:1F18:0ABC:EF00:0000:0000:0000:0000/56", 2, "2600:1f18:abc:ef02::/64"],
    ];
    for (const [what, vpcBlock, index, expected] of cases) {
        it(`GIVEN ${what} (${vpcBlock}) and index ${index} THEN it answers ${expected}`, () => {
            assert.equal(ipv6Subnet64(vpcBlock, index), expected);
        });
    }

    const errors: [string, string, number, string][] = [
        [
            "a /48",
            "2001:db8:1234::/48",
            0,
            `ipv6Subnet64: "2001:db8:1234::/48" is a /48; expected the /56 Amazon assigns a VPC (assignGeneratedIpv6CidrBlock), which holds 256 /64 subnets`,
        ],
        [
            "a /64",
            "2001:db8:1234:5600::/64",
            0,
            `ipv6Subnet64: "2001:db8:1234:5600::/64" is a /64; expected the /56 Amazon assigns a VPC (assignGeneratedIpv6CidrBlock), which holds 256 /64 subnets`,
        ],
        [
            "a /56 with bits set after its prefix",
            "2001:db8:1234:5601::/56",
            0,
            `ipv6Subnet64: "2001:db8:1234:5601::/56" has bits set after its first 56; the /56 that holds it is "2001:db8:1234:5600::/56"`,
        ],
        [
            "an IPv4 block",
            "10.0.0.0/16",
            0,
            `ipv6Subnet64: "10.0.0.0/16" is not an IPv6 block ("10.0.0.0" is not a group of 1 to 4 hex digits); pass the VPC's ipv6CidrBlock, such as "2600:1f18:abcd:ef00::/56"`,
        ],
        [
            "an address without a prefix length",
            "2001:db8:1234:5600::",
            0,
            `ipv6Subnet64: "2001:db8:1234:5600::" is not a CIDR block; pass the VPC's ipv6CidrBlock, such as "2600:1f18:abcd:ef00::/56"`,
        ],
        [
            "two '::'",
            "2001::db8::/56",
            0,
            `ipv6Subnet64: "2001::db8::/56" is not an IPv6 block ("::" appears more than once); pass the VPC's ipv6CidrBlock, such as "2600:1f18:abcd:ef00::/56"`,
        ],
        [
            "nine groups",
            "2001:db8:1234:5600:0:0:0:0:0/56",
            0,
            `ipv6Subnet64: "2001:db8:1234:5600:0:0:0:0:0/56" is not an IPv6 block (9 groups; an address has 8, or fewer with "::"); pass the VPC's ipv6CidrBlock, such as "2600:1f18:abcd:ef00::/56"`,
        ],
        ["an empty string (an unknown block)", "", 0, `ipv6Subnet64: "" is not a CIDR block; pass the VPC's ipv6CidrBlock, such as "2600:1f18:abcd:ef00::/56"`],
        [
            "index 256",
            "2001:db8:1234:5600::/56",
            256,
            "ipv6Subnet64: index 256 is not a whole number from 0 to 255; a /56 holds 256 /64 subnets, numbered 0 to 255",
        ],
        [
            "index -1",
            "2001:db8:1234:5600::/56",
            -1,
            "ipv6Subnet64: index -1 is not a whole number from 0 to 255; a /56 holds 256 /64 subnets, numbered 0 to 255",
        ],
        [
            "index 1.5",
            "2001:db8:1234:5600::/56",
            1.5,
            "ipv6Subnet64: index 1.5 is not a whole number from 0 to 255; a /56 holds 256 /64 subnets, numbered 0 to 255",
        ],
    ];
    for (const [what, vpcBlock, index, message] of errors) {
        it(`GIVEN ${what} THEN it throws an error that says what is wrong and what is expected`, () => {
            assert.throws(() => ipv6Subnet64(vpcBlock, index), { message });
        });
    }
});
