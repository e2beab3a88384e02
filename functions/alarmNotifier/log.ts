/**
 * The shared JSON log lines (../lib/log), passed through a redactor before they are written.
 *
 * The Slack webhook URL is a bearer credential: anyone who has it can post to the channel. Callers
 * never put it in a log field, and as a second line of defence every line is scrubbed of the URL
 * and of each of its secret path segments, so not even an error message from a library that
 * happened to quote it can leak it.
 */

import { createLog as createJsonLog, type Log, type LogSink } from "../lib/log";

export type { Log, LogSink };

export const REDACTED = "[redacted]";

/** Path segments shorter than this (and the fixed `services`) are not secret and are left alone. */
const MIN_SECRET_SEGMENT = 6;

export class Redactor {
    private secrets: string[] = [];

    /** Remembers a credential URL (even one that failed validation): the whole value and each long path segment. */
    addUrl(value: string): void {
        const parts = [value];
        try {
            const url = new URL(value);
            parts.push(url.href, ...url.pathname.split("/").filter((s) => s.length >= MIN_SECRET_SEGMENT && s !== "services"));
        } catch {
            // Not a URL: the value as a whole is all there is to hide (it is never sent anywhere).
        }
        // Longest first, so the whole URL is replaced before any of its pieces.
        this.secrets = [...new Set([...this.secrets, ...parts])].filter((s) => s !== "").sort((a, b) => b.length - a.length);
    }

    apply(text: string): string {
        return this.secrets.reduce((out, secret) => out.split(secret).join(REDACTED), text);
    }
}

/** JSON lines on `sink`, every one redacted; `now` in epoch ms, so tests can fix the clock. */
export function createLog(sink: LogSink, redactor: Redactor, now: () => number): Log {
    return createJsonLog({ write: (chunk: string) => sink.write(redactor.apply(chunk)) }, () => new Date(now()));
}
