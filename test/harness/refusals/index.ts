/**
 * A throwaway program for test/engineRules.test.ts: a component with one child, plus what the
 * `fault` setting names, each a registration the Pulumi engine (or our rule on parents) refuses.
 */
import * as pulumi from "@pulumi/pulumi";

/** A cloud resource of a made-up provider; the mocks answer any type. */
class Thing extends pulumi.CustomResource {
    constructor(name: string) {
        super("refusals:index:Thing", name, {});
    }
}

export = () => {
    const fault = new pulumi.Config().get("fault") ?? "none";
    const box = new pulumi.ComponentResource("refusals:index:Box", "box");
    new pulumi.ComponentResource("refusals:index:Part", "part", {}, { parent: box });
    switch (fault) {
        case "sameName":
            // The same type and name under the same parent: one URN twice.
            new pulumi.ComponentResource("refusals:index:Part", "part", {}, { parent: box });
            break;
        case "sameParentType":
            // A URN holds the parents' types, not their names: a second Box's "part" has the first one's URN.
            new pulumi.ComponentResource("refusals:index:Part", "part", {}, { parent: new pulumi.ComponentResource("refusals:index:Box", "other-box") });
            break;
        case "customParent":
            new pulumi.ComponentResource("refusals:index:Part", "thing-part", {}, { parent: new Thing("thing") });
            break;
    }
    return {};
};
