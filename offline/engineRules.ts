/**
 * What the Pulumi engine checks when a program registers a resource, which the mock runtime does
 * not: a URN (stack, project, the parent's type chain, type, name) is registered once, and a
 * parent is a resource registered before its child. The harness applies these rules to every
 * registration, so a program that `pulumi preview` would refuse fails its offline run too, with
 * the engine's message. It also works out each resource's aliases as the engine would, so tests
 * can check that a refactoring keeps a deployed resource's identity.
 *
 * URNs here are the engine's. The mock monitor's differ: it keeps only the parent's last type and
 * puts `pulumi:pulumi:Stack` in front of top-level resources; they are only keys here.
 */

const ROOT_TYPE = "pulumi:pulumi:Stack";

/** An alias as the SDK sends it: a URN, or a spec whose empty fields mean "the resource's own". */
export type AliasRequest =
    | { readonly urn: string }
    | {
          readonly name?: string;
          readonly type?: string;
          readonly parentUrn?: string;
          readonly noParent?: boolean;
          readonly stack?: string;
          readonly project?: string;
      };

export interface Registration {
    readonly type: string;
    readonly name: string;
    /** The parent's URN as the mock monitor gave it; empty for the stack itself. */
    readonly parentUrn: string;
    readonly custom: boolean;
    readonly aliases: readonly AliasRequest[];
}

export interface Admitted {
    /** The engine's URN of the resource. */
    readonly urn: string;
    /** Every URN the engine would also know the resource by: its own aliases and those inherited from its parents. */
    readonly aliases: readonly string[];
}

interface Known {
    readonly urn: string;
    readonly qualifiedType: string;
    readonly name: string;
    readonly custom: boolean;
    readonly aliases: readonly string[];
}

/** Thrown for a registration the engine would refuse; the message is the engine's. */
export class EngineRuleError extends Error {}

export class EngineRules {
    private readonly urns = new Set<string>();
    private readonly byMockUrn = new Map<string, Known>();

    constructor(
        private readonly stack: string,
        private readonly project: string,
    ) {}

    /** Checks a registration before it reaches the mock monitor; throws {@link EngineRuleError} when the engine would refuse it. */
    admit(r: Registration): Admitted {
        const parent = r.parentUrn ? this.byMockUrn.get(r.parentUrn) : undefined;
        if (r.parentUrn && !parent)
            throw new EngineRuleError(`resource ${r.type}::${r.name}: its parent ${r.parentUrn} is not a resource registered before it`);
        // The engine accepts any resource as a parent; ours are components only: a child is part of
        // what its component builds, and is named after it (`${name}-<role>`).
        if (parent?.custom) throw new EngineRuleError(`resource ${r.type}::${r.name}: its parent ${parent.urn} is not a component resource`);
        const urn = this.urnOf(r.type, r.name, parent);
        if (this.urns.has(urn)) throw new EngineRuleError(`Duplicate resource URN '${urn}'; try giving it a unique name`);
        this.urns.add(urn);
        return { urn, aliases: this.aliasesOf(r, parent) };
    }

    /** Remembers an admitted resource under the URN the mock monitor answered with, which its children name as their parent. */
    registered(mockUrn: string, r: Registration, admitted: Admitted): void {
        const parent = r.parentUrn ? this.byMockUrn.get(r.parentUrn) : undefined;
        this.byMockUrn.set(mockUrn, { urn: admitted.urn, qualifiedType: qualify(r.type, parent), name: r.name, custom: r.custom, aliases: admitted.aliases });
    }

    private urnOf(type: string, name: string, parent: Known | undefined, stack = this.stack, project = this.project): string {
        return `urn:pulumi:${stack}::${project}::${qualify(type, parent)}::${name}`;
    }

    /**
     * The resource's alias URNs: each alias it names (a spec's missing parts are its own), and, for
     * each alias of its parent, its URN under that alias (with the parent's old name in front of its
     * own when its name starts with the parent's), as the engine derives children's aliases.
     */
    private aliasesOf(r: Registration, parent: Known | undefined): string[] {
        const out: string[] = [];
        for (const a of r.aliases) {
            if ("urn" in a) {
                out.push(a.urn);
                continue;
            }
            const aliasParent = a.noParent ? undefined : a.parentUrn ? this.byMockUrn.get(a.parentUrn) : parent;
            if (a.parentUrn && !aliasParent)
                throw new EngineRuleError(`resource ${r.type}::${r.name}: alias parent ${a.parentUrn} is not a registered resource`);
            out.push(this.urnOf(a.type || r.type, a.name || r.name, aliasParent, a.stack || this.stack, a.project || this.project));
        }
        for (const parentAlias of parent?.aliases ?? []) {
            const [, , oldQualifiedType, oldName] = splitUrn(parentAlias);
            const name = parent && r.name.startsWith(parent.name) ? oldName + r.name.slice(parent.name.length) : r.name;
            const chain = oldQualifiedType === ROOT_TYPE ? r.type : `${oldQualifiedType}$${r.type}`;
            out.push(`urn:pulumi:${this.stack}::${this.project}::${chain}::${name}`);
        }
        return [...new Set(out)].filter((u) => u !== this.urnOf(r.type, r.name, parent));
    }
}

/** A type with its parents' types in front, as URNs hold it; the stack's own type is never part of it. */
function qualify(type: string, parent: Known | undefined): string {
    return parent && parent.qualifiedType !== ROOT_TYPE ? `${parent.qualifiedType}$${type}` : type;
}

function splitUrn(urn: string): [string, string, string, string] {
    const parts = urn.replace(/^urn:pulumi:/, "").split("::");
    return [parts[0], parts[1], parts[2], parts.slice(3).join("::")];
}
