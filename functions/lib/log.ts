/**
 * One JSON object per line, which CloudWatch Logs Insights reads without a parse step.
 * Callers pass only what is safe to keep: never headers, never a body beyond a short excerpt.
 */

export type Level = "info" | "warn" | "error";

/** Where lines go: process.stdout in Lambda, a collector in tests. */
export interface LogSink {
    write(chunk: string): unknown;
}

export type Log = (level: Level, msg: string, fields?: Readonly<Record<string, unknown>>) => void;

export function createLog(sink: LogSink = process.stdout, now: () => Date = () => new Date()): Log {
    return (level, msg, fields = {}) => {
        const envelope = { time: now().toISOString(), level, msg };
        // The envelope is written first (key order) and again last, so that a field can never overwrite it.
        sink.write(`${JSON.stringify(Object.assign({ ...envelope }, fields, envelope))}\n`);
    };
}

/** At most `max` characters on one line: enough to recognise an error page, too little to leak a response. */
export function excerpt(text: string, max = 120): string {
    // Control characters (newlines above all) would split or forge log lines.
    const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
    return oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine;
}
