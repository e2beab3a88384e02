/**
 * How settings report what is wrong: every problem of a stack is collected and thrown together in
 * one {@link SettingsError}, each naming the key, its value and what is allowed.
 */
import { PROJECT } from "./keys";

/** Every problem found in a stack's configuration, reported together. */
export class SettingsError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: readonly string[],
    ) {
        super(`stack "${stack}" has invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "SettingsError";
    }
}

/** Records that `key` (ours unless it names a namespace, as in `aws:region`) holds `value`, and what is allowed instead. */
export type Fail = (key: string, value: unknown, allowed: string) => void;

/** A stack's problems as they are found, in order. */
export interface Problems {
    readonly fail: Fail;
    /** A problem that is not about a value, such as a missing key; `problem` is the whole line. */
    readonly report: (problem: string) => void;
    /** Throws {@link SettingsError} with every problem found so far, if there is one. */
    readonly throwIfAny: () => void;
}

export function problemsOf(stack: string): Problems {
    const found: string[] = [];
    return {
        fail: (key, value, allowed) => found.push(`key ${key.includes(":") ? key : `${PROJECT}:${key}`} = ${show(value)}: ${allowed}`),
        report: (problem) => found.push(problem),
        throwIfAny: () => {
            if (found.length > 0) throw new SettingsError(stack, [...found]);
        },
    };
}

/** A value as a problem quotes it: strings quoted, lists and maps as JSON. */
export function show(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

/** True when `n` is a whole number from `lo` to `hi`. */
export function inRange(n: number, lo: number, hi: number): boolean {
    return Number.isInteger(n) && n >= lo && n <= hi;
}
