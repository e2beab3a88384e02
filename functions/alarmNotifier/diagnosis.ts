/**
 * The other message the alarm topic carries: a failed rollout's diagnosis, which `release
 * verify-rollout` (release/explain.ts) publishes beside the alarms so that Slack shows why a deploy
 * failed, not only that an alarm fired. A JSON object whose `kind` says what it is; the notifier
 * owns this contract because it is the one that must read it.
 */
import type { Parsed } from "./alarm";

/** The `kind` of a diagnosis message. */
export const DIAGNOSIS_KIND = "shipyard.deployment-diagnosis";

/** A diagnosis as published: where, what became of the rollout, the cause(s) in one line, the whole text. */
export interface DiagnosisMessage {
    readonly kind: typeof DIAGNOSIS_KIND;
    readonly environment: string;
    /** The service's name in the stack file. */
    readonly service: string;
    readonly ecsService: string;
    /** `rolled-back` or `failed` (verify-rollout's states). */
    readonly state: string;
    /** The cause(s), in one line. */
    readonly headline: string;
    /** Short names of the causes (`image-pull`, `secret`, ...). */
    readonly causes: readonly string[];
    /** The diagnosis as printed: the cause, then the evidence. */
    readonly text: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads an SNS `Message` as a diagnosis: undefined when it is not one (an alarm notification, say),
 * a failure when it says it is one but lacks a field. The reason never quotes the message.
 */
export function parseDiagnosisMessage(message: string): Parsed<DiagnosisMessage> | undefined {
    let doc: unknown;
    try {
        doc = JSON.parse(message);
    } catch {
        return undefined;
    }
    if (!isObject(doc) || doc.kind !== DIAGNOSIS_KIND) return undefined;
    const missing = (["environment", "service", "ecsService", "state", "headline", "text"] as const).filter((k) => typeof doc[k] !== "string" || doc[k] === "");
    if (missing.length > 0) return { ok: false, reason: `deployment diagnosis without ${missing.join(", ")}` };
    const causes = Array.isArray(doc.causes) ? doc.causes.filter((c): c is string => typeof c === "string") : [];
    return { ok: true, value: { ...(doc as unknown as DiagnosisMessage), causes } };
}
