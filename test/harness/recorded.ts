import { Recorded } from "../../offline/graph";

/** A hand-made recorded resource of `type` with these inputs, as the mock runtime records one. */
export function recorded(type: string, inputs: Record<string, unknown>, name = "test-resource", outputs: Record<string, unknown> = {}): Recorded {
    return {
        type,
        name,
        urn: `urn:pulumi:test::shipyard::${type}::${name}`,
        custom: true,
        protect: false,
        retainOnDelete: false,
        dependsOn: [],
        ignoreChanges: [],
        inputs,
        secretPaths: [],
        aliases: [],
        outputs,
    };
}
