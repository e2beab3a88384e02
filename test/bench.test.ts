/**
 * The services benchmark's fleet (scripts/bench-fleet.ts), at sizes small enough for the suite:
 * live with 4, 8 and 12 generated services, one run each. Whether the plan grows linearly is read
 * from the recorded graphs (each resource counted by its parent's type and its own type), not from
 * what the program's code is expected to create.
 */
import * as assert from "assert/strict";
import {
    addFootprints,
    attribute,
    Attribution,
    BLOCK,
    fitLine,
    Fleet,
    fleet,
    fleetBase,
    fleetCloud,
    Footprint,
    subtractFootprints,
} from "../scripts/bench-fleet";
import { runStack, StackRun } from "../offline/runStack";

const STACK = "live";
const SIZES = [4, 8, 12] as const;

/** Every resource of a run, by parent type and type. */
function everything(a: Attribution): Footprint {
    return addFootprints(a.shared, ...a.perService.values());
}

describe("services benchmark fleet on live", function () {
    this.timeout(30_000);
    const runs = new Map<number, { fleet: Fleet; run: StackRun; attribution: Attribution }>();

    before(async () => {
        const base = fleetBase(STACK);
        for (const n of SIZES) {
            const f = fleet(base, n);
            const run = await runStack(STACK, { overrides: { set: { services: f.services } }, cloud: fleetCloud(f) });
            runs.set(n, { fleet: f, run, attribution: attribute(run.graph, f) });
        }
    });

    const at = (n: (typeof SIZES)[number]) => runs.get(n) as { fleet: Fleet; run: StackRun; attribution: Attribution };
    const resources = (n: (typeof SIZES)[number]) => at(n).run.graph.all.length;

    it("runs every generated fleet without error and deploys each of its services", () => {
        // GIVEN fleets of 4, 8 and 12 services in live
        for (const n of SIZES) {
            const { fleet: f, run } = at(n);
            // THEN the program ran and its outputs list exactly the generated services
            assert.equal(run.error, undefined, `${n} services: ${run.error?.message}`);
            assert.deepEqual(Object.keys((run.outputs?.services ?? {}) as object).sort(), Object.keys(f.services).sort(), `${n} services`);
        }
    });

    it("adds the same number of resources for each block of four services", () => {
        // GIVEN fleets of 4, 8 and 12 services, one block of http, tcp, internal and worker apart
        // THEN the second block adds as many resources as the first
        assert.equal(resources(12) - resources(8), resources(8) - resources(4));
    });

    it("adds for a block of four exactly what its http, tcp, internal and worker services own, type by type", () => {
        // GIVEN the fleets of 4 and 8 services; the second block is s4 to s7, one service of each exposure
        const { fleet: f, attribution } = at(8);
        const block = ["s4", "s5", "s6", "s7"];
        assert.deepEqual(
            block.map((s) => f.exposureOf.get(s)),
            [...BLOCK],
        );
        const ownedByBlock = addFootprints(...block.map((s) => attribution.perService.get(s) as Footprint));
        // WHEN the graph of 8 is compared with the graph of 4
        const added = subtractFootprints(everything(attribution), everything(at(4).attribution));
        // THEN it grew by exactly the block's resources: nothing shared, nothing of s0 to s3, grew with it
        assert.equal(
            resources(8) - resources(4),
            Object.values(ownedByBlock).reduce((a, b) => a + b, 0),
        );
        assert.deepEqual(added, ownedByBlock);
    });

    it("leaves what a service owns unchanged as services are added", () => {
        // GIVEN the services of the fleet of 4, present in the fleets of 8 and 12 too
        for (const svc of at(4).fleet.exposureOf.keys())
            for (const n of [8, 12] as const)
                // THEN each owns the same resources in the larger fleets
                assert.deepEqual(at(n).attribution.perService.get(svc), at(4).attribution.perService.get(svc), `${svc} at ${n} services`);
    });

    it("gives the third block of four the same resources as the second, service by service", () => {
        // GIVEN the fleet of 12: blocks s4 to s7 and s8 to s11
        const { attribution } = at(12);
        for (let i = 4; i < 8; i++)
            // THEN the service of the third block owns what the one of the same exposure in the second does
            assert.deepEqual(attribution.perService.get(`s${i + 4}`), attribution.perService.get(`s${i}`), `s${i + 4} against s${i}`);
    });
});

describe("fitLine", () => {
    const cases: { name: string; points: { x: number; y: number }[]; intercept: number; slope: number; maxRelativeDeviation: number }[] = [
        {
            name: "points on a line fit it exactly",
            points: [
                { x: 1, y: 12 },
                { x: 10, y: 30 },
                { x: 50, y: 110 },
            ],
            intercept: 10,
            slope: 2,
            maxRelativeDeviation: 0,
        },
        // Mean x 2, mean y 4/3, slope 0, so the line is y = 4/3: 1/3 off 1 (33%), 2/3 off 2 (33%).
        {
            name: "the deviation is relative to each measured point",
            points: [
                { x: 1, y: 1 },
                { x: 2, y: 2 },
                { x: 3, y: 1 },
            ],
            intercept: 4 / 3,
            slope: 0,
            maxRelativeDeviation: 1 / 3,
        },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const fit = fitLine(c.points);
            assert.ok(Math.abs(fit.intercept - c.intercept) < 1e-9, `intercept ${fit.intercept}`);
            assert.ok(Math.abs(fit.slope - c.slope) < 1e-9, `slope ${fit.slope}`);
            assert.ok(Math.abs(fit.maxRelativeDeviation - c.maxRelativeDeviation) < 1e-9, `deviation ${fit.maxRelativeDeviation}`);
        });
    }

    it("refuses a single point", () => {
        assert.throws(() => fitLine([{ x: 1, y: 1 }]), /two points or more/);
    });
});
